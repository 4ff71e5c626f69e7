"""Validated records of the exchange files (one pydantic model per record type).

Unknown extra fields are ignored; a missing required field or a wrong type rejects that one
record with a message naming the field (see :func:`describe_errors`).
"""

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationError,
    model_validator,
)


def _must_be_text(value: Any) -> Any:
    if value is not None and not isinstance(value, (str, datetime)):
        raise ValueError("must be an ISO 8601 date-time text with a UTC offset")
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_must_be_text)]
Text = Annotated[StrictStr, Field(min_length=1)]


def _time_zone(value: str | None) -> str | None:
    """The IANA name of a time zone given by its IANA or Windows name."""
    if value is None:
        return None
    # (bridge.ical.zones loads icalendar: only when a time zone is given)
    from bridge.ical.zones import iana_name

    found = iana_name(value)
    if found is None:
        raise ValueError(f"unknown time zone {value!r}: give an IANA name such as "
                         "Europe/Warsaw")
    return found


TimeZone = Annotated[StrictStr | None, AfterValidator(_time_zone)]


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)


class Address(Record):
    street: StrictStr | None = None
    postal_code: StrictStr | None = None
    city: StrictStr | None = None
    country: StrictStr | None = None


class CustomerRecord(Record):
    number: Text
    name: Text
    sales_channel: StrictStr | None = None
    address: Address = Address()
    phone: StrictStr | None = None
    email: StrictStr | None = None
    active: StrictBool = True


class AppointmentRecord(Record):
    mobile_id: Text
    number: Text
    name: Text
    sales_channel: StrictStr | None = None
    representative: Text
    customer: Text
    start: Instant
    end: Instant
    confirmed: StrictBool
    status: Text
    description: StrictStr | None = None
    completed_on: Instant | None = None
    completed_by: StrictStr | None = None
    modified_at: Instant | None = None
    private: StrictBool = False
    """Only the representative sees what it is about (``bridge.hq.privacy``)."""

    @model_validator(mode="after")
    def _end_not_before_start(self) -> "AppointmentRecord":
        if self.end < self.start:
            raise ValueError(f"end {self.end.isoformat()} is before start {self.start.isoformat()}")
        return self


SERVER_PATHS = frozenset({"cockpit", "feeds", "freebusy", "scheduling", ".well-known"})
"""The first path segments the server answers itself: a login named so would have a calendar
home no client reaches (``storage_plugin``'s prefixes; a test keeps the two alike)."""


def _not_a_server_path(login: str) -> str:
    if login.lower() in SERVER_PATHS:
        raise ValueError(f"{login!r} is a path of the server itself "
                         f"({', '.join(sorted(SERVER_PATHS))}): choose another login")
    return login


class EmployeeRecord(Record):
    login: Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=r"^[^/\s]+$"),
                     AfterValidator(_not_a_server_path)]
    name: Text
    email: StrictStr | None = None
    sales_representative: StrictBool = False
    manager: StrictStr | None = None
    sales_channels: list[StrictStr] = []
    active: StrictBool = True
    time_zone: TimeZone = None
    """The time zone the cockpit shows the employee's pages in; absent: left as it is."""


def describe_errors(error: ValidationError) -> list[tuple[str | None, str]]:
    """(field, message) pairs, the field dotted ('address.city') or None for the whole record."""
    described = []
    for item in error.errors(include_url=False):
        field = ".".join(str(part) for part in item["loc"]) or None
        message = item["msg"]
        if item["type"] == "missing":
            message = "required field is missing"
        message = message.removeprefix("Value error, ")
        described.append((field, message))
    return described


def record_reference(raw: Any, keys: tuple[str, ...], index: int) -> str:
    """How a record is named in messages: its identifying fields, else its position."""
    if isinstance(raw, dict):
        named = [str(raw[key]) for key in keys if isinstance(raw.get(key), (str, int))]
        if named:
            return " / ".join(named)
    return f"record #{index + 1}"
