"""A seeded generator of hostile and odd requests for the calendar server.

Five classes, each aimed at every kind of collection (a representative's writable HQ
calendars, the read-only mobile calendar and customers address book, a general calendar and
address book the client made, another representative's calendars, the home and the root):

- ``icalendar``: PUTs of broken, extreme or abusive iCalendar objects;
- ``vcard``: PUTs of broken or abusive vCards;
- ``xml``: bodies of PROPFIND, PROPPATCH, REPORT, MKCALENDAR and MKCOL — entity expansion,
  external entities, deep nesting, malformed XML and well-formed requests with odd values;
- ``path``: odd request paths for every method;
- ``header``: malformed or odd headers (credentials, Depth, If-Match, Destination,
  Content-Length, Content-Type…).

Six more classes (:data:`LOAD_CLASSES`, issue 29: what must never stall the server for the
other representatives; :func:`load_probes`, :func:`hostile_run`):

- ``recurrence``: RRULEs of every FREQ × INTERVAL 0, -1, 1, huge × COUNT none, 0, -5, 1,
  10**9 × UNTIL none, before DTSTART, far future, and BYxxx combinations that are impossible,
  out of range or rare (BYMONTH=2;BYMONTHDAY=30, BYYEARDAY=366, BYSETPOS=±367, BYWEEKNO=53…);
- ``dates``: huge RDATE and EXDATE lists (up to the 1 MiB item limit);
- ``timezone``: VTIMEZONEs with RRULEs of their own, sane and pathological;
- ``deep-xml``: REPORT and PROPFIND bodies nested deep (around the 64-level limit) or wide
  (tens of thousands of properties, hrefs, filters);
- ``big-body``: bodies at and over the item and request size limits, and bodies shorter than
  their Content-Length;
- ``slow-body``: bodies sent in pieces with pauses (a few seconds at most).

A probe the server is known to stall on today carries ``issue`` (recurrences with
INTERVAL<=0 or COUNT<=0, or that never produce an occurrence: issue 29, being fixed).

Every probe writes only to hrefs and collections of its own (``hostile-…``), so a test can
tell what a request answered with 2xx may have changed from what must stay as it was.
"""

import base64
import functools
import http.client
import itertools
import random
import select
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote, urlsplit

from tests.clock import at, day, local_stamp, stamp

WHEN = stamp(at(15, "10:00", "UTC"))
"""The start of the probes' items, in two weeks (a UTC DATE-TIME, ``20270105T100000Z``); the
probes' other valid dates are built from the same clock, so a probe is refused or taken for
the same reason whatever the date."""
WHEN_LOCAL = local_stamp(15, "10:00")
WHEN_DAY = stamp(day(15))
STAMPED = stamp(at(1, "12:00", "UTC"))
"""The probes' DTSTAMP (tomorrow)."""

LOGIN = "bwilson"
PASSWORD_FIELD = "{password}"

WRITABLE = ("/bwilson/appointments/", "/bwilson/tasks/")
READ_ONLY = ("/bwilson/mobile/", "/bwilson/customers/", "/cdavis/appointments/",
             "/cdavis/mobile/")
GENERAL_CALENDAR = "/bwilson/hostile-calendar/"
GENERAL_BOOK = "/bwilson/hostile-book/"
CALENDARS = (*WRITABLE, "/bwilson/mobile/", "/cdavis/appointments/", GENERAL_CALENDAR)
BOOKS = ("/bwilson/customers/", GENERAL_BOOK)
EVERY_COLLECTION = (*CALENDARS, *BOOKS, "/bwilson/", "/")


@dataclass(frozen=True)
class Probe:
    kind: str
    method: str
    path: str
    """As sent on the request line (may hold anything but spaces and line breaks)."""
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    login: str | None = LOGIN
    description: str = ""
    pieces: int = 1
    """The body is sent in this many pieces…"""
    pause: float = 0.0
    """…with this many seconds between them (a slow client; at most a few seconds in all)."""
    short_by: int = 0
    """The Content-Length declares this many bytes more than the body; the client then
    closes its sending side and waits for the answer."""
    issue: str = ""
    """A known fault of the server this probe meets (``issue 29``): it may stall it today."""


def send(url: str, probe: Probe, password: str, timeout: float = 60) -> int:
    """The status of ``probe`` sent to the server at ``url`` on a connection of its own,
    exactly as generated (signed in with ``password`` as ``probe.login``); raises OSError
    (TimeoutError) if no answer comes within ``timeout`` seconds of the last byte sent."""
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=timeout)
    try:
        connection.putrequest(probe.method, quote(probe.path, safe="/%:@!$&'()*+,;=~.-_\\"),
                              skip_accept_encoding=True)
        headers = dict(probe.headers)
        if probe.login is not None:
            credentials = base64.b64encode(f"{probe.login}:{password}".encode()).decode()
            headers.setdefault("Authorization", f"Basic {credentials}")
        headers.setdefault("Content-Length", str(len(probe.body) + probe.short_by))
        for name, value in headers.items():
            connection.putheader(name, value.encode("utf-8"))
        try:
            if probe.pieces <= 1 and not probe.short_by and len(probe.body) <= 65_536:
                connection.endheaders(probe.body if probe.body else None)
            else:
                connection.endheaders()
                _send_body(connection, probe, timeout)
        except (BrokenPipeError, ConnectionResetError):
            pass  # (the server answered before it read the whole body: read its answer)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _send_body(connection: http.client.HTTPConnection, probe: Probe, timeout: float) -> None:
    """The body in ``probe.pieces`` pieces ``probe.pause`` seconds apart (each in blocks of
    64 KiB), as a browser sends: it stops sending once the server has answered (a refusal
    before the body is read) and waits for the answer at most ``timeout`` seconds."""
    sock = connection.sock
    assert sock is not None
    size = max(-(-len(probe.body) // max(probe.pieces, 1)), 1)
    for number, start in enumerate(range(0, len(probe.body), size)):
        if number:
            time.sleep(probe.pause)
        piece = memoryview(probe.body[start:start + size])
        while piece:
            readable, writable, _ = select.select([sock], [sock], [], timeout)
            if readable:
                return  # (answered already)
            if not writable:
                raise TimeoutError(f"the server took no more of the body for {timeout} s")
            piece = piece[sock.send(piece[:65_536]):]
    if probe.short_by:
        sock.shutdown(socket.SHUT_WR)


def probes(seed: int = 2026, per_class: int = 420) -> list[Probe]:
    """``per_class`` probes of each class, the same ones for the same seed."""
    rng = random.Random(seed)
    made: list[Probe] = []
    for kind, generate in CLASSES.items():
        made += [generate(rng, f"{kind}-{number}") for number in range(per_class)]
    return made


# --- iCalendar ------------------------------------------------------------------------------

EVENT = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hostile//EN\r\n{before}BEGIN:VEVENT\r\n"
         "UID:{uid}\r\nDTSTAMP:" + STAMPED + "\r\n{props}END:VEVENT\r\n{after}END:VCALENDAR\r\n")

ICAL_PROPS: list[Callable[[random.Random], str]] = [
    lambda r: "DTSTART:99991231T233000Z\r\n",
    lambda r: "DTSTART:00010101T000000Z\r\nDURATION:-P1D\r\n",
    lambda r: f"DTSTART;TZID={'Z' * r.choice([300, 5000])}:{WHEN_LOCAL}\r\n",
    lambda r: f"DTSTART;TZID=No/Such_Zone:{WHEN_LOCAL}\r\n",
    lambda r: f"DTSTART:{WHEN_LOCAL}\r\nDTEND:{local_stamp(14, '10:00')}\r\n",
    lambda r: "DTSTART:20261340T250000Z\r\n",
    lambda r: "DTSTART:not-a-date\r\n",
    lambda r: f"DTSTART;VALUE=DATE:{WHEN_DAY}\r\nDTEND;VALUE=DATE:{WHEN_DAY}\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nDURATION:P99999999W\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nDURATION:garbage\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nRRULE:FREQ=SECONDLY\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nRRULE:FREQ=YEARLY;COUNT=-5\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nRRULE:FREQ=DAILY;UNTIL=20001231T000000Z\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nRRULE:FREQ=WEEKLY;BYDAY=99MO,XX\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nRRULE:FREQ=NEVER\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nEXDATE:garbage\r\nRDATE:20261340T000000Z\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nSUMMARY:{'S' * r.choice([256, 10_000, 1_000_000])}\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nDESCRIPTION:{'D' * r.choice([70_000, 2_000_000])}\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nSUMMARY:\x00\x01\x02 control\x7f\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nSUMMARY:unfinished",
    lambda r: f"DTSTART:{WHEN}\r\nSUMMARY;X-P=\"unclosed:x\r\n",
    lambda r: f"DTSTART:{WHEN}\r\n broken continuation at start\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nRECURRENCE-ID:{stamp(at(16, '10:00', 'UTC'))}\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nBEGIN:VALARM\r\nTRIGGER:garbage\r\nEND:VALARM\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nBEGIN:VALARM\r\nEND:VEVENT\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nATTACH;ENCODING=BASE64;VALUE=BINARY:!!notbase64!!\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nGEO:north;south\r\nPRIORITY:high\r\nSEQUENCE:-1\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nSTATUS:EXPLODED\r\nCLASS:\r\nTRANSP:SIDEWAYS\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nX-BRIDGE-NUMBER:HQ-000001\r\nX-BRIDGE-ORIGIN:mobile\r\n",
    lambda r: f"DTSTART:{WHEN}\r\nORGANIZER:not a uri\r\nATTENDEE;PARTSTAT=??:\r\n",
    lambda r: "",
]

ICAL_WRAPPERS: list[Callable[[random.Random, str], str]] = [
    lambda r, uid: EVENT.format(before="", after="", uid=uid, props=r.choice(ICAL_PROPS)(r)),
    lambda r, uid: EVENT.format(before="", after="", uid=uid, props=r.choice(ICAL_PROPS)(r))
    .replace("END:VCALENDAR\r\n", ""),
    lambda r, uid: EVENT.format(before="", after="", uid="", props=f"DTSTART:{WHEN}\r\n"),
    lambda r, uid: EVENT.format(before="", uid=uid, props=f"DTSTART:{WHEN}\r\n",
                                after=EVENT.split("BEGIN:VEVENT")[1].format(
                                    uid=uid + "-other", props="", after="")
                                .replace("END:VCALENDAR\r\n", "").join(("BEGIN:VEVENT", ""))),
    lambda r, uid: EVENT.format(before="BEGIN:VTIMEZONE\r\nTZID:Broken\r\nEND:VTIMEZONE\r\n",
                                after="", uid=uid,
                                props=f"DTSTART;TZID=Broken:{WHEN_LOCAL}\r\n"),
    lambda r, uid: EVENT.format(before="BEGIN:VCALENDAR\r\n", after="END:VCALENDAR\r\n",
                                uid=uid, props=f"DTSTART:{WHEN}\r\n"),
    lambda r, uid: EVENT.format(before="", after="", uid=uid, props=f"DTSTART:{WHEN}\r\n")
    .replace("VEVENT", r.choice(["VTODO", "VJOURNAL", "VFREEBUSY", "VBOGUS", "VAVAILABILITY"])),
    lambda r, uid: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
    lambda r, uid: "",
    lambda r, uid: "not icalendar at all",
    lambda r, uid: bytes(r.randrange(256) for _ in range(r.choice([10, 500, 5000])))
    .decode("latin-1"),
    lambda r, uid: EVENT.format(before="", after="", uid=uid, props="SUMMARY:\u00e9t\u00e9\r\n"
                                f"DTSTART:{WHEN}\r\n").encode("utf-16").decode("latin-1"),
    lambda r, uid: (EVENT.format(before="", after="", uid=uid, props=f"DTSTART:{WHEN}\r\n")
                    .replace("BEGIN:VEVENT", "BEGIN:VEVENT\r\n" + "BEGIN:VALARM\r\n" * 500)),
]


def _systematic(name: str, shapes: int, targets: tuple[str, ...]) -> tuple[int, str] | None:
    """For the first shapes × targets probes of a class: every shape into every target."""
    number = int(name.rsplit("-", 1)[1])
    if number >= shapes * len(targets):
        return None
    return number % shapes, targets[number // shapes]


def icalendar(rng: random.Random, name: str) -> Probe:
    targets = CALENDARS + BOOKS[:1]
    every = _systematic(name, len(ICAL_PROPS), targets)
    if every is None:
        text = rng.choice(ICAL_WRAPPERS)(rng, f"{name}@hostile")
        target = rng.choice(targets)
    else:
        text = EVENT.format(before="", after="", uid=f"{name}@hostile",
                            props=ICAL_PROPS[every[0]](rng))
        target = every[1]
    headers = {"Content-Type": rng.choice(["text/calendar", "text/calendar; charset=utf-8",
                                           "text/plain", "application/octet-stream"])}
    if rng.random() < 0.3:
        headers["If-None-Match"] = "*"
    return Probe("icalendar", "PUT", f"{target}{name}.ics", text.encode("utf-8", "surrogatepass"),
                 headers, description=text[:120])


# --- vCard ----------------------------------------------------------------------------------

VCARD = "BEGIN:VCARD\r\nVERSION:{version}\r\nUID:{uid}\r\n{props}END:VCARD\r\n"

VCARD_PROPS: list[Callable[[random.Random], str]] = [
    lambda r: "",
    lambda r: "FN:Only a name\r\n",
    lambda r: "N:a;b;c;d;e;f;g;h;i;j\r\nFN:Too many parts\r\n",
    lambda r: f"FN:{'F' * r.choice([300, 100_000, 1_500_000])}\r\n",
    lambda r: "FN:Photo\r\nPHOTO;ENCODING=b;TYPE=JPEG:!!!not base64!!!\r\n",
    lambda r: "FN:Photo\r\nPHOTO:data:image/png;base64," + "A" * r.choice([100, 400_000]) + "\r\n",
    lambda r: "FN=No colon\r\n",
    lambda r: "FN;ENCODING=QUOTED-PRINTABLE:=ZZ=\r\n",
    lambda r: "FN:Birthday\r\nBDAY:not-a-date\r\n",
    lambda r: "FN:Birthday\r\nBDAY:99991231\r\nANNIVERSARY:00000000\r\n",
    lambda r: "FN:Odd\r\nTEL;TYPE=\"unclosed:123\r\nEMAIL:\x00\r\n",
    lambda r: "FN:Group\r\nitem1.X-ABLABEL:\r\nitem1.:\r\n",
    lambda r: "FN:Nested\r\nBEGIN:VCARD\r\nEND:VCARD\r\n",
    lambda r: "FN:Event inside\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\n",
]


def vcard(rng: random.Random, name: str) -> Probe:
    targets = (*BOOKS, WRITABLE[0], GENERAL_CALENDAR)
    every = _systematic(name, len(VCARD_PROPS), targets)
    shape = rng.random() if every is None else 1.0
    props = (rng.choice(VCARD_PROPS) if every is None else VCARD_PROPS[every[0]])(rng)
    version = rng.choice(["3.0", "4.0", "2.1", "99", ""]) if every is None else "3.0"
    text = VCARD.format(version=version, uid=f"{name}@hostile", props=props)
    if shape < 0.1:
        text = text.replace("END:VCARD\r\n", "")
    elif shape < 0.15:
        text = text.replace(f"UID:{name}@hostile\r\n", "")
    elif shape < 0.2:
        text = text + text.replace(name, name + "-twin")
    target = rng.choice(BOOKS + targets) if every is None else every[1]
    headers = {"Content-Type": rng.choice(["text/vcard", "text/vcard; charset=utf-8",
                                           "text/x-vcard", "text/calendar"])}
    return Probe("vcard", "PUT", f"{target}{name}.vcf", text.encode(), headers,
                 description=text[:120])


# --- XML bodies -----------------------------------------------------------------------------

BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
                            for i in range(1, 10))
                  + ']><D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&lol9;'
                    '</D:displayname></D:prop></D:propfind>')
EXTERNAL_ENTITY = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                   '<D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&xxe;</D:displayname>'
                   '</D:prop></D:propfind>')
PARAMETER_ENTITY = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM '
                    '"http://127.0.0.1:9/evil.dtd"> %p;]><D:propfind xmlns:D="DAV:"/>')
DTD_ONLY = '<?xml version="1.0"?><!DOCTYPE D:propfind SYSTEM "x.dtd"><D:propfind xmlns:D="DAV:"/>'


def _nested(depth: int, tag: str = "D:prop") -> str:
    return (f'<?xml version="1.0"?><D:propfind xmlns:D="DAV:">{f"<{tag}>" * depth}'
            f'{f"</{tag}>" * depth}</D:propfind>')


HOSTILE_XML: list[Callable[[random.Random], str]] = [
    lambda r: BILLION_LAUGHS,
    lambda r: EXTERNAL_ENTITY,
    lambda r: PARAMETER_ENTITY,
    lambda r: DTD_ONLY,
    lambda r: _nested(r.choice([65, 1000, 50_000])),
    lambda r: '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop>',
    lambda r: "<<<>>>",
    lambda r: "not xml",
    lambda r: '<?xml version="1.0" encoding="bogus-9"?><D:propfind xmlns:D="DAV:"/>',
    lambda r: '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"/>'.encode("utf-16")
    .decode("latin-1"),
    lambda r: '<D:propfind xmlns:D="DAV:"><D:prop><D:x a="' + "a" * 1_000_000 + '"/></D:prop>'
              "</D:propfind>",
    lambda r: '<D:propfind xmlns:D="DAV:">\x00</D:propfind>',
    lambda r: "<x:propfind xmlns:x='urn:bogus'/>",
    lambda r: '<D:propfind xmlns:D="DAV:"><D:allprop/><D:propname/><D:prop/></D:propfind>',
]

YEAR_AGO = stamp(at(-330, "00:00", "UTC"))
CENTURY_ON = stamp(at(-330 + 36_524, "00:00", "UTC"))
"""A century from YEAR_AGO."""

# The odd values the reports below choose from:
TIME_RANGE_STARTS = ["garbage", "", "99999999T999999Z", WHEN_DAY + "T000000Z"]
SYNC_TOKENS = ["", "garbage", "http://radicale.org/ns/sync/999999999_x", "99999999999999999999999",
               "http://radicale.org/ns/sync/" + "9" * 5000, "<&>"[:1]]
RESULT_LIMITS = ["-1", "abc", "0", "99999999999999999999"]

REPORTS: list[Callable[[random.Random], str]] = [
    lambda r: ('<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
               '<D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR">'
               f'<C:comp-filter name="VEVENT"><C:time-range start="{r.choice(TIME_RANGE_STARTS)}" '
               f'end="{r.choice(["19000101T000000Z", "also-garbage", ""])}"/></C:comp-filter>'
               "</C:comp-filter></C:filter></C:calendar-query>"),
    lambda r: ('<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
               f'<D:prop><C:calendar-data><C:expand start="{YEAR_AGO}" '
               f'end="{CENTURY_ON}"/></C:calendar-data></D:prop><C:filter>'
               '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range '
               f'start="{YEAR_AGO}" end="{CENTURY_ON}"/></C:comp-filter>'
               "</C:comp-filter></C:filter></C:calendar-query>"),
    lambda r: ('<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
               '<D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR">'
               '<C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY"><C:text-match '
               f'collation="{r.choice(["i;bogus", "i;octet", ""])}" negate-condition="maybe">'
               f'{"%_*" * r.choice([1, 10_000])}</C:text-match></C:prop-filter></C:comp-filter>'
               "</C:comp-filter></C:filter></C:calendar-query>"),
    lambda r: ('<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
               "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
               + "".join(f"<D:href>{href}</D:href>" for href in r.sample(
                   ["/cdavis/appointments/x.ics", "/../etc/passwd", "/", "", "%00",
                    "http://evil.example/x.ics", "/bwilson/mobile/", "/bwilson/appointments/"
                    + "h" * 5000 + ".ics", "/bwilson/appointments/%ZZ.ics",
                    "/bwilson/customers/customer-C-1001.vcf"], 4))
               + "</C:calendar-multiget>"),
    lambda r: ('<D:sync-collection xmlns:D="DAV:"><D:sync-token>'
               f'{r.choice(SYNC_TOKENS)}'
               "</D:sync-token><D:sync-level>"
               f'{r.choice(["1", "infinite", "-1"])}</D:sync-level><D:prop><D:getetag/>'
               "</D:prop></D:sync-collection>"),
    lambda r: ('<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1'
               f'</D:sync-level><D:limit><D:nresults>{r.choice(RESULT_LIMITS)}'
               "</D:nresults></D:limit><D:prop><D:getetag/></D:prop></D:sync-collection>"),
    lambda r: ('<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range '
               f'start="{r.choice(["00010101T000000Z", "garbage"])}" end="99991231T235959Z"/>'
               "</C:free-busy-query>"),
    lambda r: ('<CR:addressbook-query xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">'
               '<D:prop><D:getetag/></D:prop><CR:filter test="bogus"><CR:prop-filter name="FN">'
               '<CR:text-match match-type="nonsense">x</CR:text-match></CR:prop-filter>'
               "</CR:filter><CR:limit><CR:nresults>-5</CR:nresults></CR:limit>"
               "</CR:addressbook-query>"),
    lambda r: '<D:expand-property xmlns:D="DAV:"><D:property name="owner"/></D:expand-property>',
    lambda r: '<D:principal-search-property-set xmlns:D="DAV:"/>',
    lambda r: '<x:unknown-report xmlns:x="urn:bogus"/>',
]

PROPPATCHES: list[Callable[[random.Random], str]] = [
    lambda r: ('<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:resourcetype><D:collection/>'
               "</D:resourcetype></D:prop></D:set></D:propertyupdate>"),
    lambda r: ('<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>'
               f'{"N" * r.choice([10, 100_000])}</D:displayname></D:prop></D:set>'
               "</D:propertyupdate>"),
    lambda r: ('<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set>'
               "<D:prop><C:supported-calendar-component-set><C:comp name=\"VBOGUS\"/>"
               "</C:supported-calendar-component-set></D:prop></D:set></D:propertyupdate>"),
    lambda r: ('<D:propertyupdate xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set>'
               "<D:prop><C:min-date-time>19000101T000000Z</C:min-date-time></D:prop></D:set>"
               "</D:propertyupdate>"),
    lambda r: ('<D:propertyupdate xmlns:D="DAV:"><D:remove><D:prop><D:getetag/><D:sync-token/>'
               "</D:prop></D:remove></D:propertyupdate>"),
    lambda r: ('<D:propertyupdate xmlns:D="DAV:" xmlns:I="http://apple.com/ns/ical/"><D:set>'
               f'<D:prop><I:calendar-color>{r.choice(["#zzzzzz", "", "#" + "f" * 3000])}'
               "</I:calendar-color></D:prop></D:set></D:propertyupdate>"),
    lambda r: ('<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>'
               + "".join(f'<x{i}:p xmlns:x{i}="urn:n{i}">v</x{i}:p>' for i in range(
                   r.choice([10, 3000])))
               + "</D:prop></D:set></D:propertyupdate>"),
]

ODD_RESOURCE_TYPES = ["<CR:addressbook/>", '<x:odd xmlns:x="urn:x"/>', ""]

MAKERS: list[Callable[[random.Random], str]] = [
    lambda r: ('<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set>'
               "<D:prop><C:supported-calendar-component-set>"
               f'<C:comp name="{r.choice(["VEVENT", "VBOGUS", ""])}"/>'
               "</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>"),
    lambda r: ('<D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set><D:prop>'
               f"<D:resourcetype><D:collection/>{r.choice(ODD_RESOURCE_TYPES)}"
               "</D:resourcetype></D:prop></D:set></D:mkcol>"),
    lambda r: ('<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>'
               "<D:resourcetype><D:collection/><C:calendar/><CR:addressbook "
               'xmlns:CR="urn:ietf:params:xml:ns:carddav"/></D:resourcetype></D:prop></D:set>'
               "</D:mkcol>"),
    lambda r: ('<D:mkcol xmlns:D="DAV:"><D:set><D:prop><D:displayname>'
               f'{"M" * r.choice([5, 200_000])}</D:displayname></D:prop></D:set></D:mkcol>'),
]

XML_METHODS = {
    "PROPFIND": [lambda r: _nested(r.choice([3, 8])),
                 lambda r: '<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>'],
    "REPORT": REPORTS,
    "PROPPATCH": PROPPATCHES,
    "MKCALENDAR": MAKERS,
    "MKCOL": MAKERS,
}


def xml_body(rng: random.Random, name: str) -> Probe:
    method = rng.choice(list(XML_METHODS))
    forms = HOSTILE_XML + XML_METHODS[method] * 3
    text = rng.choice(forms)(rng)
    if method in ("MKCALENDAR", "MKCOL"):
        path = rng.choice([f"/bwilson/hostile-{name}/", *EVERY_COLLECTION,
                           f"/cdavis/hostile-{name}/", f"/bwilson/mobile/hostile-{name}/"])
    else:
        path = rng.choice(EVERY_COLLECTION)
    headers = {"Content-Type": rng.choice(["application/xml; charset=utf-8", "text/xml"]),
               "Depth": rng.choice(["0", "1"])}
    return Probe("xml", method, path, text.encode("utf-8", "surrogatepass"), headers,
                 description=text[:120])


# --- paths ----------------------------------------------------------------------------------

ODD_PATHS = [
    "/..", "/../../etc/passwd", "/bwilson/../cdavis/appointments/", "/bwilson/%2e%2e/cdavis/",
    "/%00", "/bwilson/appointments/%00.ics", "//", "///bwilson///appointments///",
    "/bwilson/appointments/%ff%fe.ics", "/bwilson/appointments/%E2%82.ics", "/%", "/%%%",
    "/bwilson/appointments/a%2Fb.ics", "/bwilson\\appointments\\x.ics",
    "/bwilson/appointments/" + "x" * 300 + ".ics", "/bwilson/" + "c" * 70_000 + "/",
    "/" + "/".join(["d"] * 500) + "/", "/bwilson/appointments/%25_%25.ics",
    "/bwilson/appointments/%_.ics", "/bwilson/a*b?c/", "/bwilson/appointments/😀.ics",
    "/.well-known/caldav", "/.well-known/carddav/../..", "/.well-known/../bwilson/",
    "/bwilson/appointments/.ics", "/bwilson/appointments/.", "/bwilson/appointments/..ics",
    "/bwilson/mobile/mobile-M-1.ics", "/bwilson/customers/customer-C-1001.vcf",
    "/cdavis/mobile/", "/cdavis/", "/eclerk/", "/nobody/", "/bwilson/customers/sub/",
    "/bwilson/appointments/sub/deeper/x.ics", "/bwilson/mobile/new/", "/",
    "/bwilson/", "/bwilson/appointments", "/bwilson/hostile-calendar/../../cdavis/x.ics",
    "/bwilson/%20/", "/bwilson/%09tab/", "/bwilson/appointments/%0d%0aX-Injected:1.ics",
]
PATH_METHODS = ["GET", "HEAD", "PUT", "DELETE", "PROPFIND", "PROPPATCH", "REPORT", "MKCOL",
                "MKCALENDAR", "MOVE", "OPTIONS", "POST", "COPY", "LOCK", "BREW"]


def odd_path(rng: random.Random, name: str) -> Probe:
    method = rng.choice(PATH_METHODS)
    path = rng.choice(ODD_PATHS)
    headers: dict[str, str] = {}
    body = b""
    if method == "PUT":
        body = EVENT.format(before="", after="", uid=f"{name}@hostile",
                            props=f"DTSTART:{WHEN}\r\n").encode()
        headers["Content-Type"] = "text/calendar"
    elif method == "MOVE":
        headers["Destination"] = rng.choice(ODD_PATHS)
    elif method in ("PROPFIND", "REPORT"):
        headers["Depth"] = "1"
    return Probe("path", method, path, body, headers, description=path[:120])


# --- headers --------------------------------------------------------------------------------

def _basic(text: bytes) -> str:
    return "Basic " + base64.b64encode(text).decode()


AUTHORIZATIONS = [
    lambda: "Basic " + base64.b64encode(b"no-colon").decode(),
    lambda: "Basic !!!not-base64!!!", lambda: "Basic", lambda: "Basic ", lambda: "Bearer x",
    lambda: _basic(b"\xff\xfe:\xff"), lambda: _basic(b":"), lambda: _basic(b"bwilson:"),
    lambda: _basic(b"bwilson:wrong"), lambda: _basic(b"x" * 10_000 + b":y"),
    lambda: "Basic " + "\u00e9\u00e9", lambda: _basic(b"bw\x00ilson:pw"),
    lambda: _basic("bwilson\u00e9:pw".encode()), lambda: "Digest username=\"bwilson\"",
    lambda: _basic(b"../cdavis:pw"), lambda: _basic(b"%62wilson:pw"),
]


def odd_header(rng: random.Random, name: str) -> Probe:
    method = rng.choice(["GET", "PUT", "DELETE", "PROPFIND", "REPORT", "MOVE", "PROPPATCH"])
    collection = rng.choice(EVERY_COLLECTION)
    path = collection if method in ("PROPFIND", "REPORT", "PROPPATCH") else (
        rng.choice([f"{collection}{name}.ics", "/bwilson/mobile/mobile-M-1.ics",
                    "/bwilson/customers/customer-C-1001.vcf", collection]))
    body = b""
    headers: dict[str, str] = {}
    if method == "PUT":
        body = EVENT.format(before="", after="", uid=f"{name}@hostile",
                            props=f"DTSTART:{WHEN}\r\n").encode()
        headers["Content-Type"] = "text/calendar"
    elif method in ("PROPFIND", "REPORT", "PROPPATCH"):
        body = rng.choice(XML_METHODS[method])(rng).encode()
    login: str | None = LOGIN
    odd = rng.choice(["authorization", "depth", "if-match", "if-none-match", "destination",
                      "content-length", "content-type", "overwrite", "encoding", "many"])
    if odd == "authorization":
        login = None
        headers["Authorization"] = rng.choice(AUTHORIZATIONS)()
    elif odd == "depth":
        headers["Depth"] = rng.choice(["infinity", "2", "-1", "one", "", "0,1", "1" * 500])
    elif odd == "if-match":
        headers["If-Match"] = rng.choice(['"', "*", '"x", "y"', "W/\"weak\"", "a" * 10_000, ","])
    elif odd == "if-none-match":
        headers["If-None-Match"] = rng.choice(["*", '"', "garbage", '"*"'])
    elif odd == "destination":
        method, body = "MOVE", b""
        headers["Destination"] = rng.choice([
            "", "garbage", "http://", "http://evil.example/bwilson/appointments/x.ics",
            "/cdavis/appointments/moved.ics", "/bwilson/appointments/moved.ics",
            "http://[::1/bad", "/bwilson/mobile/moved.ics", "/bwilson/customers/x.vcf", "/",
            "/bwilson/", "%%%", "/bwilson/appointments/" + "m" * 5000 + ".ics"])
        headers["Overwrite"] = rng.choice(["T", "F", "X"])
    elif odd == "content-length":
        headers["Content-Length"] = rng.choice(["abc", "-1", "1e3", " ", "0x10", "+5"])
    elif odd == "content-type":
        headers["Content-Type"] = rng.choice([
            "text/calendar; charset=bogus", "text/calendar; charset=", "; charset=utf-16",
            "text/calendar; charset=utf-32", "x" * 5000, "text/calendar; charset=\"utf-8\""])
    elif odd == "overwrite":
        headers["Overwrite"] = rng.choice(["maybe", "", "T" * 100])
    elif odd == "encoding":
        headers["Content-Encoding"] = rng.choice(["gzip", "deflate", "br", "bogus"])
    else:
        headers.update({f"X-Junk-{i}": "j" * rng.choice([10, 4000]) for i in range(20)})
        headers["Accept"] = "*/*;q=bogus"
        headers["User-Agent"] = "\u00ff" * 50
    return Probe("header", method, path, body, headers, login, description=f"{odd}: {headers}")


CLASSES: dict[str, Callable[[random.Random, str], Probe]] = {
    "icalendar": icalendar, "vcard": vcard, "xml": xml_body, "path": odd_path,
    "header": odd_header,
}


def each(probes_: list[Probe]) -> Iterator[tuple[str, list[Probe]]]:
    """The probes grouped by class, in class order."""
    for kind in CLASSES:
        yield kind, [probe for probe in probes_ if probe.kind == kind]


# --- The costliest requests -------------------------------------------------------------------

CENTURIES_ON = stamp(at(52_596, "00:00", "UTC"))
"""144 years from today (from 2026: 2170), the end of CENTURY_EXPAND from the epoch."""
CENTURY_EXPAND = (
    '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>'
    f'<D:getetag/><C:calendar-data><C:expand start="19700101T000000Z" end="{CENTURIES_ON}"/>'
    '</C:calendar-data></D:prop><C:filter><C:comp-filter name="VCALENDAR">'
    '<C:comp-filter name="VEVENT"><C:time-range start="19700101T000000Z" '
    f'end="{CENTURIES_ON}"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>')
TEXT_SEARCH = (
    '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>'
    '<D:getetag/><C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR">'
    '<C:comp-filter name="VEVENT">' + "".join(
        f'<C:prop-filter name="{name}"><C:text-match negate-condition="yes">zz{n}'
        '</C:text-match></C:prop-filter>' for n, name in enumerate(
            ["SUMMARY", "DESCRIPTION", "LOCATION", "UID"] * 25)) +
    '</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>')
ALLPROP = '<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>'


def costly(login: str = LOGIN) -> list[Probe]:
    """The requests that cost a calendar server most, one of each, as ``login`` (whose
    general calendar ``hostile-calendar/`` exists): items at and over the size limits
    (megabytes of text, thousands of alarms, a thousand recurrence rules), a century
    expanded, a search with a hundred text filters over every item, every property of every
    item, XML nested as deep as it is let through, a body near the size limit."""
    home = f"/{login}/"
    general = f"{home}hostile-calendar/"
    alarm = "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n"
    start = f"DTSTART:{WHEN}\r\nDTEND:{stamp(at(15, '11:00', 'UTC'))}\r\n"
    items = {
        "attachment": start + "ATTACH;ENCODING=BASE64;VALUE=BINARY:" + "QUFB" * 2_000_000 + "\r\n",
        "description": start + "DESCRIPTION:" + "d" * 5_000_000 + "\r\n",
        "alarms": start + alarm * 10_000,
        "rules": start + "".join(f"RRULE:FREQ=DAILY;INTERVAL={n}\r\n" for n in range(1, 1001)),
        "under-limits": start + alarm * 400 + "DESCRIPTION:" + "d" * 900_000 + "\r\n",
    }
    made = [Probe("costly", "PUT", f"{general}costly-{name}.ics",
                  EVENT.format(before="", after="", uid=f"costly-{name}", props=props).encode(),
                  {"Content-Type": "text/calendar"}, login, f"an item: {name}")
            for name, props in items.items()]
    for path in [f"{home}{name}/" for name in ("appointments", "tasks", "mobile")] + [general]:
        made += [Probe("costly", "REPORT", path, CENTURY_EXPAND.encode(), {"Depth": "1"},
                       login, "a century expanded"),
                 Probe("costly", "REPORT", path, TEXT_SEARCH.encode(), {"Depth": "1"},
                       login, "a hundred text filters"),
                 Probe("costly", "PROPFIND", path, ALLPROP.encode(), {"Depth": "1"},
                       login, "every property of every item")]
    made.append(Probe("costly", "PROPFIND", home, _nested(60).encode(), {"Depth": "1"},
                      login, "XML nested 60 deep"))
    made.append(Probe("costly", "REPORT", f"{home}appointments/", b"<" * 9_000_000,
                      {"Depth": "1"}, login, "a body of 9 MB"))
    return made


# --- Issue 29: what must never stall the server for the other representatives ----------------

ISSUE_29 = "issue 29"
"""Recurrences the server walks without bound today (INTERVAL<=0, COUNT<=0, rules that never
produce an occurrence): being fixed; the tests that send them expect a failure for now."""
FREQS = ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
INTERVALS = ("0", "-1", "1", "1000000000")
COUNTS = (None, "0", "-5", "1", "1000000000")
BEFORE = stamp(at(-400, "10:00", "UTC"))
"""An UNTIL more than a year before the probes' DTSTART (WHEN)."""
UNTILS = (None, BEFORE, "99991231T235959Z")
IMPOSSIBLE_BY = (
    "BYMONTH=2;BYMONTHDAY=30", "BYMONTH=2;BYMONTHDAY=31", "BYMONTH=4,6,9,11;BYMONTHDAY=31",
    "BYMONTH=2;BYMONTHDAY=-30", "BYYEARDAY=366;BYMONTH=1", "BYYEARDAY=-366;BYMONTH=12",
    "BYWEEKNO=53;BYMONTH=6", "BYMONTHDAY=31;BYYEARDAY=1",
)
"""BYxxx combinations no date meets: such a rule never produces an occurrence."""
OUT_OF_RANGE_BY = (
    "BYSETPOS=367;BYDAY=MO", "BYSETPOS=-367;BYDAY=MO", "BYSETPOS=0;BYDAY=MO", "BYMONTH=13",
    "BYMONTH=0", "BYMONTHDAY=0", "BYMONTHDAY=32", "BYYEARDAY=367", "BYYEARDAY=0",
    "BYWEEKNO=54", "BYWEEKNO=0", "BYHOUR=24", "BYMINUTE=60", "BYSECOND=61", "BYDAY=99MO",
    "BYDAY=0MO", "BYDAY=XX", "WKST=XX", "BYMONTHDAY=" + ",".join(["1"] * 5000),
)
RARE_BY = (
    "BYMONTH=2;BYMONTHDAY=29", "BYYEARDAY=366", "BYYEARDAY=-366", "BYWEEKNO=53",
    "BYDAY=53MO", "BYSETPOS=366;BYDAY=MO,TU,WE,TH,FR,SA,SU", "BYSETPOS=-366;BYDAY=SU",
    "BYMONTHDAY=31", "BYMONTHDAY=-31", "BYDAY=5FR", "BYWEEKNO=-53;BYDAY=SU",
    "BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", "BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR;BYMONTH=12",
)
"""BYxxx combinations met rarely: a leap day, a 53rd week, a 366th day, the fifth Friday."""


def _rule(freq: str, interval: str | None = None, count: str | None = None,
          until: str | None = None, by: str | None = None) -> str:
    return ";".join([f"FREQ={freq}"] + [f"{name}={value}" for name, value in (
        ("INTERVAL", interval), ("COUNT", count), ("UNTIL", until)) if value is not None]
                    + ([by] if by else []))


def _stalls(interval: str | None = None, count: str | None = None, until: str | None = None,
            by: str | None = None) -> str:
    """ISSUE_29 for a rule the server may walk without bound today, else ""."""
    never = until == BEFORE or by in IMPOSSIBLE_BY
    return ISSUE_29 if (interval is not None and int(interval) <= 0) or (
        count is not None and int(count) <= 0) or never else ""


RULES: list[tuple[str, str]] = [
    *((_rule(freq, interval, count, until), _stalls(interval, count, until))
      for freq, interval, count, until in itertools.product(FREQS, INTERVALS, COUNTS, UNTILS)),
    *((_rule(freq, by=by), _stalls(by=by))
      for freq, by in itertools.product(FREQS, IMPOSSIBLE_BY + OUT_OF_RANGE_BY + RARE_BY)),
]
"""Every FREQ × INTERVAL × COUNT × UNTIL, then every FREQ × each BYxxx combination: the
rule and whether it meets issue 29."""

RULE_PLACES: list[Callable[[str], str]] = [
    lambda rule: f"DTSTART:{WHEN}\r\nDURATION:PT1H\r\nRRULE:{rule}\r\n",
    lambda rule: f"DTSTART;TZID=Europe/Warsaw:{WHEN_LOCAL}\r\nDURATION:PT1H\r\nRRULE:{rule}\r\n",
    lambda rule: f"DTSTART;VALUE=DATE:{WHEN_DAY}\r\nRRULE:{rule}\r\n",
    lambda rule: f"DTSTART:{WHEN}\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY\r\nEXRULE:{rule}\r\n",
    lambda rule: f"DTSTART:{WHEN}\r\nDURATION:PT1H\r\nRRULE:{rule}\r\nRDATE:{WHEN_DAY}T120000Z\r\n",
]


def recurrence(rng: random.Random, name: str) -> Probe:
    """A rule of RULES (each in turn, then at random) in an event (or a task), its DTSTART
    a UTC time, a time in a zone or a date; some as an EXRULE."""
    number = int(name.rsplit("-", 1)[1])
    rule, issue = RULES[number % len(RULES)] if number < len(RULES) else rng.choice(RULES)
    place = RULE_PLACES[0] if number < len(RULES) else rng.choice(RULE_PLACES)
    target = (GENERAL_CALENDAR, WRITABLE[0])[number % 2]
    text = EVENT.format(before="", after="", uid=f"{name}@hostile", props=place(rule))
    if rng.random() < 0.1:
        text = text.replace("VEVENT", "VTODO").replace("DURATION:PT1H\r\n", "")
        target = WRITABLE[1]
    return Probe("recurrence", "PUT", f"{target}{name}.ics", text.encode(),
                 {"Content-Type": "text/calendar"}, description=f"RRULE {rule[:200]}",
                 issue=issue)


@functools.cache
def _instants(count: int, step: int = 86_400, start: int = 0) -> tuple[str, ...]:
    """``count`` UTC DATE-TIMEs ``step`` seconds apart from ``start`` seconds after WHEN
    (kept: the probes of one size share them, and a run draws each probe twice)."""
    first = at(15, "10:00", "UTC")
    return tuple(stamp(first + timedelta(seconds=start + n * step)) for n in range(count))


def _joined(count: int, step: int = 86_400, start: int = 0, cut: int = 16,
            suffix: str = "") -> str:
    return ",".join(when[:cut] + suffix for when in _instants(count, step, start))


DATE_LISTS: list[tuple[tuple[int, ...], Callable[[int], str], str]] = [
    ((100, 5000, 50_000), lambda n: f"RDATE:{_joined(n)}\r\n", "{} daily RDATEs on one line"),
    ((100, 30_000), lambda n: "".join(f"RDATE:{when}\r\n" for when in _instants(n)),
     "{} RDATE lines"),
    ((2000, 50_000), lambda n: f"RDATE:{','.join([WHEN] * n)}\r\n", "{} times the same RDATE"),
    ((1500, 40_000), lambda n: f"RDATE:{_joined(n, step=600)}\r\n",
     "{} RDATEs ten minutes apart"),
    ((3000, 80_000), lambda n: f"RDATE;VALUE=DATE:{_joined(n, step=7 * 86_400, cut=8)}\r\n",
     "{} weekly RDATE dates"),
    ((1000, 40_000), lambda n: f"RDATE;VALUE=PERIOD:{_joined(n, suffix='/PT1H')}\r\n",
     "{} RDATE periods"),
    ((1000, 50_000), lambda n: f"RDATE;TZID=Europe/Warsaw:{_joined(n, cut=15)}\r\n",
     "{} RDATEs in a zone"),
    ((62_000,), lambda n: f"RDATE:{_joined(n)}\r\n", "{} RDATEs: over 1 MiB"),
    ((5000,), lambda n: f"RDATE:{_joined(n // 2)},garbage,{_joined(n // 2, start=3600)}\r\n",
     "{} RDATEs, one of them garbage"),
    ((500, 50_000), lambda n: f"RRULE:FREQ=DAILY;COUNT=500\r\nEXDATE:{_joined(n)}\r\n",
     "500 daily occurrences, {} EXDATEs (every occurrence excluded)"),
    ((1000, 50_000), lambda n: f"RRULE:FREQ=DAILY\r\nEXDATE:{_joined(n, start=3600)}\r\n",
     "a daily rule, {} EXDATEs that miss every occurrence"),
    ((100, 30_000), lambda n: "RRULE:FREQ=WEEKLY;COUNT=100\r\n" + "".join(
        f"EXDATE:{when}\r\n" for when in _instants(n)), "a weekly rule, {} EXDATE lines"),
    ((20_000,), lambda n: f"RRULE:FREQ=DAILY;COUNT=50\r\nRDATE:{_joined(n, start=1800)}\r\n"
     f"EXDATE:{_joined(n, start=1800)}\r\n", "{} RDATEs, each excluded again"),
]
"""Sizes, the properties of an event of that size, and what it is."""


def date_list(rng: random.Random, name: str) -> Probe:
    number = int(name.rsplit("-", 1)[1])
    sizes, build, what = (DATE_LISTS[number % len(DATE_LISTS)] if number < 3 * len(DATE_LISTS)
                          else rng.choice(DATE_LISTS))
    size = sizes[(number // len(DATE_LISTS)) % len(sizes)] if number < 3 * len(DATE_LISTS) \
        else rng.choice(sizes)
    props = build(size)
    what = what.format(size)
    text = EVENT.format(before="", after="", uid=f"{name}@hostile",
                        props=f"DTSTART:{WHEN}\r\nDURATION:PT1H\r\n{props}")
    target = rng.choice([GENERAL_CALENDAR, GENERAL_CALENDAR, WRITABLE[0]])
    return Probe("dates", "PUT", f"{target}{name}.ics", text.encode(),
                 {"Content-Type": "text/calendar"}, description=what)


def _zone(tzid: str, parts: str) -> str:
    return f"BEGIN:VTIMEZONE\r\nTZID:{tzid}\r\n{parts}END:VTIMEZONE\r\n"


def _observance(kind: str = "STANDARD", start: str = "19701025T030000", rule: str | None =
                "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", offset_from: str = "+0200",
                offset_to: str = "+0100", extra: str = "") -> str:
    return (f"BEGIN:{kind}\r\nDTSTART:{start}\r\nTZOFFSETFROM:{offset_from}\r\n"
            f"TZOFFSETTO:{offset_to}\r\n" + (f"RRULE:{rule}\r\n" if rule else "") + extra
            + f"END:{kind}\r\n")


SANE_ZONE = (_observance() + _observance("DAYLIGHT", "19700329T020000",
                                         "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "+0100", "+0200"))

ZONES: list[Callable[[random.Random], tuple[str, str, str]]] = [
    lambda r: (SANE_ZONE, "", "a sane zone (Warsaw's rules)"),
    lambda r: (_observance(rule="FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20071028T010000Z")
               + _observance("DAYLIGHT", "19700329T020000", "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
                             "+0100", "+0200"), "", "a sane zone with an UNTIL"),
    lambda r: (_observance(rule=f"FREQ={r.choice(['SECONDLY', 'MINUTELY', 'HOURLY'])}")
               + _observance("DAYLIGHT", "19700329T020000", "FREQ=DAILY", "+0100", "+0200"),
               "", "transitions every second/minute/hour and every day"),
    lambda r: (_observance(rule=f"FREQ=YEARLY;INTERVAL={r.choice(['0', '-1'])}") + _observance(
        "DAYLIGHT", "19700329T020000", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "+0100", "+0200"),
               ISSUE_29, "a transition rule with INTERVAL<=0"),
    lambda r: (_observance(rule="FREQ=YEARLY;COUNT=0") + _observance(
        "DAYLIGHT", "19700329T020000", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "+0100", "+0200"),
               ISSUE_29, "a transition rule with COUNT=0"),
    lambda r: (_observance(rule=f"FREQ=YEARLY;{r.choice(IMPOSSIBLE_BY)}") + _observance(
        "DAYLIGHT", "19700329T020000", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "+0100", "+0200"),
               ISSUE_29, "a transition rule that never occurs"),
    lambda r: (_observance(start="00010101T000000", rule="FREQ=YEARLY") + _observance(
        "DAYLIGHT", "00010601T000000", "FREQ=YEARLY", "+0100", "+0200"), "",
               "yearly transitions from the year 1"),
    lambda r: (_observance(start="99991231T000000", rule="FREQ=YEARLY"), "",
               "a transition in the year 9999"),
    lambda r: (_observance(rule="FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;COUNT=1000000000")
               + _observance("DAYLIGHT", "19700329T020000",
                             "FREQ=MONTHLY;BYDAY=1SU;UNTIL=99991231T000000Z", "+0100", "+0200"),
               "", "transitions counted to a billion and until 9999"),
    lambda r: (_observance(offset_to=r.choice(["+9999", "garbage", "-2400", "+0000000"])), "",
               "offsets out of range"),
    lambda r: (_observance(rule=None) * 600, "", "600 observances (over the 500 components)"),
    lambda r: (_observance(rule=None,
                           extra=f"RDATE:{_joined(r.choice([500, 40_000]), 3600, cut=15)}\r\n"),
               "", "an observance with a huge RDATE list"),
    lambda r: (_observance(rule=r.choice(["FREQ=NEVER", "FREQ=YEARLY;BYDAY=99MO", ""])), "",
               "a broken transition rule"),
    lambda r: ("", "", "a zone without observances"),
    lambda r: (SANE_ZONE + _observance(rule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"), "",
               "a sane zone and weekday transitions beside"),
]


def timezone_probe(rng: random.Random, name: str) -> Probe:
    number = int(name.rsplit("-", 1)[1])
    shape = ZONES[number % len(ZONES)] if number < 3 * len(ZONES) else rng.choice(ZONES)
    parts, issue, what = shape(rng)
    tzid = f"Hostile/Zone-{name}"
    zone = _zone(tzid, parts)
    if rng.random() < 0.2:
        zone += _zone(tzid, _observance(offset_to="+0500"))  # the same TZID twice
    event_rule = rng.choice(["", "RRULE:FREQ=WEEKLY;COUNT=20\r\n", "RRULE:FREQ=DAILY\r\n"])
    text = EVENT.format(before=zone, after="", uid=f"{name}@hostile", props=(
        f"DTSTART;TZID={tzid}:{WHEN_LOCAL}\r\nDTEND;TZID={tzid}:{local_stamp(15, '11:00')}\r\n"
        + event_rule))
    target = rng.choice([GENERAL_CALENDAR, GENERAL_CALENDAR, WRITABLE[0]])
    return Probe("timezone", "PUT", f"{target}{name}.ics", text.encode(),
                 {"Content-Type": "text/calendar"}, description=what, issue=issue)


CALDAV_NS = 'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"'


def _query(inner: str) -> str:
    return (f'<?xml version="1.0"?><C:calendar-query {CALDAV_NS}><D:prop><D:getetag/></D:prop>'
            f'<C:filter><C:comp-filter name="VCALENDAR">{inner}</C:comp-filter></C:filter>'
            "</C:calendar-query>")


def _wrapped(opening: str, closing: str, depth: int) -> str:
    return opening * depth + closing * depth


DEEP_XML: list[Callable[[random.Random], tuple[str, str]]] = [
    lambda r: ("PROPFIND", _nested(r.choice([62, 63, 64, 65, 200, 5000, 100_000]))),
    lambda r: ("REPORT", _query(_wrapped('<C:comp-filter name="VEVENT">', "</C:comp-filter>",
                                         r.choice([20, 61, 70, 3000])))),
    lambda r: ("REPORT", _query('<C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY">'
                                + _wrapped('<C:param-filter name="X">', "</C:param-filter>",
                                           r.choice([10, 60, 500]))
                                + "</C:prop-filter></C:comp-filter>")),
    lambda r: ("PROPFIND", '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop>'
               + "".join(f"<D:p{i}/>" for i in range(r.choice([1000, 20_000, 100_000])))
               + "</D:prop></D:propfind>"),
    lambda r: ("PROPFIND", '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop>'
               + "".join(f'<x{i}:p xmlns:x{i}="urn:n{i}"/>'
                         for i in range(r.choice([1000, 30_000])))
               + "</D:prop></D:propfind>"),
    lambda r: ("PROPFIND", '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop>'
               + "<D:getetag/>" * r.choice([1000, 100_000]) + "</D:prop></D:propfind>"),
    lambda r: ("REPORT", f'<?xml version="1.0"?><C:calendar-multiget {CALDAV_NS}><D:prop>'
               "<D:getetag/><C:calendar-data/></D:prop>" + "".join(
                   f"<D:href>/bwilson/appointments/none-{i}.ics</D:href>"
                   for i in range(r.choice([1000, 20_000, 60_000]))) + "</C:calendar-multiget>"),
    lambda r: ("REPORT", f'<?xml version="1.0"?><C:calendar-multiget {CALDAV_NS}><D:prop>'
               "<D:getetag/><C:calendar-data/></D:prop>"
               + "<D:href>/bwilson/mobile/mobile-M-1.ics</D:href>" * r.choice([1000, 30_000])
               + "</C:calendar-multiget>"),
    lambda r: ("REPORT", _query('<C:comp-filter name="VEVENT">' + "".join(
        f'<C:prop-filter name="SUMMARY"><C:text-match>{i}</C:text-match></C:prop-filter>'
        for i in range(r.choice([1000, 10_000]))) + "</C:comp-filter>")),
    lambda r: ("REPORT", _query("".join('<C:comp-filter name="VEVENT"><C:time-range start='
                                        f'"{YEAR_AGO}" end="{CENTURY_ON}"/></C:comp-filter>'
                                        for _ in range(r.choice([100, 5000]))))),
    lambda r: ("PROPFIND", '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag '
               + " ".join(f'a{i}="v"' for i in range(r.choice([1000, 50_000])))
               + "/></D:prop></D:propfind>"),
    lambda r: ("PROPFIND", '<?xml version="1.0"?><D:propfind xmlns:D="DAV:" '
               + " ".join(f'xmlns:n{i}="urn:{i}"' for i in range(r.choice([1000, 50_000])))
               + "><D:prop><D:getetag/></D:prop></D:propfind>"),
    lambda r: ("REPORT", _query(f'<C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY">'
                                f'<C:text-match>{"t" * r.choice([100_000, 5_000_000])}'
                                "</C:text-match></C:prop-filter></C:comp-filter>")),
    lambda r: ("PROPFIND", '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop>'
               + "".join(_nested(30)[len('<?xml version="1.0"?><D:propfind xmlns:D="DAV:">'):-len(
                   "</D:propfind>")] for _ in range(r.choice([10, 3000])))
               + "</D:prop></D:propfind>"),
]


def deep_xml(rng: random.Random, name: str) -> Probe:
    number = int(name.rsplit("-", 1)[1])
    shape = DEEP_XML[number % len(DEEP_XML)] if number < 3 * len(DEEP_XML) else (
        rng.choice(DEEP_XML))
    method, text = shape(rng)
    path = rng.choice([*CALENDARS, "/bwilson/", "/bwilson/customers/"])
    return Probe("deep-xml", method, path, text.encode(), {
        "Content-Type": "application/xml; charset=utf-8", "Depth": rng.choice(["0", "1"])},
                 description=f"{method} {text[:100]} … ({len(text)} characters)")


ITEM_LIMIT = 1024 * 1024
"""The server's item size limit ([server] max_resource_size of `bridge serve`)."""
REQUEST_LIMIT = 10 * 1024 * 1024
"""The server's request body limit ([server] max_content_length of `bridge serve`)."""


def _padded(name: str, size: int) -> bytes:
    """An event of exactly ``size`` bytes (a DESCRIPTION padded, folded lines)."""
    head = EVENT.format(before="", after="", uid=f"{name}@hostile",
                        props=f"DTSTART:{WHEN}\r\nDURATION:PT1H\r\nDESCRIPTION:{{}}\r\n")
    room = size - len(head.replace("{}", "").encode())
    lines = ["d" * 72] * (room // 75)
    rest = room - 75 * len(lines)
    folded = "\r\n ".join(lines) + ("\r\n " + "d" * (rest - 3) if rest >= 4 else "x" * rest)
    text = head.replace("{}", folded).encode()
    return text


BIG_BODIES: list[Callable[[str], tuple[str, str, bytes, str, int]]] = [
    lambda name: ("PUT", f"{GENERAL_CALENDAR}{name}.ics", _padded(name, ITEM_LIMIT - 200),
                  "an event just under the item limit", 0),
    lambda name: ("PUT", f"{GENERAL_CALENDAR}{name}.ics", _padded(name, ITEM_LIMIT + 200),
                  "an event just over the item limit", 0),
    lambda name: ("PUT", f"{WRITABLE[0]}{name}.ics", _padded(name, REQUEST_LIMIT - 1000),
                  "an event just under the request limit", 0),
    lambda name: ("PUT", f"{GENERAL_CALENDAR}{name}.ics", _padded(name, REQUEST_LIMIT + 1000),
                  "an event over the request limit", 0),
    lambda name: ("REPORT", "/bwilson/appointments/", (
        f'<?xml version="1.0"?><C:calendar-query {CALDAV_NS}>' + " " * (REQUEST_LIMIT - 2000)
        + "<D:prop><D:getetag/></D:prop></C:calendar-query>").encode(),
                  "a query padded to just under the request limit", 0),
    lambda name: ("PROPFIND", "/bwilson/", b"x" * (REQUEST_LIMIT + 1),
                  "garbage one byte over the request limit", 0),
    lambda name: ("PUT", f"{GENERAL_CALENDAR}{name}.ics", _padded(name, 2000),
                  "an event 1 000 bytes shorter than its Content-Length", 1000),
    lambda name: ("PROPFIND", "/bwilson/appointments/", ALLPROP.encode(),
                  "a PROPFIND body shorter than its Content-Length", 10),
    lambda name: ("PUT", f"{GENERAL_CALENDAR}{name}.ics", _padded(name, 500),
                  "Content-Length of a terabyte, 500 bytes sent", 10**12),
    lambda name: ("PUT", f"{GENERAL_BOOK}{name}.vcf", VCARD.format(
        version="3.0", uid=f"{name}@hostile", props="FN:Big\r\nNOTE:" + "n" * (ITEM_LIMIT - 300)
        + "\r\n").encode(), "a vCard just under the item limit", 0),
]


def big_body(rng: random.Random, name: str) -> Probe:
    number = int(name.rsplit("-", 1)[1])
    shape = BIG_BODIES[number % len(BIG_BODIES)]
    method, path, body, what, short_by = shape(name)
    content_type = "text/vcard" if path.endswith(".vcf") else (
        "text/calendar" if method == "PUT" else "application/xml")
    headers = {"Content-Type": content_type}
    if method != "PUT":
        headers["Depth"] = "1"
    return Probe("big-body", method, path, body, headers, description=what, short_by=short_by)


SLOW_BODIES: list[Callable[[str, random.Random], tuple[str, str, bytes, str]]] = [
    lambda name, r: ("PUT", f"{GENERAL_CALENDAR}{name}.ics", EVENT.format(
        before="", after="", uid=f"{name}@hostile",
        props=f"DTSTART:{WHEN}\r\nDURATION:PT1H\r\nSUMMARY:slow\r\n").encode(), "an event"),
    lambda name, r: ("PUT", f"{WRITABLE[0]}{name}.ics", EVENT.format(
        before="", after="", uid=f"{name}@hostile",
        props=f"DTSTART:{WHEN}\r\nDURATION:PT1H\r\nSUMMARY:slow\r\n").encode(),
                     "an event into appointments/"),
    lambda name, r: ("PROPFIND", "/bwilson/appointments/", ALLPROP.encode(), "an allprop"),
    lambda name, r: ("REPORT", "/bwilson/appointments/", CENTURY_EXPAND.encode(),
                     "a century expanded"),
    lambda name, r: ("PUT", f"{GENERAL_CALENDAR}{name}.ics", EVENT.format(
        before="", after="", uid=f"{name}@hostile", props=f"DTSTART:{WHEN}\r\nDURATION:PT1H\r\n"
        f"RDATE:{','.join(_instants(20_000))}\r\n").encode(), "20 000 RDATEs"),
    lambda name, r: ("PUT", f"{GENERAL_CALENDAR}{name}.ics", _padded(name, ITEM_LIMIT - 200),
                     "an event just under the item limit"),
    lambda name, r: ("PROPPATCH", GENERAL_CALENDAR, PROPPATCHES[1](r).encode(),
                     "a PROPPATCH"),
]


def slow_body(rng: random.Random, name: str) -> Probe:
    number = int(name.rsplit("-", 1)[1])
    shape = SLOW_BODIES[number % len(SLOW_BODIES)]
    method, path, body, what = shape(name, rng)
    pieces = rng.choice([2, 5, 10, 40])
    pause = round(rng.choice([0.05, 0.1, 0.3, 0.5]) * min(1.0, 10 / pieces), 3)
    short_by = rng.choice([0, 0, 0, 100])
    headers = {"Content-Type": "text/calendar" if method == "PUT" else "application/xml"}
    if method != "PUT":
        headers["Depth"] = "1"
    return Probe("slow-body", method, path, body, headers, pieces=pieces, pause=pause,
                 short_by=short_by, description=f"{what}, in {pieces} pieces {pause} s apart"
                 + (f", {short_by} bytes short" if short_by else ""))


LOAD_CLASSES: dict[str, tuple[Callable[[random.Random, str], Probe], int]] = {
    "recurrence": (recurrence, len(RULES) + 35), "dates": (date_list, 120),
    "timezone": (timezone_probe, 120), "deep-xml": (deep_xml, 120),
    "big-body": (big_body, 4 * len(BIG_BODIES)), "slow-body": (slow_body, 4 * len(SLOW_BODIES)),
}
"""Each class of issue 29's probes with how many it has (every rule of RULES at least once)."""


def load_probe(kind: str, number: int, seed: int = 2026) -> Probe:
    """Probe ``number`` of class ``kind``: the same one for the same seed, whichever others
    are made (each has a generator of its own)."""
    name = f"{kind}-{number}"
    return LOAD_CLASSES[kind][0](random.Random(f"{seed}-{name}"), name)


def load_probes(seed: int = 2026) -> Iterator[Probe]:
    """Every probe of LOAD_CLASSES, one at a time (they hold up to 10 MiB each)."""
    for kind, (_, count) in LOAD_CLASSES.items():
        for number in range(count):
            yield load_probe(kind, number, seed)


RUN_MIX = {"recurrence": 110, "dates": 25, "timezone": 25, "deep-xml": 30, "big-body": 12,
           "slow-body": 8}
"""How many probes of each LOAD_CLASSES class :func:`hostile_run` draws…"""
FIRST_CLASSES_PER_RUN = 18
"""…and of each of the first five classes (:func:`probes`)."""


def hostile_run(seed: int = 29, scale: float = 1.0, issue: bool = False) -> list[Probe]:
    """A seeded run of a few hundred probes (``scale`` times RUN_MIX and
    FIRST_CLASSES_PER_RUN of each of the five first classes), shuffled; without the probes
    of a known issue, or (``issue``) only those (the recurrences and zones that meet issue 29)."""
    rng = random.Random(seed)
    chosen: list[Probe] = []
    for kind, mixed in RUN_MIX.items():
        wanted = max(1, round(mixed * scale))
        numbers = list(range(LOAD_CLASSES[kind][1]))
        rng.shuffle(numbers)
        taken = 0
        for number in numbers:
            if taken == wanted:
                break
            probe = load_probe(kind, number, seed)
            if bool(probe.issue) == issue:
                chosen.append(probe)
                taken += 1
    if not issue:
        first = probes(seed, per_class=max(1, round(FIRST_CLASSES_PER_RUN * scale)))
        chosen += first
    rng.shuffle(chosen)
    return chosen
