"""HQ employees: import of the master data, passwords, the manager's team."""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from bridge.errors import InvalidInput, NotFound
from bridge.exchange.reader import Header, RecordStream, read_header
from bridge.exchange.records import EmployeeRecord
from bridge.importing.job import ImportOptions, run_job
from bridge.importing.report import Message, RunReport
from bridge.importing.streaming import validated
from bridge.models import Employee, Level, SalesChannel, SyncSettings
from bridge.passwords import MIN_LENGTH, hash_password

JOB = "employees"


def import_employees(engine: Engine, path: Path, options: ImportOptions) -> RunReport:
    """Create or update employees; managers are resolved after every employee is known."""
    header = read_header(path, expect="employees")
    report = RunReport(JOB, str(path), options.started_by, options.now, options.dry_run)
    return run_job(engine, report, lambda session, run: _import(session, run, header))


def _import(session: Session, report: RunReport, header: Header) -> None:
    by_login = {e.login: e for e in session.scalars(
        select(Employee).options(selectinload(Employee.sales_channels)))}
    channels = {c.name: c for c in session.scalars(select(SalesChannel))}
    records = list(validated(RecordStream(header), EmployeeRecord, report, ("login",)))
    for record in records:
        employee = by_login.get(record.login)
        if employee is None:
            employee = by_login[record.login] = Employee(login=record.login)
            session.add(employee)
            report.counts["imported"] += 1
        elif _same(employee, record):
            report.counts["unchanged"] += 1
            continue
        else:
            report.counts["updated"] += 1
        employee.name = record.name
        employee.email = record.email
        employee.sales_representative = record.sales_representative
        employee.active = record.active
        employee.sales_channels = [_channel(session, channels, name)
                                   for name in dict.fromkeys(record.sales_channels)]
    session.flush()
    for record in records:
        _assign_manager(by_login[record.login], record, by_login, report)
    ensure_settings(session)


def _same(employee: Employee, record: EmployeeRecord) -> bool:
    manager = employee.manager.login if employee.manager else None
    return (
        employee.name == record.name
        and employee.email == record.email
        and employee.sales_representative == record.sales_representative
        and employee.active == record.active
        and manager == record.manager
        and [c.name for c in employee.sales_channels] == sorted(set(record.sales_channels))
    )


def _channel(session: Session, channels: dict[str, SalesChannel], name: str) -> SalesChannel:
    if name not in channels:
        channels[name] = SalesChannel(name=name)
        session.add(channels[name])
    return channels[name]


def _assign_manager(
    employee: Employee, record: EmployeeRecord, by_login: dict[str, Employee], report: RunReport
) -> None:
    if record.manager is None:
        employee.manager = None
        return
    manager = by_login.get(record.manager)
    problem = None
    if manager is None:
        problem = f"manager {record.manager!r} is not an HQ employee"
    elif manager is employee or _manages(employee, manager):
        problem = f"manager {record.manager!r} would make a management cycle"
    if problem:
        report.add(Message(Level.WARNING, f"{problem}; no manager set", record.login, "manager"))
        employee.manager = None
    else:
        employee.manager = manager


def _manages(boss: Employee, other: Employee) -> bool:
    """Whether ``boss`` is above ``other`` in the management chain."""
    seen = set()
    current = other.manager
    while current is not None and current.id not in seen:
        if current is boss:
            return True
        seen.add(current.id)
        current = current.manager
    return False


def ensure_settings(session: Session) -> None:
    """Every sales representative has synchronization settings (the defaults at first)."""
    missing = session.scalars(
        select(Employee.id).where(
            Employee.sales_representative.is_(True),
            ~select(SyncSettings.employee_id)
            .where(SyncSettings.employee_id == Employee.id)
            .exists(),
        )
    ).all()
    session.add_all(SyncSettings(employee_id=employee_id) for employee_id in missing)
    session.flush()


def get_employee(session: Session, login: str) -> Employee:
    employee = session.scalars(select(Employee).where(Employee.login == login)).one_or_none()
    if employee is None:
        raise NotFound(f"no HQ employee with login {login!r}")
    return employee


def set_password(session: Session, login: str, password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"the password must have at least {MIN_LENGTH} characters")
    get_employee(session, login).password_hash = hash_password(password)


@dataclass(frozen=True)
class Team:
    """An employee and, if they manage anyone, everyone below them."""

    lead: Employee
    members: list[Employee]

    @property
    def ids(self) -> list[int]:
        return [self.lead.id, *(member.id for member in self.members)]


def team_of(session: Session, login: str) -> Team:
    lead = get_employee(session, login)
    members: list[Employee] = []
    frontier = [lead]
    seen = {lead.id}
    while frontier:
        below = [e for boss in frontier for e in boss.subordinates if e.id not in seen]
        seen.update(e.id for e in below)
        members.extend(below)
        frontier = below
    return Team(lead, members)
