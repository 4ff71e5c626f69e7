"""Every sales representative gets their collections: appointments, mobile appointments,
tasks and customers, under their principal ``/login/``; a manager who is no representative gets
the principal alone, where their team's calendars appear (``bridge.calendars.team``)."""

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.calendars.changes import new_scope
from bridge.calendars.layout import SPECS, collection_path
from bridge.hq.placement import Projection
from bridge.hq.roles import Staff
from bridge.models import DavCollection, Employee


def provision(session: Session) -> int:
    """Create what is missing for every sales representative and manager; returns how many
    were made."""
    existing = set(session.scalars(select(DavCollection.path)))
    made = 0
    staff = Staff.load(session)
    for employee in session.scalars(select(Employee).where(
            Employee.sales_representative.is_(False), Employee.active.is_(True))):
        if employee.login not in existing and staff.manages_anyone(employee.login):
            create_principal(session, employee.login, employee.id)
            made += 1
    for employee in session.scalars(
        select(Employee).where(Employee.sales_representative.is_(True))
    ):
        if employee.login not in existing:
            create_principal(session, employee.login, employee.id)
            made += 1
        for projection in Projection:
            if collection_path(employee.login, projection) not in existing:
                _create_projection(session, employee, projection)
                made += 1
    session.flush()
    return made


def create_principal(session: Session, login: str, employee_id: int | None) -> DavCollection:
    principal = DavCollection(
        path=login, parent="", tag="", props="{}", employee_id=employee_id,
        scope_id=new_scope(session),
    )
    session.add(principal)
    return principal


def _create_projection(session: Session, employee: Employee, projection: Projection) -> None:
    spec = SPECS[projection]
    props = {
        "tag": spec.tag,
        "D:displayname": spec.display_name.format(name=employee.name),
    }
    if spec.tag == "VCALENDAR":
        props["C:calendar-description"] = spec.description
        props["C:supported-calendar-component-set"] = ",".join(spec.components)
        props["ICAL:calendar-color"] = spec.color
    else:
        props["CR:addressbook-description"] = spec.description
    session.add(DavCollection(
        path=collection_path(employee.login, projection), parent=employee.login,
        tag=spec.tag, props=json.dumps(props), projection=projection.value,
        employee_id=employee.id, scope_id=new_scope(session),
    ))
