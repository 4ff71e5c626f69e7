"""Customer → vCard 3.0 (built with vobject)."""

import vobject

from bridge.calendars.layout import customer_uid
from bridge.models import Customer


def customer_vcard(customer: Customer, channel: str | None) -> str:
    card = vobject.vCard()
    card.add("version").value = "3.0"
    card.add("uid").value = customer_uid(customer.number)
    card.add("fn").value = customer.name
    card.add("n").value = vobject.vcard.Name(family=customer.name)
    card.add("org").value = [customer.name]
    if any((customer.street, customer.postal_code, customer.city, customer.country)):
        address = card.add("adr")
        address.value = vobject.vcard.Address(
            street=customer.street or "", city=customer.city or "",
            code=customer.postal_code or "", country=customer.country or "",
        )
        address.type_param = "WORK"
    if customer.phone:
        phone = card.add("tel")
        phone.value = customer.phone
        phone.type_param = "WORK"
    if customer.email:
        email = card.add("email")
        email.value = customer.email
        email.type_param = "INTERNET"
    if channel:
        card.add("categories").value = [channel]
    card.add("note").value = f"Customer {customer.number}" + ("" if customer.active
                                                             else " (inactive)")
    card.add("rev").value = customer.modified_at.strftime("%Y%m%dT%H%M%SZ")
    card.add("x-bridge-customer").value = customer.number
    return card.serialize()
