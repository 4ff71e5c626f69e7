"""Password hashes of HQ users (Argon2id, the OWASP-recommended KDF); never kept plain.

OWASP's Argon2id parameters of the least memory (7 MiB, 5 passes, 1 lane; OWASP lists it as
as strong as its 19 MiB, 2 passes) rather than argon2-cffi's default 64 MiB: the calendar
server checks logins in its own process, several at once, and each check holds that memory
while it runs. Hashes made with other parameters still verify (they carry their own)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher(time_cost=5, memory_cost=7 * 1024, parallelism=1)

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
