"""``bridge serve`` answers each connection on a thread it keeps for the next one
(``storage_plugin.server.ConnectionThreads``), not on a new thread per connection as Radicale's
server does: one set of threads per process, whatever servers it runs one after another."""

import threading

from tests.conftest import race
from tests.storage_plugin.conftest import PASSWORD, Server, serving


def _polls(server: Server, count: int) -> list[int]:
    """``count`` PROPFINDs of a home, each on a connection of its own (Radicale's server
    closes every connection after its answer)."""
    return [server.http("bwilson").request("PROPFIND", server.url + "bwilson/",
                                           headers={"Depth": "0"}).status_code
            for _ in range(count)]


def _connection_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.name.startswith("connection ")}


def test_connections_are_answered_on_kept_threads(staff_passwords: None,
                                                  database_url: str) -> None:
    before = _connection_threads()  # (the threads earlier servers of this process left)
    with serving(database_url) as first:
        assert _polls(first, 30) == [207] * 30
        parallel = race([lambda: first.http("bwilson", PASSWORD).request(
            "PROPFIND", first.url + "bwilson/", headers={"Depth": "0"}).status_code] * 8)
        assert parallel == [207] * 8
        kept = _connection_threads()
    assert kept and len(kept - before) <= 8 + 2, kept  # (as many as answered at once, give
    with serving(database_url) as second:  # or take)
        assert _polls(second, 30) == [207] * 30
    # The second server's connections were answered on the same threads (one at a time: the
    # threads the first left waiting suffice).
    assert _connection_threads() == kept
