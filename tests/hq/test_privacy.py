"""Private activities: only the representative sees what one is about; anyone else —
manager, HQ user, an operator's listing — sees busy time, and no search finds it by its
text, customer or sales channel."""

from sqlalchemy.orm import Session

from bridge.hq.editing import ActivityFields, add_activity
from bridge.hq.filtering import ActivityFilter, activity_view, list_activities
from bridge.hq.privacy import busy_only, hidden_from
from bridge.infra.db import make_engine, transaction
from bridge.models import Activity, Kind, Origin, Status
from tests.clock import NOW, at
from tests.conftest import Bridge


def private_visit() -> Activity:
    return Activity(number="HQ-000001", name="Merger talk", kind=Kind.APPOINTMENT,
                    origin=Origin.HQ, status=Status.PLANNED, description="Do not tell",
                    customer_address="Hotel Bristol", start_at=at(3, "09:00"),
                    end_at=at(3, "10:00"), private=True, priority=5, revision=2)


def test_only_its_representative_sees_what_a_private_activity_is_about() -> None:
    visit = private_visit()
    assert not hidden_from(visit, "bwilson", "bwilson")
    assert hidden_from(visit, "bwilson", "awhite")
    assert hidden_from(visit, "bwilson", None)  # (an operator's listing)
    visit.private = False
    assert not hidden_from(visit, "bwilson", "awhite")


def test_others_see_when_it_is_not_what_it_is() -> None:
    shown = busy_only(private_visit())
    assert (shown.number, shown.start_at, shown.end_at, shown.status, shown.revision) == (
        "HQ-000001", at(3, "09:00"), at(3, "10:00"), Status.PLANNED, 2)
    assert (shown.name, shown.description, shown.customer_address) == (
        "Private appointment", "", None)


def _listed(session: Session, viewer: str | None, **wanted: object) -> list[str]:
    return [view.activity.name for view in list_activities(
        session, ActivityFilter(viewer=viewer, **wanted))]  # type: ignore[arg-type]


def test_a_search_finds_a_private_activity_for_its_representative_only(
        hq: Bridge, database_url: str) -> None:
    with transaction(make_engine(database_url)) as session:
        add_activity(session, Kind.APPOINTMENT, ActivityFields(
            name="Merger talk", start=at(3, "09:00"), representative="bwilson",
            customer="C-1001", private=True), NOW)
        add_activity(session, Kind.APPOINTMENT, ActivityFields(
            name="Merger review", start=at(4, "09:00"), representative="bwilson"), NOW)
    with transaction(make_engine(database_url), write=False) as session:
        assert _listed(session, "bwilson", text="Merger") == ["Merger talk", "Merger review"]
        assert _listed(session, "awhite", text="Merger") == ["Merger review"]
        assert _listed(session, None, customers=["C-1001"]) == []
        assert _listed(session, "bwilson", customers=["C-1001"]) == ["Merger talk"]
        assert _listed(session, "awhite") == ["Private appointment", "Merger review"]
        view = activity_view(session, "HQ-000001", "awhite")
        assert view is not None and view.hidden and view.customer_number is None
