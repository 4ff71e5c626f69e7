"""The headquarters data model (SQLAlchemy 2 typed declarative models)."""

from bridge.models.activities import (
    Activity,
    ActivityDefinition,
    Kind,
    Origin,
    Status,
    offset_minutes,
    subject,
    to_local,
)
from bridge.models.base import Base, UTCDateTime, utcnow
from bridge.models.customers import Customer, format_address
from bridge.models.dav import (
    ClientCopy,
    DavCollection,
    DavItem,
    RenderedActivity,
    RenderedCustomer,
    SyncChange,
    SyncPoint,
    SyncScope,
)
from bridge.models.lost import LostReason, LostValue
from bridge.models.people import Employee, SalesChannel, employee_channels
from bridge.models.push import PushSubscription, ServerLease
from bridge.models.runs import ImportRun, Level, RunMessage, RunStatus
from bridge.models.security import AuditEvent, DevicePassword, LoginFailures, ServerKey
from bridge.models.sequences import NumberSequence
from bridge.models.settings import SyncSettings, TextPriority
from bridge.models.subscriptions import CalendarSubscription
from bridge.models.uploads import StagedUpload, StagedUploadPart

__all__ = [
    "Activity",
    "ActivityDefinition",
    "AuditEvent",
    "Base",
    "CalendarSubscription",
    "ClientCopy",
    "Customer",
    "DavCollection",
    "DavItem",
    "DevicePassword",
    "Employee",
    "ImportRun",
    "Kind",
    "Level",
    "LoginFailures",
    "LostReason",
    "LostValue",
    "NumberSequence",
    "Origin",
    "PushSubscription",
    "RenderedActivity",
    "RenderedCustomer",
    "RunMessage",
    "RunStatus",
    "SalesChannel",
    "ServerKey",
    "ServerLease",
    "StagedUpload",
    "StagedUploadPart",
    "Status",
    "SyncChange",
    "SyncPoint",
    "SyncScope",
    "SyncSettings",
    "TextPriority",
    "UTCDateTime",
    "employee_channels",
    "format_address",
    "offset_minutes",
    "subject",
    "to_local",
    "utcnow",
]
