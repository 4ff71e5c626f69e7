#!/usr/bin/env python3
"""Benchmark WebDAV-Push: how soon a change reaches a phone, and how many messages an import
sends.

Builds an HQ in a temporary directory through the real import (``hq_dav_bench.build_hq``):
``--representatives`` representatives (default 50) of one sales channel, each with a few
appointments and tasks. Starts ``bridge serve`` with a push service of the benchmark's own on
loopback allow-listed (``tests/storage_plugin/push_receiver.py``: it checks each message's
VAPID signature and decrypts it, as a phone's push service and the phone would), and
registers one device per representative on their mobile appointments and one on their
appointments. Then:

  latency   ``--changes`` changes (default 200), one after the other: a client's PUT of a new
            appointment to the first representative's calendar (written back to HQ), timed
            from its answer to the message reaching the device; p50, p95 and the most. Here
            with ``push_merge_seconds = 0`` (a device may be woken at once again), so the
            figure is the dispatcher's, not the merge interval's.
  import    one import run of ``--appointments`` new mobile appointments (default 10 000)
            across all representatives, with the default merge interval (10 s): the messages
            sent until ``--settle`` seconds after it ended (default 15), per device at most.

Stock Radicale has no push (its issue #1629): a phone learns of a change at its next poll
(DAVx5: every 15 minutes at the least; Outlook's CalDav Synchronizer: as set, often 30). The
target on this machine: p95 ≤ 2 s. Exit 0 whatever the figures; 1 if the benchmark could
not run.

    python bench/push_bench.py [--representatives 50] [--changes 200] [--appointments 10000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # (the tests' push service)

from dav_bench import PASSWORD, BenchError, Server, run_checked, run_in_scratch, serve_bridge
from hq_dav_bench import BRIDGE, CHANNEL, TODAY, build_hq, document

from tests.storage_plugin.push_receiver import Receiver, receiving

P = "https://bitfire.at/webdav-push"


def register(server: Server, login: str, path: str, receiver: Receiver, name: str) -> None:
    device = receiver.device(name)
    body = (f'<P:push-register xmlns:P="{P}"><P:subscription><P:web-push-subscription>'
            f"<P:push-resource>{device.resource}</P:push-resource>"
            "<P:content-encoding>aes128gcm</P:content-encoding>"
            f'<P:subscription-public-key type="p256dh">{device.public_key}'
            f"</P:subscription-public-key><P:auth-secret>{device.auth}</P:auth-secret>"
            "</P:web-push-subscription></P:subscription></P:push-register>")
    answer = server.session.post(f"{server.base}/{path}", data=body.encode(),
                                 auth=(login, PASSWORD),
                                 headers={"Content-Type": "application/xml"})
    if answer.status_code != 201:
        raise BenchError(f"registering {name}: {answer.status_code} {answer.text[:300]}")


def event(uid: str, days: int) -> str:
    start = TODAY + timedelta(days=days, hours=9)
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//push-bench//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDURATION:PT1H\r\n"
            f"SUMMARY:Call {uid}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def latency(server: Server, receiver: Receiver, login: str, changes: int) -> list[float]:
    """Seconds from each PUT's answer to its message at the device."""
    device = f"{login}-appointments"
    seconds = []
    for change in range(changes):
        had = len(receiver.of(device))
        answer = server.session.put(f"{server.base}/{login}/appointments/push-{change}.ics",
                                    data=event(f"push-{change}", 1 + change % 20),
                                    auth=(login, PASSWORD),
                                    headers={"Content-Type": "text/calendar"})
        if answer.status_code not in (201, 204):
            raise BenchError(f"PUT {change}: {answer.status_code} {answer.text[:300]}")
        answered = time.monotonic()
        arrived = receiver.wait_for(device, had + 1, seconds=30)[had].at
        seconds.append(arrived - answered)
    return seconds


def import_run(workdir: Path, database: str, representatives: list[str], count: int) -> float:
    """Seconds the import of ``count`` new mobile appointments across ``representatives``
    took."""
    records = [{
        "mobile_id": f"PUSH-{i:06d}", "number": f"APP/PUSH/{i:06d}", "name": "Visit",
        "sales_channel": CHANNEL, "representative": representatives[i % len(representatives)],
        "customer": f"C-{i % 10:06d}", "confirmed": True, "status": "planned",
        "start": f"{TODAY + timedelta(days=1 + i % 60, hours=8 + i % 8):%Y-%m-%dT%H:%M:%SZ}",
        "end": f"{TODAY + timedelta(days=1 + i % 60, hours=9 + i % 8):%Y-%m-%dT%H:%M:%SZ}",
        "description": "", "completed_on": None, "completed_by": None,
        "modified_at": f"{TODAY:%Y-%m-%dT%H:%M:%SZ}"} for i in range(count)]
    export = workdir / "push-appointments.json"
    export.write_text(document("appointments", records), encoding="utf-8")
    started = time.monotonic()
    run_checked([str(BRIDGE), "--database", database, "import", "activities", str(export),
                 "--now", f"{TODAY:%Y-%m-%dT%H:%M:%SZ}"], workdir)
    return time.monotonic() - started


def serve(workdir: Path, database: str, merge: int) -> Server:
    config = workdir / f"push-{merge}.ini"
    config.write_text(f"[storage]\npush_allow = 127.0.0.1\npush_merge_seconds = {merge}\n"
                      "[logging]\nlevel = warning\n", encoding="utf-8")
    return serve_bridge(workdir, database, config=config)


def run(args: argparse.Namespace, workdir: Path) -> None:
    logins = [f"rep{i:02d}" for i in range(1, args.representatives + 1)]
    print(f"building an HQ of {len(logins)} representatives through the import …", flush=True)
    database = build_hq(workdir, 10, representatives=tuple(logins))
    with receiving() as receiver:
        server = serve(workdir, database, merge=0)
        try:
            register(server, logins[0], f"{logins[0]}/appointments/", receiver,
                     f"{logins[0]}-appointments")
            seconds = latency(server, receiver, logins[0], args.changes)
        finally:
            server.stop()
        cuts = statistics.quantiles(seconds, n=20)
        print(f"\n| change → message ({args.changes} changes) | p50 ms | p95 ms | most ms |"
              "\n| --- | ---: | ---: | ---: |"
              f"\n| bridge | {statistics.median(seconds) * 1000:.0f} | {cuts[18] * 1000:.0f} "
              f"| {max(seconds) * 1000:.0f} |\n| radicale | – (no push: the next poll) | – | – |")
        server = serve(workdir, database, merge=10)
        try:
            for login in logins:
                register(server, login, f"{login}/mobile/", receiver, f"{login}-mobile")
            took = import_run(workdir, database, logins, args.appointments)
            time.sleep(args.settle)
        finally:
            server.stop()
    per_device = [len(receiver.of(f"{login}-mobile")) for login in logins]
    print(f"\n| import of {args.appointments:,} appointments, {len(logins)} devices | "
          "import s | messages | per device at most | refused |"
          "\n| --- | ---: | ---: | ---: | ---: |"
          f"\n| bridge | {took:.1f} | {sum(per_device)} | {max(per_device)} | "
          f"{len(receiver.refused)} |".replace(",", " "))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--representatives", type=int, default=50)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--appointments", type=int, default=10_000)
    parser.add_argument("--settle", type=float, default=15.0)
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    args = parser.parse_args(argv)
    return run_in_scratch("push-bench-", args.keep, lambda workdir: run(args, workdir))


if __name__ == "__main__":
    sys.exit(main())
