"""Hostile or malformed requests, refused with 400 before Radicale sees them.

Radicale answers some input with 500 (even stock Radicale 3.9): credentials that are not Basic
``login:password`` in base64, a charset Python does not know, XML bodies with entity or DTD
declarations (refused by defusedxml with an exception Radicale does not catch) and XML nested
so deep that walking it overflows the stack. Each gets a 400 that says what is wrong.

Request XML whose cost the client sets — the properties asked of every item, the filters tested
on every item — is bounded in count (:data:`MAX_PROPERTIES`, :data:`MAX_FILTERS`) before any
work is done on it: a PROPFIND of 30 000 properties or a calendar-query of 5 000 comp-filters
over a calendar held a thread for more than 40 s. Real clients ask for a few dozen properties
at most and a handful of filters, so the limits are far above what any of them sends.
"""

import base64
import binascii
import codecs
import xml.etree.ElementTree as ET
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from defusedxml import DefusedXmlException
from radicale import types, xmlutils

PROPFIND = xmlutils.make_clark("D:propfind")
HREF = xmlutils.make_clark("D:href")
MULTIGETS = {xmlutils.make_clark("C:calendar-multiget"),
             xmlutils.make_clark("CR:addressbook-multiget")}
PROP = xmlutils.make_clark("D:prop")
FILTERS = {xmlutils.make_clark(name) for name in (
    "C:comp-filter", "C:prop-filter", "C:param-filter", "CR:prop-filter", "CR:param-filter")}
QUERIES = {xmlutils.make_clark("C:calendar-query"): "C:supported-filter",
           xmlutils.make_clark("CR:addressbook-query"): "CR:supported-filter"}
MAX_XML_DEPTH = 64
"""Deepest element nesting accepted in a request body (CalDAV's deepest, a filter with
nested comp-filters and a param-filter, is about 8)."""
MAX_PROPERTIES = 100
"""Properties one DAV:prop of a request may name (PROPFIND, REPORT, PROPPATCH). Each is looked
up for every item answered; real clients ask for a few, a few dozen at most. RFC 4918 has no
precondition for it: 400, naming the limit."""
MAX_FILTERS = 50
"""Filters (comp-filter, prop-filter, param-filter) of one calendar-query or addressbook-query,
counted in the whole body. Each is tested on every item of the collection; real clients send
a handful (a time range in a VEVENT in the VCALENDAR; a search by name or email). Refused with 403
and the query's ``supported-filter`` precondition (RFC 4791 §7.8, RFC 6352 §8.6), the limit
named in it."""


class Refused(ValueError):
    """A request refused with 400 — or with 403 and ``precondition`` (a DAV/CalDAV/CardDAV
    precondition, ``C:supported-filter``) when one names what failed; the message tells the
    client why."""

    def __init__(self, message: str, precondition: str | None = None) -> None:
        super().__init__(message)
        self.precondition = precondition


def screen_headers(environ: types.WSGIEnviron) -> None:
    """Refuse headers Radicale would fail on."""
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    if authorization.startswith("Basic"):
        _basic_credentials(authorization[len("Basic"):].strip())
    screen_destination(environ)
    content_type = environ.get("CONTENT_TYPE", "")
    if "charset=" in content_type:
        charset = content_type.split("charset=")[1].split(";")[0].strip()
        try:
            codecs.lookup(charset)
        except LookupError:
            raise Refused(f"Content-Type names an unknown charset: {charset[:100]!r}") from None


def _basic_credentials(encoded: str) -> None:
    try:
        decoded = base64.b64decode(encoded.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise Refused("Authorization: Basic credentials are not base64") from None
    if b":" not in decoded:
        raise Refused("Authorization: Basic credentials are not login:password") from None


def screen_xml(method: str, parse: Callable[[], ET.Element | None]) -> ET.Element | None:
    """The parsed body of a ``method`` request, or Refused for XML that is hostile or that
    Radicale would fail on (malformed XML it already answers with 400)."""
    try:
        tree = parse()
    except DefusedXmlException as error:
        raise Refused(f"XML with entity or DTD declarations is not accepted ({error})") from None
    if tree is None:
        return None
    if _deeper_than(tree, MAX_XML_DEPTH):
        raise Refused(f"XML nested deeper than {MAX_XML_DEPTH} elements is not accepted")
    _screen_counts(tree)
    if method == "PROPFIND" and (tree.tag != PROPFIND or len(tree) == 0):
        raise Refused("a PROPFIND body must be a DAV:propfind with allprop, propname or prop")
    if tree.tag in MULTIGETS and any(not (href.text or "").strip()
                                     for href in tree.iter(HREF)):
        raise Refused("a multiget report names an empty DAV:href")
    return tree


def screen_destination(environ: types.WSGIEnviron) -> None:
    """Refuse a Destination header that is not a URL (Radicale fails on it)."""
    destination = environ.get("HTTP_DESTINATION")
    if destination is not None:
        try:
            urlsplit(unquote(destination))
        except ValueError:
            raise Refused(f"Destination is not a URL: {destination[:200]!r}") from None


def _screen_counts(tree: ET.Element) -> None:
    """Refuse a body naming more properties in one DAV:prop than :data:`MAX_PROPERTIES`, or a
    query of more filters than :data:`MAX_FILTERS` (one pass over the tree, which the body
    limit bounds)."""
    filters = 0
    for element in tree.iter():
        if element.tag == PROP and len(element) > MAX_PROPERTIES:
            raise Refused(f"a DAV:prop names {len(element)} properties; at most "
                          f"{MAX_PROPERTIES} are answered in one request")
        filters += element.tag in FILTERS
    if filters > MAX_FILTERS:
        precondition = QUERIES.get(tree.tag)
        raise Refused(f"the {_local(tree.tag)} has {filters} filters (comp-filter, prop-filter, "
                      f"param-filter); at most {MAX_FILTERS} are tested in one query",
                      precondition)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2] or tag


def _deeper_than(tree: ET.Element, limit: int) -> bool:
    level = [tree]
    for _ in range(limit):
        level = [child for element in level for child in element]
        if not level:
            return False
    return True

