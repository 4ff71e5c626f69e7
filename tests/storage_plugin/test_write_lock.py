"""Nothing whose cost the client controls runs inside the write lock: while one representative's
client writes a large edit of an HQ task (whose text HQ renders over the client's copy), another
client of the same representative — the same lock — keeps writing, each write answered at once."""

import concurrent.futures
import statistics

from tests.clock import iso
from tests.conftest import activities_json
from tests.storage_plugin.conftest import TODO, calendar, serving

NOTES = 55_000
"""Lines the client adds that HQ does not model (kept and served back): about 3 MB, which HQ's
rendering over the client's copy takes a second or two to parse and write."""
QUICK = 1.0
"""Seconds a small write may take meanwhile — or, on a loaded machine where every request is
slow, ten times the small writes' median: one that waited for the render's lock takes the
render's seconds, many times the others'."""


def test_a_large_edit_is_rendered_outside_the_lock_another_write_commits_meanwhile(
        staff_passwords, hq, database_url):
    with serving(database_url, server={"max_resource_size": str(8 * 1024 * 1024)},
                 storage={"request_budget": "120", "recurrence_check_seconds": "60"}) as server:
        assert hq("activities", "add", "--kind", "task", "-r", "bwilson", "--name", "Call back",
                  "--description", "HQ text", "--end", iso(10, "12:00")).exit_code == 0
        [todo] = calendar(server.client("bwilson"), "bwilson/tasks/").todos()
        notes = "".join(f"X-NOTE-{n}:a note the client keeps, number {n}\r\n"
                        for n in range(NOTES))
        large = todo.data.replace("END:VTODO", notes + "END:VTODO")
        other = server.http("bwilson")

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
        took = [seconds for _, seconds in small]
        slowest, median = max(took), statistics.median(took)
        print(f"\n{len(small)} small writes meanwhile: median {median:.2f} s, slowest "
              f"{slowest:.2f} s")
        assert slowest < max(QUICK, 10 * median), \
            f"a small write waited {slowest:.1f} s (median {median:.2f} s) for the edit's lock"
        [task] = [each for each in activities_json(hq) if each["name"] == "Call back"]
        assert task["description"] == "HQ text"  # (HQ's text priority: the edit kept its notes)
        served = server.http("bwilson").get(str(todo.url))
        assert f"X-NOTE-{NOTES - 1}:" in served.text and "HQ-000001" in served.text
