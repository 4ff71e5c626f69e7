"""The fast reads (``storage_plugin.fast_reads``) answer exactly as Radicale does: the same
requests, on the same data, to a server with them and to one without (``fast_reads =
False``) get the same status, content type and multistatus — hrefs, ETags, properties,
bodies."""

import gzip
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC
from typing import Any

import pytest

from storage_plugin.fast_reads import FastReads
from storage_plugin.polls import Polls
from tests.clock import WARSAW, at, iso
from tests.conftest import NOW_ISO, Bridge, WriteExport, appointment, customer
from tests.storage_plugin.conftest import EVENT, TODO, Server, serving

DAV = "{DAV:}"
CALDAV_NS = 'xmlns:C="urn:ietf:params:xml:ns:caldav"'
CARDDAV_NS = 'xmlns:CR="urn:ietf:params:xml:ns:carddav"'


def _propfind(*props: str) -> str:
    return f'<propfind xmlns="DAV:"><prop>{"".join(f"<{p}/>" for p in props)}</prop></propfind>'


def _multiget(kind: str, hrefs: list[str], *props: str) -> str:
    report, ns = (("C:calendar-multiget", CALDAV_NS) if kind == "C"
                  else ("CR:addressbook-multiget", CARDDAV_NS))
    return (f'<{report} xmlns="DAV:" {ns}><prop>{"".join(f"<{p}/>" for p in props)}</prop>'
            + "".join(f"<href>{href}</href>" for href in hrefs) + f"</{report}>")


def _sync(token: str, *props: str) -> str:
    return (f'<sync-collection xmlns="DAV:" {CALDAV_NS} {CARDDAV_NS}><sync-token>{token}'
            f'</sync-token><sync-level>1</sync-level><prop>'
            f'{"".join(f"<{p}/>" for p in props)}</prop></sync-collection>')


PROPFINDS = [
    _propfind("getetag"),
    _propfind("resourcetype", "getcontenttype", "getetag"),
    _propfind("getetag", "getlastmodified", "getcontentlength", "resourcetype"),
    _propfind("getetag", "displayname"),  # the collection's own property: Radicale's path
    "",  # allprop
]


@pytest.fixture(autouse=True)
def answered_fast(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The requests the fast reads answered (the servers run in this process): a poll
    answered again (``storage_plugin.polls``) counts as a PROPFIND they answered."""
    answered: list[str] = []

    def counting(owner: type, name: str, counted_as: str) -> Callable[..., Any]:
        original = getattr(owner, name)

        def counted(self: Any, *args: Any) -> Any:
            answer = original(self, *args)
            if answer is not None:
                answered.append(counted_as)
            return answer
        return counted

    for owner, name, counted_as in ((FastReads, "report", "report"),
                                    (FastReads, "propfind", "propfind"),
                                    (Polls, "answer", "propfind")):
        monkeypatch.setattr(owner, name, counting(owner, name, counted_as))
    return answered


@pytest.fixture
def servers(staff_passwords: None, database_url: str, hq: Bridge,
            write_export: WriteExport) -> Iterator[tuple[Server, Server]]:
    """bwilson with mobile appointments, HQ appointments, tasks, customers and a calendar of
    his own; one server with the fast reads, one without, on the same database."""
    records = [appointment(f"MA-{n}", start=iso(n + 5, "09:00"), end=iso(n + 5, "10:00"),
                           name=f"Visit <{n}> & review") for n in range(1, 8)]
    assert hq("import", "customers", write_export("customers", [
        customer(f"C-3{n:03d}", name=f"Kunde {n} & Söhne") for n in range(5)]),
        "--now", NOW_ISO).exit_code == 0
    assert hq("import", "activities", write_export("appointments", records),
              "--now", NOW_ISO).exit_code == 0
    for n in range(3):
        assert hq("activities", "add", "-r", "bwilson", "--name", f"HQ visit {n}",
                  "--start", iso(n + 15, "10:00")).exit_code == 0
        assert hq("activities", "add", "--kind", "task", "-r", "bwilson", "--name", f"Call {n}",
                  "--end", iso(n + 15, "10:00")).exit_code == 0
    with serving(database_url) as fast, serving(database_url,
                                                 storage={"fast_reads": "False"}) as radicale:
        http = fast.http("bwilson")
        assert http.request("MKCALENDAR", fast.url + "bwilson/private/").status_code == 201
        for n in range(3):
            assert fast.put("bwilson", f"bwilson/private/e{n}.ics", EVENT.format(
                uid=f"e{n}", summary=f"Private {n}", description="x")).status_code == 201
        assert fast.put("bwilson", "bwilson/private/t.ics", TODO.format(
            uid="t", summary="Todo", extra="")).status_code == 201
        assert fast.put("bwilson", "bwilson/private/a%20b%26c%C3%BC.ics", EVENT.format(
            uid="quoted", summary="A name to quote", description="x")).status_code == 201
        yield fast, radicale


def _answer(server: Server, login: str, method: str, path: str, body: str,
            depth: str | None = None) -> tuple[int, list[tuple[str, str]], Any]:
    headers = {"Content-Type": "application/xml"}
    if depth is not None:
        headers["Depth"] = depth
    response = server.http(login).request(method, server.url + path, data=body.encode(),
                                          headers=headers)
    content = (_tree(response.content) if response.status_code == 207
               else response.content)
    said = sorted((name.lower(), value) for name, value in response.headers.items()
                  if name.lower() not in ("date", "content-length"))  # (the order may differ)
    return response.status_code, said, content


def _tree(body: bytes) -> Any:
    """A multistatus as comparable data: its responses in any order, everything in them in
    the order given."""
    def plain(element: ET.Element) -> Any:
        return (element.tag, sorted(element.attrib.items()), element.text or "",
                [plain(child) for child in element])
    root = ET.fromstring(body)
    return sorted((plain(child) for child in root), key=repr)


def _same(fast: Server, radicale: Server, login: str, method: str, path: str, body: str,
          depth: str | None = None) -> Any:
    ours = _answer(fast, login, method, path, body, depth)
    theirs = _answer(radicale, login, method, path, body, depth)
    assert ours == theirs, (method, path, depth, body)
    return ours


def _hrefs(tree: Any) -> list[str]:
    return [entry[3][0][2] for entry in tree if entry[0] == f"{DAV}response"]


COLLECTIONS = ["bwilson/appointments/", "bwilson/mobile/", "bwilson/tasks/",
               "bwilson/customers/", "bwilson/private/"]


def _poll(*props: str) -> str:
    return (f'<propfind xmlns="DAV:" xmlns:CS="http://calendarserver.org/ns/"><prop>'
            f'{"".join(f"<{p}/>" for p in props)}</prop></propfind>')


POLLS = [_poll("CS:getctag", "sync-token"), _poll("sync-token", "CS:getctag"),
         _poll("CS:getctag"), _poll("sync-token")]


@pytest.mark.parametrize("path", COLLECTIONS)
def test_a_poll_of_ctag_and_sync_token_is_answered_as_radicale_does(
        servers: tuple[Server, Server], answered_fast: list[str], path: str) -> None:
    fast, radicale = servers
    before = [_same(fast, radicale, "bwilson", "PROPFIND", path, body, "0") for body in POLLS]
    assert all(status == 207 and len(answer) == 1 for status, _, answer in before)
    _same(fast, radicale, "bwilson", "PROPFIND", path, POLLS[0])  # no Depth: 0
    assert answered_fast == ["propfind"] * 5
    assert fast.put("bwilson", "bwilson/private/later.ics", EVENT.format(
        uid="later", summary="Later", description="x")).status_code == 201
    if path == "bwilson/private/":  # a change moves both on
        assert _same(fast, radicale, "bwilson", "PROPFIND", path, POLLS[0], "0") != before[0]
    _same(fast, radicale, "cdavis", "PROPFIND", path, POLLS[0], "0")  # not his
    _same(fast, radicale, "bwilson", "PROPFIND", "bwilson/", POLLS[0], "0")  # no calendar
    assert answered_fast == ["propfind"] * (5 + (path == "bwilson/private/"))


@pytest.mark.parametrize("path", COLLECTIONS)
def test_propfind_depth_1_is_answered_as_radicale_does(
        servers: tuple[Server, Server], answered_fast: list[str], path: str) -> None:
    fast, radicale = servers
    for body in PROPFINDS:
        status, _, answer = _same(fast, radicale, "bwilson", "PROPFIND", path, body, "1")
        assert status == 207
        assert len(answer) > 3
    assert answered_fast == ["propfind"] * 3
    _same(fast, radicale, "bwilson", "PROPFIND", path, PROPFINDS[0], "0")
    _same(fast, radicale, "cdavis", "PROPFIND", path, PROPFINDS[0], "1")  # not his
    _same(fast, radicale, "awhite", "PROPFIND", "awhite/team-bwilson-appointments/",
          PROPFINDS[1], "1")


@pytest.mark.parametrize("path", COLLECTIONS)
def test_multiget_is_answered_as_radicale_does(servers: list[Server], answered_fast: list[str],
                                               path: str) -> None:
    fast, radicale = servers
    _, _, listing = _same(fast, radicale, "bwilson", "PROPFIND", path, PROPFINDS[0], "1")
    hrefs = [href for href in _hrefs(listing) if not href.endswith("/")]
    kind, data = ("CR", "CR:address-data") if "customers" in path else ("C", "C:calendar-data")
    wanted = [*hrefs, f"/{path}missing.ics", "/bwilson/mobile/elsewhere.ics",
              f"/{path}../escape.ics", "/other/x.ics", f"http://host/{path}{{weird}}"]
    for props in (("getetag", data), ("getetag",), (data,), ("getcontenttype", "getetag")):
        status, _, answer = _same(fast, radicale, "bwilson", "REPORT", path,
                                  _multiget(kind, wanted, *props))
        assert status == 207 and len(answer) == len(wanted)
    assert answered_fast == ["propfind"] + ["report"] * 4
    _same(fast, radicale, "bwilson", "REPORT", path,
          _multiget(kind, hrefs, "getetag", "displayname"))  # not answered fast
    _same(fast, radicale, "bwilson", "REPORT", path,
          _multiget("CR" if kind == "C" else "C", hrefs, "getetag"))  # the wrong report
    _same(fast, radicale, "cdavis", "REPORT", path, _multiget(kind, hrefs, "getetag"))


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_a_fast_answer_is_sent_whole_plain_or_compressed(
        servers: tuple[Server, Server], answered_fast: list[str], encoding: str) -> None:
    """Its parts are sent as written (or compressed as Radicale compresses): the length the
    headers announce is what arrives, and it reads as Radicale's answer."""
    _, _, listing = _same(*servers, "bwilson", "PROPFIND", "bwilson/mobile/", PROPFINDS[0], "1")
    body = _multiget("C", [href for href in _hrefs(listing) if href.endswith(".ics")],
                     "getetag", "C:calendar-data").encode()
    received = []
    for server in servers:
        response = server.http("bwilson").request(
            "REPORT", server.url + "bwilson/mobile/", data=body, stream=True,
            headers={"Content-Type": "application/xml", "Accept-Encoding": encoding})
        raw = response.raw.read(decode_content=False)
        assert response.status_code == 207
        assert int(response.headers["Content-Length"]) == len(raw)
        assert response.headers.get("Content-Encoding", "identity") == encoding
        received.append(_tree(gzip.decompress(raw) if encoding == "gzip" else raw))
    assert received[0] == received[1]
    assert answered_fast == ["propfind", "report"]


@pytest.mark.parametrize("path", COLLECTIONS)
def test_sync_collection_is_answered_as_radicale_does(
        servers: tuple[Server, Server], answered_fast: list[str], hq: Bridge, path: str) -> None:
    fast, radicale = servers
    data = "CR:address-data" if "customers" in path else "C:calendar-data"
    status, _, first = _same(fast, radicale, "bwilson", "REPORT", path, _sync("", "getetag"))
    assert status == 207
    [token] = [entry[2] for entry in first if entry[0] == f"{DAV}sync-token"]
    if path == "bwilson/private/":  # (a name written quoted)
        assert "/bwilson/private/a%20b%26c%C3%BC.ics" in _hrefs(first)
    _same(fast, radicale, "bwilson", "REPORT", path, _sync("", "getetag", data))
    _same(fast, radicale, "bwilson", "REPORT", path, _sync(token, "getetag"))
    assert hq("activities", "edit", "HQ-000001", "--name", "Moved on").exit_code == 0
    assert hq("activities", "delete", "HQ-000002").exit_code == 0
    fast.http("bwilson").delete(fast.url + "bwilson/private/e1.ics")
    _same(fast, radicale, "bwilson", "REPORT", path, _sync(token, "getetag", data))
    assert answered_fast == ["report"] * 4
    _same(fast, radicale, "bwilson", "REPORT", path, _sync("http://x/sync/0", "getetag"))
    _same(fast, radicale, "bwilson", "REPORT", path, _sync(token + "x", "getetag"))
    _same(fast, radicale, "cdavis", "REPORT", path, _sync("", "getetag"))


def _query(component: str, start: str | None = None, end: str | None = None, *props: str,
           inner: str = "") -> str:
    """A calendar-query of ``component`` (VCALENDAR: a time-range on the calendar itself),
    from ``start`` to ``end`` (UTC stamps; none: no time-range), asking for ``props``."""
    time_range = "" if start is None else f'<C:time-range start="{start}" end="{end}"/>'
    filtered = (f"{time_range}{inner}" if component == "VCALENDAR" else
                f'<C:comp-filter name="{component}">{time_range}{inner}</C:comp-filter>')
    return (f'<C:calendar-query xmlns="DAV:" {CALDAV_NS}><prop>'
            f'{"".join(f"<{p}/>" for p in props or ("getetag", "C:calendar-data"))}</prop>'
            f'<C:filter><C:comp-filter name="VCALENDAR">{filtered}</C:comp-filter></C:filter>'
            "</C:calendar-query>")


def _stamp(days: int, clock: str, zone: str = "UTC") -> str:
    return f"{at(days, clock, zone).astimezone(UTC):%Y%m%dT%H%M%SZ}"


WIDE = (_stamp(-1, "00:00"), _stamp(40, "00:00"))
"""A range holding every item of ``servers``."""


@pytest.mark.parametrize("path", COLLECTIONS)
def test_a_calendar_query_by_time_is_answered_as_radicale_does(
        servers: tuple[Server, Server], answered_fast: list[str], path: str) -> None:
    fast, radicale = servers
    fast_ones = [
        _query("VEVENT", *WIDE), _query("VTODO", *WIDE), _query("VCALENDAR", *WIDE),
        _query("VEVENT"), _query("VEVENT", *WIDE, "getetag"),
        _query("VEVENT", *WIDE, "getcontenttype", "getetag", "C:calendar-data"),
        _query("VEVENT", _stamp(7, "00:00"), _stamp(9, "00:00")),  # some (MA-2, MA-3)
        _query("VEVENT", _stamp(-30, "00:00"), _stamp(-29, "00:00")),  # none
    ]
    answers = [_same(fast, radicale, "bwilson", "REPORT", path, body, "1")
               for body in fast_ones]
    calendar = "customers" not in path
    assert all((status == 207) == calendar for status, _, _ in answers)
    assert answered_fast == ["report"] * len(fast_ones) * calendar
    if path in ("bwilson/mobile/", "bwilson/appointments/", "bwilson/private/"):
        assert len(answers[0][2]) > 0
    answered_fast.clear()
    for body in (  # Radicale's own: an item to test further, a filter the storage cannot read
            _query("VEVENT", _stamp(6, "09:30", WARSAW), _stamp(6, "09:45", WARSAW)),  # in MA-1
            _query("VEVENT", *WIDE, inner='<C:prop-filter name="SUMMARY"><C:text-match>'
                   "visit</C:text-match></C:prop-filter>"),
            _query("VEVENT", "yesterday", "tomorrow"),  # malformed
            _query("VEVENT", *WIDE, "getetag", "displayname")):
        _same(fast, radicale, "bwilson", "REPORT", path, body, "1")
    _same(fast, radicale, "cdavis", "REPORT", path, _query("VEVENT", *WIDE), "1")  # not his
    if path == "bwilson/mobile/":  # each has items to test further, or is not answered here
        assert answered_fast == []


def test_too_many_events_are_refused_as_radicale_refuses_them(
        staff_passwords: None, database_url: str, hq: Bridge, write_export: WriteExport,
        answered_fast: list[str]) -> None:
    records = [appointment(f"MA-{n}", start=iso(n + 5, "09:00"), end=iso(n + 5, "10:00"))
               for n in range(1, 6)]
    assert hq("import", "activities", write_export("appointments", records),
              "--now", NOW_ISO).exit_code == 0
    limit = {"reporting": {"max_expand_occurrence": "3"}}
    with serving(database_url, **limit) as fast, \
            serving(database_url, storage={"fast_reads": "False"}, **limit) as radicale:
        status, _, _ = _same(fast, radicale, "bwilson", "REPORT", "bwilson/mobile/",
                             _sync("", "getetag", "C:calendar-data"))
        assert status == 400
        status, _, _ = _same(fast, radicale, "bwilson", "REPORT", "bwilson/mobile/",
                             _sync("", "getetag"))
        assert status == 207
        status, _, _ = _same(fast, radicale, "bwilson", "REPORT", "bwilson/mobile/",
                             _query("VEVENT", *WIDE), "1")
        assert status == 400
        status, _, _ = _same(fast, radicale, "bwilson", "REPORT", "bwilson/mobile/",
                             _query("VEVENT", *WIDE, "getetag"), "1")
        assert status == 207
    assert answered_fast == ["report"] * 2
