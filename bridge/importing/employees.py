"""Import of HQ employees (master data): create or update them, resolve their managers, give
representatives settings and calendars."""

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bridge.calendars.provision import provision
from bridge.exchange.records import EmployeeRecord
from bridge.hq.roles import chain_above
from bridge.importing.job import ChunkedImport
from bridge.importing.report import Message, RunReport
from bridge.models import Employee, Level, SalesChannel, SyncSettings


class EmployeeImport(ChunkedImport[EmployeeRecord, list[EmployeeRecord]]):
    """Create or update employees; managers are resolved once every employee is known."""

    job = "employees"
    records_key = "employees"
    model = EmployeeRecord
    reference_keys = ("login",)
    table = "employees"

    def key(self, record: EmployeeRecord) -> str:
        return record.login

    def prepare(self) -> None:
        self.by_login = {e.login: e for e in self.session.scalars(
            select(Employee).options(selectinload(Employee.sales_channels)))}
        self.channels = {c.name: c for c in self.session.scalars(select(SalesChannel))}
        self.records: dict[str, EmployeeRecord] = {}
        self.new: set[str] = set()
        self.changed: set[str] = set()

    def look_up(self, chunk: list[EmployeeRecord]) -> None:
        """Nothing: :meth:`prepare` read every employee."""

    def decide(self, chunk: list[EmployeeRecord], found: None) -> list[EmployeeRecord]:
        return chunk  # decided as they are written: employees are few

    def write(self, plan: list[EmployeeRecord]) -> None:
        for record in plan:
            self._upsert(record)
            self.records[record.login] = record
        self.session.flush()

    def _upsert(self, record: EmployeeRecord) -> None:
        employee = self.by_login.get(record.login)
        if employee is None:
            employee = self.by_login[record.login] = Employee(login=record.login)
            self.session.add(employee)
            self.new.add(record.login)
        elif _same(employee, record):
            return
        else:
            self.changed.add(record.login)
        employee.name = record.name
        employee.email = record.email
        employee.sales_representative = record.sales_representative
        employee.active = record.active
        if record.time_zone is not None:  # (else as the employee chose it in the cockpit)
            employee.time_zone = record.time_zone
        employee.sales_channels = [self._channel(name)
                                   for name in dict.fromkeys(record.sales_channels)]

    def _channel(self, name: str) -> SalesChannel:
        if name not in self.channels:
            self.channels[name] = SalesChannel(name=name)
            self.session.add(self.channels[name])
        return self.channels[name]

    def complete(self) -> None:
        for login, record in self.records.items():
            employee = self.by_login[login]
            before = employee.manager
            _assign_manager(employee, record, self.by_login, self.report)
            if employee.manager is not before:
                self.changed.add(login)
        self.report.counts["imported"] += len(self.new)
        self.report.counts["updated"] += len(self.changed - self.new)
        self.report.counts["unchanged"] += len(self.records.keys() - self.changed - self.new)
        ensure_settings(self.session)
        provision(self.session)


import_employees = EmployeeImport.execute


def _same(employee: Employee, record: EmployeeRecord) -> bool:
    """Whether the record changes nothing but (perhaps) the manager, which comes later."""
    return (
        employee.name == record.name
        and employee.email == record.email
        and employee.sales_representative == record.sales_representative
        and employee.active == record.active
        and [c.name for c in employee.sales_channels] == sorted(set(record.sales_channels))
        and record.time_zone in (None, employee.time_zone)
    )


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
    elif manager is employee or employee in chain_above(manager, _manager_of):
        problem = f"manager {record.manager!r} would make a management cycle"
    if problem:
        report.add(Message(Level.WARNING, f"{problem}; no manager set", record.login, "manager"))
        employee.manager = None
    else:
        employee.manager = manager


def _manager_of(employee: Employee) -> Employee | None:
    return employee.manager


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
