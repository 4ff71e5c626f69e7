"""Nothing whose cost the client controls runs inside the write lock: while one representative's
client writes a large edit of an HQ task (whose text HQ renders over the client's copy), another
client of the same representative — the same lock — keeps writing, and the edit's write
transactions hold the lock no longer than the small writes' do (the server, running in this
process, says how long each held it: ``bridge.infra.held``)."""

import concurrent.futures
import statistics
import time
from urllib.parse import urlsplit

from bridge.infra import held
from tests.clock import iso
from tests.conftest import Bridge, activities_json
from tests.storage_plugin.conftest import TODO, calendar, serving

NOTES = 55_000
"""Lines the client adds that HQ does not model (kept and served back): about 3 MB, which HQ's
rendering over the client's copy takes a second or two to parse and write."""
QUICK = 1.0
"""Seconds the edit may hold the lock — or, on a loaded machine where every transaction is slow,
ten times the small writes' median hold: rendering inside the lock holds it for the render's
seconds (2 s and more), many times a small write's hold."""


def test_a_large_edit_is_rendered_outside_the_lock_another_write_commits_meanwhile(
        staff_passwords: None, hq: Bridge, database_url: str) -> None:
    with serving(database_url, server={"max_resource_size": str(8 * 1024 * 1024)},
                 storage={"request_budget": "120", "recurrence_check_seconds": "60"}) as server:
        assert hq("activities", "add", "--kind", "task", "-r", "bwilson", "--name", "Call back",
                  "--description", "HQ text", "--end", iso(10, "12:00")).exit_code == 0
        [todo] = calendar(server.client("bwilson"), "bwilson/tasks/").todos()
        notes = "".join(f"X-NOTE-{n}:a note the client keeps, number {n}\r\n"
                        for n in range(NOTES))
        large = todo.data.replace("END:VTODO", notes + "END:VTODO")
        other = server.http("bwilson")
        started = time.monotonic()

        def small_writes_until(done: concurrent.futures.Future) -> list[tuple[int, float]]:
            answers = []
            while not done.done():
                response = other.put(server.url + f"bwilson/tasks/small-{len(answers)}.ics",
                                     data=TODO.format(uid=f"small-{len(answers)}",
                                                      summary="Small", extra=""),
                                     headers={"Content-Type": "text/calendar"})
                answers.append((response.status_code, response.elapsed.total_seconds()))
            return answers

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            edit = pool.submit(server.http("bwilson").put, str(todo.url), data=large,
                               headers={"Content-Type": "text/calendar"})
            small = pool.submit(small_writes_until, edit).result(timeout=300)
            edited = edit.result(timeout=300)

        assert edited.status_code in (201, 204)
        assert small and all(status == 201 for status, _ in small)
        holds = [hold for hold in held.recent_holds() if hold.began >= started]
        edit_holds = [hold.seconds for hold in holds
                      if hold.what == "PUT " + urlsplit(str(todo.url)).path]
        small_holds = [hold.seconds for hold in holds if "/small-" in hold.what]
        bound = max(QUICK, 10 * statistics.median(small_holds))
        print(f"\n{len(small)} small writes meanwhile, holding the lock {min(small_holds):.2f}"
              f"-{max(small_holds):.2f} s; the edit held it {edit_holds} s")
        assert edit_holds and max(edit_holds) < bound, "the edit held the lock while rendering"
        [task] = [each for each in activities_json(hq) if each["name"] == "Call back"]
        assert task["description"] == "HQ text"  # (HQ's text priority: the edit kept its notes)
        served = server.http("bwilson").get(str(todo.url))
        assert f"X-NOTE-{NOTES - 1}:" in served.text and "HQ-000001" in served.text
