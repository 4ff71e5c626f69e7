"""Private appointments: an item whose components are ``CLASS:PRIVATE`` or ``CLASS:CONFIDENTIAL``
is shown to anyone but its representative as busy time only — when, how long, how it recurs,
whether it takes time — never what it is about (summary, description, location, customer,
attendees, alarms, categories, our own ``X-BRIDGE-*`` fields)."""

from icalendar import Calendar, Component

PRIVATE_CLASSES = frozenset({"PRIVATE", "CONFIDENTIAL"})
KEPT = ("UID", "DTSTAMP", "DTSTART", "DTEND", "DURATION", "DUE", "RRULE", "RDATE", "EXDATE",
        "RECURRENCE-ID", "SEQUENCE", "STATUS", "TRANSP", "CLASS", "CREATED", "LAST-MODIFIED")
"""What a private item keeps for others: its time and how it takes time."""
SHOWN_AS = "Private appointment"
TIMED = ("VEVENT", "VTODO")


def might_be_private(text: str) -> bool:
    """A quick look at the text: False only when no component can be private."""
    upper = text.upper()
    return "CLASS" in upper and ("PRIVATE" in upper or "CONFIDENTIAL" in upper)


def is_private_class(value: object) -> bool:
    """Whether a CLASS value (None: no CLASS, which is PUBLIC) keeps an item private."""
    return value is not None and str(value).strip().upper() in PRIVATE_CLASSES


def is_private(calendar: Calendar) -> bool:
    return any(is_private_class(component.get("CLASS"))
               for component in calendar.subcomponents if component.name in TIMED)


def shown_to_others(text: str) -> str:
    """The item as anyone but its representative sees it: as it is, or busy time only."""
    if not might_be_private(text):
        return text
    calendar = Calendar.from_ical(text)
    if not is_private(calendar):
        return text
    shown = Calendar()
    for name in ("PRODID", "VERSION", "CALSCALE"):
        if name in calendar:
            shown[name] = calendar[name]
    for component in calendar.subcomponents:
        if component.name in TIMED:
            shown.add_component(_busy_only(component))
        elif component.name == "VTIMEZONE":
            shown.add_component(component)
    written: bytes = shown.to_ical()
    return written.decode("utf-8")


def _busy_only(component: Component) -> Component:
    kept = type(component)()
    for name in KEPT:
        if name in component:
            kept[name] = component[name]
    kept.add("summary", SHOWN_AS)
    return kept
