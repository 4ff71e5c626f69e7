"""Customer → vCard 3.0.

What a customer's card shows is listed once (:func:`customer_properties`). The calendar
server keeps every customer's card as text, and the customer import writes thousands at a
time, so the text is written line by line (:func:`customer_vcard`) with vobject's own escaping
and folding: the same bytes vobject writes for the card :func:`customer_card` builds (a test
holds both to that), about ten times faster.
"""

import io

import vobject
from vobject.base import backslashEscape, foldOneLine
from vobject.vcard import ADDRESS_ORDER, NAME_ORDER, Address, Name

from bridge.models import Customer

Property = tuple[str, str | list[str] | Name | Address, dict[str, str]]
"""Name, value (a structured one as vobject models it), TYPE parameter if any."""

SORT_FIRST = ("VERSION", "UID")  # then alphabetical, as vobject orders a vCard


def customer_properties(customer: Customer, channel: str | None, uid: str
                        ) -> list[Property]:
    found: list[Property] = [
        ("VERSION", "3.0", {}),
        ("UID", uid, {}),
        ("FN", customer.name, {}),
        ("N", Name(family=customer.name), {}),
        ("ORG", [customer.name], {}),
    ]
    if any((customer.street, customer.postal_code, customer.city, customer.country)):
        found.append(("ADR", Address(street=customer.street or "", city=customer.city or "",
                                     code=customer.postal_code or "",
                                     country=customer.country or ""), {"TYPE": "WORK"}))
    if customer.phone:
        found.append(("TEL", customer.phone, {"TYPE": "WORK"}))
    if customer.email:
        found.append(("EMAIL", customer.email, {"TYPE": "INTERNET"}))
    if channel:
        found.append(("CATEGORIES", [channel], {}))
    found.append(("NOTE", f"Customer {customer.number}"
                  + ("" if customer.active else " (inactive)"), {}))
    found.append(("REV", customer.modified_at.strftime("%Y%m%dT%H%M%SZ"), {}))
    found.append(("X-BRIDGE-CUSTOMER", customer.number, {}))
    return found


def customer_card(customer: Customer, channel: str | None, uid: str
                  ) -> vobject.base.Component:
    """The card as a vobject component."""
    card = vobject.vCard()
    for name, value, parameters in customer_properties(customer, channel, uid):
        line = card.add(name.lower())
        line.value = value
        if parameters:
            line.type_param = parameters["TYPE"]
    return card


def customer_vcard(customer: Customer, channel: str | None, uid: str) -> str:
    """The card's text, as vobject serialises :func:`customer_card`."""
    lines = {name: _content_line(name, value, parameters)
             for name, value, parameters in customer_properties(customer, channel, uid)}
    order = [*SORT_FIRST, *sorted(name for name in lines if name not in SORT_FIRST)]
    return "".join(("BEGIN:VCARD\r\n", *(lines[name] for name in order), "END:VCARD\r\n"))


def _content_line(name: str, value: str | list[str] | Name | Address,
                  parameters: dict[str, str]) -> str:
    if isinstance(value, Name):
        text = _fields(value, NAME_ORDER)
    elif isinstance(value, Address):
        text = _fields(value, ADDRESS_ORDER)
    elif isinstance(value, list):
        text = (",".join if name == "CATEGORIES" else ";".join)(map(backslashEscape, value))
    else:
        text = backslashEscape(value)
    head = "".join((name, *(f";{key}={each}" for key, each in parameters.items())))
    line = f"{head}:{text}"
    if len(line) < 75:
        return line + "\r\n"
    folded = io.StringIO()
    foldOneLine(folded, line)
    return folded.getvalue()  # with its CRLF


def _fields(value: Name | Address, order: tuple[str, ...]) -> str:
    return ";".join(backslashEscape(getattr(value, field)) for field in order)
