"""Hostile or malformed requests, refused with 400 before Radicale sees them.

Radicale answers some input with 500 (even stock Radicale 3.9): credentials that are not Basic
``login:password`` in base64, a charset Python does not know, XML bodies with entity or DTD
declarations (refused by defusedxml with an exception Radicale does not catch) and XML nested
so deep that walking it overflows the stack. Each gets a 400 that says what is wrong.
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
MAX_XML_DEPTH = 64
"""Deepest element nesting accepted in a request body (CalDAV's deepest, a filter with
nested comp-filters and a param-filter, is about 8)."""


class Refused(ValueError):
    """A request refused with 400; the message tells the client why."""


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


def _deeper_than(tree: ET.Element, limit: int) -> bool:
    level = [tree]
    for _ in range(limit):
        level = [child for element in level for child in element]
        if not level:
            return False
    return True

