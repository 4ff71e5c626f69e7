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

Every probe writes only to hrefs and collections of its own (``hostile-…``), so a test can
tell what a request answered with 2xx may have changed from what must stay as it was.
"""

import base64
import http.client
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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


def send(url: str, probe: Probe, password: str) -> int:
    """The status of ``probe`` sent to the server at ``url`` on a connection of its own,
    exactly as generated (signed in with ``password`` as ``probe.login``)."""
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    try:
        connection.putrequest(probe.method, quote(probe.path, safe="/%:@!$&'()*+,;=~.-_\\"),
                              skip_accept_encoding=True)
        headers = dict(probe.headers)
        if probe.login is not None:
            credentials = base64.b64encode(f"{probe.login}:{password}".encode()).decode()
            headers.setdefault("Authorization", f"Basic {credentials}")
        headers.setdefault("Content-Length", str(len(probe.body)))
        for name, value in headers.items():
            connection.putheader(name, value.encode("utf-8"))
        connection.endheaders(probe.body if probe.body else None)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


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
    targets = BOOKS + (WRITABLE[0], GENERAL_CALENDAR)
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

REPORTS: list[Callable[[random.Random], str]] = [
    lambda r: ('<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
               '<D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR">'
               f'<C:comp-filter name="VEVENT"><C:time-range start="{r.choice(["garbage", "", "99999999T999999Z", WHEN_DAY + "T000000Z"])}" '
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
               f'{r.choice(["", "garbage", "http://radicale.org/ns/sync/999999999_x", "99999999999999999999999", "http://radicale.org/ns/sync/" + "9" * 5000, "<&>"[:1]])}'
               "</D:sync-token><D:sync-level>"
               f'{r.choice(["1", "infinite", "-1"])}</D:sync-level><D:prop><D:getetag/>'
               "</D:prop></D:sync-collection>"),
    lambda r: ('<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1'
               f'</D:sync-level><D:limit><D:nresults>{r.choice(["-1", "abc", "0", "99999999999999999999"])}'
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
