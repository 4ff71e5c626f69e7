"""RFC 6578 sync tokens: a URI naming the collection and where its change log stood — and,
on a server of several databases, the database (its name, for every database but the
default one): a token of one database is never taken by another served beside it, not even
by a copy of it whose history it shares."""

from bridge.errors import InvalidInput

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


def in_namespace(token: str, namespace: str) -> str:
    """The token as a database called ``namespace`` hands it out ("": the default one)."""
    if not namespace:
        return token
    return f"{PREFIX}{namespace}/{token.removeprefix(PREFIX)}"


def out_of_namespace(token: str, namespace: str) -> str:
    """The token as the collection reads it; InvalidToken for one of another database (a
    token of the default one names no database: its first part is a collection's id)."""
    if not namespace:
        return token
    own = f"{PREFIX}{namespace}/"
    if not token.startswith(own):
        raise InvalidToken(f"sync token {token!r} belongs to another database")
    return PREFIX + token[len(own):]
