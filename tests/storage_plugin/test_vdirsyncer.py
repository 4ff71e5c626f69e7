"""A representative syncs their calendars, task list and address book to local folders with
the real vdirsyncer CLI (two pairs: calendars and contacts), as its documentation describes:
`vdirsyncer discover` (answering yes), then `vdirsyncer sync` whenever they like."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.clock import NOW_ISO, at, stamp
from tests.conftest import Bridge, WriteExport, activities_json, appointment
from tests.storage_plugin.conftest import PASSWORD, TODO, Server

VDIRSYNCER = Path(sys.executable).parent / "vdirsyncer"

CONFIG = """\
[general]
status_path = "{root}/status/"

[pair calendars]
a = "calendars_local"
b = "calendars_remote"
collections = ["from b"]
conflict_resolution = "b wins"

[storage calendars_local]
type = "filesystem"
path = "{root}/calendars/"
fileext = ".ics"

[storage calendars_remote]
type = "caldav"
url = "{url}"
username = "{login}"
password = "{password}"

[pair contacts]
a = "contacts_local"
b = "contacts_remote"
collections = ["from b"]
conflict_resolution = "b wins"

[storage contacts_local]
type = "filesystem"
path = "{root}/contacts/"
fileext = ".vcf"

[storage contacts_remote]
type = "carddav"
url = "{url}"
username = "{login}"
password = "{password}"
"""

TASK_UID = "vdirsyncer-task-1@example.com"
TASK = TODO.format(uid=TASK_UID, summary="Call Acme about the offer", extra="")
OTHER_TASK = TODO.format(uid="vdirsyncer-task-2@example.com", summary="Send the price list",
                         extra="")
TASK_DONE = TODO.format(uid=TASK_UID, summary="Call Acme about the offer",
                        extra=f"STATUS:COMPLETED\nCOMPLETED:{stamp(at(0, '12:00', 'UTC'))}\n"
                              "PERCENT-COMPLETE:100\n")

# What vdirsyncer prints when a sync changes something on either side: "Copying (uploading)
# item …", "Copying (updating) item …", "Deleting item …".
CHANGE_WORDS = ("Copying", "Deleting", "uploading", "updating")


def reports(output: str, action: str, storage: str) -> bool:
    """Whether vdirsyncer's output reports ACTION (uploading, updating, deleting) into STORAGE."""
    if action == "deleting":
        return any(line.startswith("Deleting item ") and line.endswith(" from " + storage)
                   for line in output.splitlines())
    return any(line.startswith(f"Copying ({action}) item ") and line.endswith(" to " + storage)
               for line in output.splitlines())


class Vdirsyncer:
    """The vdirsyncer CLI with its own config, status and local folders under ``root``."""

    def __init__(self, root: Path, url: str, login: str, password: str = PASSWORD) -> None:
        if not VDIRSYNCER.exists():
            pytest.fail(f"{VDIRSYNCER} is missing: install the test extra "
                        "(pip install -e '.[test]')")
        self.root = root
        self.config = root / "config"
        self.config.write_text(CONFIG.format(root=root, url=url, login=login,
                                             password=password), encoding="utf-8")
        self.calendars = root / "calendars"
        self.contacts = root / "contacts"

    def run(self, *args: str, input: str | None = None) -> str:
        """Run ``vdirsyncer ARGS``; fail with its whole output unless it exits with 0."""
        process = subprocess.run(
            [str(VDIRSYNCER), "-c", str(self.config), *args],
            input=input, capture_output=True, text=True, timeout=120, check=False,
        )
        output = process.stdout + process.stderr
        assert process.returncode == 0, (
            f"`vdirsyncer {' '.join(args)}` exited with {process.returncode}:\n{output}")
        return output

    def discover(self) -> str:
        return self.run("discover", input="y\n" * 20)

    def sync(self) -> str:
        return self.run("sync")

    def snapshot(self) -> dict[str, bytes]:
        """Every local file (calendars and contacts) with its content."""
        return {str(path.relative_to(self.root)): path.read_bytes()
                for folder in (self.calendars, self.contacts)
                for path in sorted(folder.rglob("*")) if path.is_file()}


def files(folder: Path, ext: str) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*" + ext))}


def client_tasks(hq: Bridge, *args: str) -> dict[str, dict]:
    """HQ activities of origin client by name."""
    return {a["name"]: a for a in activities_json(hq, "--origin", "client", *args)}


@pytest.fixture
def vdirsyncer(server: Server, tmp_path: Path) -> Vdirsyncer:
    root = tmp_path / "vdirsyncer"
    root.mkdir()
    return Vdirsyncer(root, server.url, "bwilson")


@pytest.fixture
def mobile_appointment(hq: Bridge, write_export: WriteExport) -> None:
    result = hq("import", "activities", write_export("appointments", [appointment("MA-1")]),
                "--now", NOW_ISO)
    assert result.exit_code == 0, result.output
    imported = activities_json(hq, "--origin", "mobile")
    assert [a["mobile_id"] for a in imported] == ["MA-1"], imported


def test_discover_finds_the_representatives_collections(vdirsyncer: Vdirsyncer) -> None:
    vdirsyncer.discover()

    assert sorted(p.name for p in vdirsyncer.calendars.iterdir()) == [
        "appointments", "mobile", "tasks"]
    assert sorted(p.name for p in vdirsyncer.contacts.iterdir()) == ["customers"]


def test_first_sync_downloads_mobile_appointments_and_customers(
        mobile_appointment: None, vdirsyncer: Vdirsyncer) -> None:
    vdirsyncer.discover()
    output = vdirsyncer.sync()

    assert reports(output, "uploading", "calendars_local/mobile"), output
    assert reports(output, "uploading", "contacts_local/customers"), output
    mobile = files(vdirsyncer.calendars / "mobile", ".ics")
    assert len(mobile) == 1, f"expected the imported mobile appointment, found {mobile}"
    (text,) = mobile.values()
    assert "BEGIN:VEVENT" in text and "Quarterly review" in text, text
    customers = files(vdirsyncer.contacts / "customers", ".vcf")
    acme = [t for t in customers.values() if "C-1001" in t]
    assert len(acme) == 1, f"expected customer C-1001 as one .vcf, found {customers}"
    assert "Acme Trading" in acme[0], acme[0]
    assert files(vdirsyncer.calendars / "tasks", ".ics") == {}


def test_local_task_is_uploaded_edited_deleted_and_a_quiet_sync_changes_nothing(
        hq: Bridge, mobile_appointment: None, vdirsyncer: Vdirsyncer) -> None:
    vdirsyncer.discover()
    vdirsyncer.sync()
    tasks = vdirsyncer.calendars / "tasks"
    task_file = tasks / "call-acme.ics"

    # (2) new tasks written locally become HQ activities of origin client. (Two: vdirsyncer
    # refuses to sync a folder that was emptied completely, so one stays till the end.)
    task_file.write_text(TASK, encoding="utf-8")
    (tasks / "price-list.ics").write_text(OTHER_TASK, encoding="utf-8")
    output = vdirsyncer.sync()
    assert reports(output, "uploading", "calendars_remote/tasks"), output
    created = client_tasks(hq)
    assert sorted(created) == ["Call Acme about the offer", "Send the price list"], (
        f"the local tasks should be client activities in HQ, found {created}\n"
        f"vdirsyncer said:\n{output}")
    activity = created["Call Acme about the offer"]
    number = activity["number"]
    assert activity["kind"] == "task", activity
    assert activity["representative"] == "bwilson", activity
    assert activity["status"] == "Planned", activity

    # HQ took them as written: they are served so, with the ETags of their uploads, and the
    # next sync has nothing to bring back. Once HQ changes one, the next sync brings HQ's
    # version into the local folder.
    output = vdirsyncer.sync()
    assert not reports(output, "updating", "calendars_local/tasks"), output
    assert task_file.read_text(encoding="utf-8") == TASK
    assert hq("activities", "edit", number, "--description", "Ask for Anna").exit_code == 0
    output = vdirsyncer.sync()
    assert reports(output, "updating", "calendars_local/tasks"), output
    assert "Ask for Anna" in task_file.read_text(encoding="utf-8")

    # (3) completing it locally completes it in HQ
    task_file.write_text(TASK_DONE, encoding="utf-8")
    output = vdirsyncer.sync()
    assert reports(output, "updating", "calendars_remote/tasks"), output
    activity = client_tasks(hq)["Call Acme about the offer"]
    assert activity["status"] == "Completed", (
        f"the task completed locally should be Completed in HQ: {activity}\n"
        f"vdirsyncer said:\n{output}")
    assert activity["completed_by"] == "bwilson", activity
    assert client_tasks(hq)["Send the price list"]["status"] == "Planned"
    # HQ's version of the completed task comes back: it kept HQ's description, which the
    # local copy did not have (text priority hq)
    output = vdirsyncer.sync()
    assert reports(output, "updating", "calendars_local/tasks"), output
    assert "Ask for Anna" in task_file.read_text(encoding="utf-8")

    # (4) deleting it locally deletes it in HQ — recoverably
    task_file.unlink()
    output = vdirsyncer.sync()
    assert reports(output, "deleting", "calendars_remote/tasks"), output
    assert sorted(client_tasks(hq)) == ["Send the price list"], (
        f"the task deleted locally should be gone from HQ\nvdirsyncer said:\n{output}")
    deleted = [a["number"] for a in client_tasks(hq, "--deleted").values()]
    assert deleted == [number], f"the deleted task should be listed with --deleted: {deleted}"
    assert sorted(files(tasks, ".ics")) == ["price-list.ics"], "the deleted task came back"

    # (5) a sync with nothing changed changes nothing, on either side
    before = vdirsyncer.snapshot()
    hq_before = activities_json(hq)
    output = vdirsyncer.sync()
    changes = [line for line in output.splitlines()
               if any(word in line for word in CHANGE_WORDS)]
    assert changes == [], f"a sync with nothing changed reported changes:\n{output}"
    assert vdirsyncer.snapshot() == before, "a sync with nothing changed changed local files"
    assert activities_json(hq) == hq_before, "a sync with nothing changed changed HQ"
