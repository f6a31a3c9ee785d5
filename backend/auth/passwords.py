"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Tests hash hundreds of passwords; production keeps argon2-cffi's recommended cost.
_fast_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

MIN_LENGTH = 10
MAX_LENGTH = 256
COMMON = {
    "password123", "1234567890", "qwertyuiop", "passw0rd123", "iloveyou12",
    "letmein1234", "administrator", "welcome123", "cityloop123", "0987654321",
}  # fmt: skip


_settings = {"fast": False}

# Stored for an account closed by its owner and waiting to be erased: no password matches
# it, so signing in answers as for an unknown address.
UNUSABLE = "!closed"


def configure(*, fast: bool) -> None:
    """Choose the cheap hash parameters (tests only); set once by the app factory."""
    _settings["fast"] = fast


def hash_password(password: str) -> str:
    return (_fast_hasher if _settings["fast"] else _hasher).hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    if password_hash == UNUSABLE:
        burn_verification_time(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_dummy_hashes: dict[bool, str] = {}


def burn_verification_time(password: str) -> None:
    """Verify against a throwaway hash when the account does not exist, so that the
    answer takes as long as a real check and does not reveal who is registered."""
    fast = _settings["fast"]
    if fast not in _dummy_hashes:
        _dummy_hashes[fast] = hash_password("not-a-real-password")
    verify_password(_dummy_hashes[fast], password)


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    if lowered in COMMON or len(set(password)) < 4:
        problems.append("This password is too easy to guess.")
    local = email.split("@")[0].lower()
    if (local and len(local) >= 4 and local in lowered) or (name and name.lower() == lowered):
        problems.append("Do not use your e-mail or name as the password.")
    return problems
