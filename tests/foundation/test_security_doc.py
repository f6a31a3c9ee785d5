"""docs/security.md cites tests as proof: every cited test file and test must exist, so the
document cannot drift from the suite. A ``::name`` after a ``tests/...::name`` belongs to the
same file."""

from __future__ import annotations

import ast
import re

from tests.helpers import ROOT

DOC = ROOT / "docs" / "security.md"
CITATION = re.compile(r"`(tests/[\w/.-]+\.py)?(?:::(\w+))?`")


def _citations() -> list[tuple[str, str | None]]:
    cited, current = [], None
    for path, name in CITATION.findall(DOC.read_text()):
        current = path or current
        if current is not None and (path or name):
            cited.append((current, name or None))
    return cited


def _test_names(path: str) -> set[str]:
    tree = ast.parse((ROOT / path).read_text())
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def test_every_cited_test_exists():
    cited = _citations()
    assert len(cited) > 20  # the parser still finds the citations
    missing = [(path, name) for path, name in cited if not (ROOT / path).is_file()]
    assert missing == [], f"cited test files that do not exist: {missing}"
    unknown = [f"{p}::{n}" for p, n in cited if n is not None and n not in _test_names(p)]
    assert unknown == [], f"cited tests that do not exist: {unknown}"


def test_every_asvs_row_is_met_with_a_test_or_a_stated_gap():
    rows = [line for line in DOC.read_text().splitlines() if re.match(r"\| \d+\.\d", line)]
    assert len(rows) > 20
    for row in rows:
        state = row.rstrip(" |").rsplit(" | ", 1)[-1]
        assert state.startswith(("met", "gap")), row
        if state.startswith("met"):
            assert "tests/" in state, f"'met' without a test: {row}"
        if "gap" in state:
            assert "because" in state or "gap in" in state, f"a gap without a reason: {row}"
