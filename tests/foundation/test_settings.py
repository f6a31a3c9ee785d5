"""Every setting is declared once, in backend/config.py, and documented in the README."""

import re
from pathlib import Path

from backend.config import ENVIRONMENT_VARIABLE, SETTINGS, Config
from backend.ratelimit import setting_names

ROOT = Path(__file__).resolve().parents[2]
# config["KEY"], config.get("KEY", ...), config.setdefault("KEY"...): what the code reads.
READ = re.compile(r"""config(?:\[|\.get\(|\.setdefault\()\s*["']([A-Z][A-Z0-9_]*)["']""")
VAPID_READ = re.compile(r"""setting\(\s*\w+,\s*["']([A-Z][A-Z0-9_]*)["']""")


def _declared() -> set[str]:
    config = Config()
    return {name for name in dir(config) if name.isupper()}


def _read_in(source: str) -> set[str]:
    return set(READ.findall(source)) | set(VAPID_READ.findall(source))


def _keys_read_by_the_code() -> dict[str, str]:
    keys = {}
    for path in [*sorted((ROOT / "backend").rglob("*.py")), ROOT / "wsgi.py"]:
        for key in _read_in(path.read_text()):
            keys.setdefault(key, str(path.relative_to(ROOT)))
    for kind in ("posting", "voting", "flagging"):  # backend.ratelimit.limited(kind)
        for key in setting_names(kind):
            keys.setdefault(key, "backend/ratelimit.py")
    return keys


def test_the_scan_finds_what_code_reads():
    found = _read_in('x = app.config["NOT_A_SETTING"]; current_app.config.get("ALSO", 1)')
    assert found == {"NOT_A_SETTING", "ALSO"}
    assert "LOGIN_LIMIT_PER_ACCOUNT" in _keys_read_by_the_code()


def test_the_code_reads_only_declared_settings():
    undeclared = {k: where for k, where in _keys_read_by_the_code().items() if k not in _declared()}
    assert undeclared == {}, "declare these in backend/config.py (SETTINGS)"


def test_no_code_reads_the_environment_outside_config():
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "backend").rglob("*.py"))
        if path.name != "config.py" and re.search(r"os\.environ|getenv\(", path.read_text())
    ]
    assert offenders == []


def test_no_call_site_gives_a_default_of_its_own():
    pattern = re.compile(r"""config\.get\(\s*["'][A-Z0-9_]+["']\s*,""")
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "backend").rglob("*.py"))
        if pattern.search(path.read_text())
    ]
    assert offenders == []


def test_settings_are_declared_once():
    keys = [setting.key for setting in SETTINGS]
    assert len(keys) == len(set(keys))


def test_the_readme_lists_every_variable():
    readme = (ROOT / "README.md").read_text()
    table = {
        name
        for line in readme.splitlines()
        if line.startswith("| `")
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1])
    }
    variables = {s.env for s in SETTINGS if s.env} | {ENVIRONMENT_VARIABLE}
    assert variables - table == set(), "add these to the README's configuration table"
    assert table - variables == set(), "the README lists variables config.py does not read"


def test_an_environment_variable_sets_its_setting(monkeypatch):
    monkeypatch.setenv("CITYLOOP_REOPEN_DAYS", "12")
    monkeypatch.setenv("PUSH_ENDPOINT_HOSTS", "a.example, b.example")
    monkeypatch.setenv("CITYLOOP_MAP_ZOOM", "")
    config = Config()
    assert config.REOPEN_DAYS == 12
    assert config.PUSH_ENDPOINT_HOSTS == ["a.example", "b.example"]
    assert config.MAP_ZOOM == 14  # empty: the default
