"""RFC 6578 sync tokens: a URI naming the collection and where its change log stood."""

from bridge.infra.errors import InvalidInput

PREFIX = "http://sales-calendar-bridge.invalid/sync/"


class InvalidToken(InvalidInput):
    """A token this collection did not hand out (or no longer honours)."""


def make_token(collection_id: int, payload: str) -> str:
    return f"{PREFIX}{collection_id}/{payload}"


def read_token(token: str, collection_id: int) -> str:
    """The payload of a token of this collection; InvalidToken for anything else."""
    if not token.startswith(PREFIX):
        raise InvalidToken(f"unknown sync token {token!r}")
    owner, _, payload = token[len(PREFIX):].partition("/")
    if owner != str(collection_id) or not payload:
        raise InvalidToken(f"sync token {token!r} belongs to another collection")
    return payload
