import pytest

from backend.config import Config, ProductionConfig, normalize_database_url


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("CITYLOOP_DATA_DIR", str(tmp_path))
    first = Config()
    first.finalize()
    second = Config()
    second.finalize()
    assert first.SECRET_KEY == second.SECRET_KEY and len(first.SECRET_KEY) >= 48
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_defaults_need_no_configuration(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CITYLOOP_DATA_DIR", str(tmp_path))
    config = Config()
    assert config.SQLALCHEMY_DATABASE_URI == f"sqlite:///{tmp_path / 'cityloop.db'}"
    assert config.REDIS_URL is None
    assert (config.HOST, config.PORT) == ("127.0.0.1", 5000)


def test_postgres_urls_use_psycopg_3():
    assert normalize_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    "env, problem",
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": "k" * 40, "SESSION_COOKIE_SECURE": "0"}, "SESSION_COOKIE_SECURE"),
        ({"SECRET_KEY": "k" * 40, "CITYLOOP_PUBLIC_URL": "http://city.example"}, "https://"),
    ],
)
def test_production_refuses_unsafe_settings(monkeypatch, tmp_path, env, problem):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("CITYLOOP_DATA_DIR", str(tmp_path))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(RuntimeError, match=problem):
        ProductionConfig().finalize()


def test_production_starts_with_safe_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("CITYLOOP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("CITYLOOP_PUBLIC_URL", "https://city.example")
    config = ProductionConfig()
    config.finalize()
    assert config.SESSION_COOKIE_SECURE is True
