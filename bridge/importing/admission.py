"""The admission rules of *BUS: Import activities*, as a pure decision per record.

A **new** mobile appointment is admitted only if it is confirmed, starts in the future (at the
import clock), its customer exists in HQ and its representative is an active HQ sales
representative. A known appointment is updated from the export unless it is frozen (Delayed).

Exports arrive late, twice or out of order: a known appointment is changed only by a record
the mobile system modified *after* the version HQ holds (``modified_at``). An older record, or
one as old with other content, changes nothing and is reported; so an older export never
moves an appointment back (from Completed or Completed unprocessed, say).
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bridge.exchange.records import AppointmentRecord
from bridge.hq.placement import default_href, default_uid
from bridge.hq.rules.description import DescriptionParts
from bridge.hq.rules.status import map_mobile_status, mobile_status_label
from bridge.importing.lookups import (
    CustomerRef,
    ExistingActivity,
    RepresentativeRef,
)
from bridge.models import Kind, Level, Origin, offset_minutes


@dataclass(frozen=True)
class DefinitionRef:
    id: int
    kind: Kind
    priority: int
    template: str


@dataclass(frozen=True)
class ChunkContext:
    """What the rules need to know about HQ for one chunk of records."""

    now: datetime
    definition: DefinitionRef
    representatives: Mapping[str, RepresentativeRef]
    customers: Mapping[str, CustomerRef]
    channels: Mapping[str, int]
    existing: Mapping[str, ExistingActivity]
    number_owners: dict[str, str | None]  # (the chunk's admissions are added as decided)


@dataclass(frozen=True)
class Insert:
    values: dict[str, Any]


@dataclass(frozen=True)
class Update:
    values: dict[str, Any]


@dataclass(frozen=True)
class Unchanged:
    pass


@dataclass(frozen=True)
class Skip:
    reason: str
    field: str | None = None
    level: Level = Level.INFO
    missing_customer: bool = False
    outdated: bool = False


Decision = Insert | Update | Unchanged | Skip


def fingerprint(record: AppointmentRecord, customer: CustomerRef, definition: DefinitionRef) -> str:
    """Identifies what an import would write: the record, plus the HQ data mixed into it.

    The first half covers the mobile record alone (a frozen appointment compares only that),
    the second the customer and definition data composed into the description.
    """
    mixed = hashlib.blake2b(
        f"{customer.display}\x00{customer.address}\x00{definition.priority}\x00"
        f"{definition.kind}\x00{definition.template}".encode(),
        digest_size=15,
    ).hexdigest()
    return f"{record_fingerprint(record)}:{mixed}"


def record_fingerprint(record: AppointmentRecord) -> str:
    # (a field added later counts only when set: the fingerprints written before it stay)
    fields = record.model_dump(mode="json", exclude=None if record.private else {"private"})
    return hashlib.blake2b(_SORTED_JSON.encode(fields).encode(), digest_size=15).hexdigest()


_SORTED_JSON = json.JSONEncoder(sort_keys=True)
"""What ``json.dumps(…, sort_keys=True)`` writes, without a new encoder for every record."""


def decide(record: AppointmentRecord, ctx: ChunkContext) -> Decision:
    existing = ctx.existing.get(record.mobile_id)
    refusal: Skip | Unchanged | None
    if existing is None:
        refusal = _refuse_new(record, ctx.now)
    else:
        refusal = _refuse_outdated(record, existing) or _refuse_change(record, existing)
    if refusal is not None:
        return refusal
    customer = ctx.customers.get(record.customer)
    if customer is None:
        return Skip(
            f"customer {record.customer} does not exist in HQ", "customer", missing_customer=True
        )
    representative = ctx.representatives.get(record.representative)
    if representative is None or not representative.eligible:
        return Skip(
            f"{record.representative!r} is not an active HQ sales representative",
            "representative",
            Level.WARNING,
        )
    owner = ctx.number_owners.get(record.number, record.mobile_id)
    if owner != record.mobile_id:
        return Skip(
            f"number {record.number} is already used by another activity", "number", Level.WARNING
        )
    written = fingerprint(record, customer, ctx.definition)
    if existing is not None and existing.fingerprint == written:
        return Unchanged()
    values = _values(record, ctx, customer, representative, existing, written)
    if existing is None:
        return Insert(values)
    return Update({"id": existing.id, "revision": existing.revision + 1, **values})


def _refuse_new(record: AppointmentRecord, now: datetime) -> Skip | None:
    if not record.confirmed:
        return Skip("not confirmed in mobile", "confirmed")
    if record.start <= now:
        return Skip(
            f"start {record.start.isoformat()} is not in the future "
            f"(import clock {now.isoformat(timespec='seconds')})",
            "start",
        )
    return None


def _refuse_outdated(record: AppointmentRecord, existing: ExistingActivity) -> Skip | None:
    held, modified = existing.mobile_modified_at, record.modified_at
    # (either time unknown: nothing to compare, the record is applied)
    if held is None or modified is None or existing.origin is not Origin.MOBILE \
            or modified > held:
        return None
    if modified < held:
        return Skip(
            f"older than HQ's version from {held.isoformat()} (this record was modified "
            f"{modified.isoformat()}): nothing changed",
            "modified_at", Level.WARNING, outdated=True,
        )
    if record_fingerprint(record) != (existing.fingerprint or "").split(":")[0]:
        return Skip(
            f"as old as HQ's version from {held.isoformat()} but with other content: HQ's "
            "version is kept (the mobile system marks every change with a newer modified_at)",
            "modified_at", Level.WARNING, outdated=True,
        )
    return None


def _refuse_change(record: AppointmentRecord,
                   existing: ExistingActivity) -> Skip | Unchanged | None:
    if existing.origin is not Origin.MOBILE:
        return Skip("mobile id belongs to an activity not from mobile", "mobile_id", Level.ERROR)
    if existing.frozen:
        stored = (existing.fingerprint or "").split(":")[0]
        if stored == record_fingerprint(record):
            return Unchanged()
        return Skip(
            f"the appointment is {existing.status.value} in HQ and frozen: "
            "changes from mobile are no longer imported",
        )
    if not record.confirmed:
        return Skip(
            "no longer confirmed in mobile; the HQ appointment is kept as it was",
            "confirmed",
            Level.WARNING,
        )
    return None


def _values(
    record: AppointmentRecord,
    ctx: ChunkContext,
    customer: CustomerRef,
    representative: RepresentativeRef,
    existing: ExistingActivity | None,
    written: str,
) -> dict[str, Any]:
    outcome = map_mobile_status(
        record.status, existing.status if existing else None, record.modified_at
    )
    description = DescriptionParts(
        customer=customer.display,
        customer_address=customer.address,
        mobile_status=mobile_status_label(record.status),
        mobile_description=record.description or "",
        status_note=outcome.note or "",
    ).render(ctx.definition.template)
    uid = default_uid(record.number, record.mobile_id)
    return {
        "number": record.number,
        "name": record.name,
        "kind": ctx.definition.kind,
        "origin": Origin.MOBILE,
        "status": outcome.status,
        "mobile_status": record.status,
        "start_at": record.start,
        "start_offset": offset_minutes(record.start),
        "end_at": record.end,
        "end_offset": offset_minutes(record.end),
        "priority": ctx.definition.priority,
        "description": description,
        "mobile_description": record.description,
        "status_note": outcome.note,
        "customer_id": customer.id,
        "customer_address": customer.address,
        "representative_id": representative.id,
        "sales_channel_id": ctx.channels.get(record.sales_channel or ""),
        "definition_id": ctx.definition.id,
        "completed_on": record.completed_on,
        "completed_by": record.completed_by,
        "mobile_id": record.mobile_id,
        "uid": uid,
        "href": default_href(record.number, record.mobile_id),
        "mobile_modified_at": record.modified_at,
        "mobile_fingerprint": written,
        "frozen": outcome.frozen,
        "private": record.private,
    }
