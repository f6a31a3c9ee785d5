"""Stored passwords are argon2id at no less than OWASP's minimum cost (19 MiB, 2 passes), and
the production configuration is not the cheap one tests use."""

from argon2 import extract_parameters

from backend.auth import passwords
from backend.config import ProductionConfig


def test_production_hashes_are_argon2id_at_owasp_cost(monkeypatch):
    monkeypatch.setitem(passwords._settings, "fast", False)
    stored = passwords.hash_password("correct-horse-battery")
    assert stored.startswith("$argon2id$")
    parameters = extract_parameters(stored)
    assert parameters.memory_cost >= 19 * 1024 and parameters.time_cost >= 2
    assert passwords.verify_password(stored, "correct-horse-battery")
    assert not passwords.verify_password(stored, "correct-horse-batterY")
    assert not ProductionConfig().PASSWORD_HASH_FAST
