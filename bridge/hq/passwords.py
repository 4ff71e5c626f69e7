"""Password hashes of HQ users (Argon2id, the OWASP-recommended KDF); never kept plain.

OWASP's Argon2id parameters (19 MiB, 2 passes, 1 lane) rather than argon2-cffi's default
64 MiB: a server checking many logins at once must not need 64 MiB for each. Hashes made with
other parameters still verify (they carry their own)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

MIN_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
