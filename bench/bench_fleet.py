"""Fleet load test: the traffic of N screens against `kiosk office serve` on PostgreSQL.

Each screen sends a heartbeat every minute and a proof-of-display batch every five minutes (by
default 30 records: ten-second slides), spread evenly over the period, so 10,000 screens make
about 200 requests a second.  Everything runs on this machine, on 127.0.0.1 only:

1. a throwaway PostgreSQL cluster (Debian's server binaries) with its normal durable settings
   (fsync and synchronous_commit on), under a temporary directory;
2. an office data folder (`kiosk office init`) with one published feed and N screens, created
   directly in the database (as `kiosk office device add` + `kiosk enrol` would leave them);
3. `kiosk office serve DIR --workers W --threads T` (waitress processes sharing the port);
4. warm-up: every screen uploads its first batch (as fast as the server takes them: the
   maximum throughput of uploads), so the measured phase extends existing chains and timelines;
5. the measured phase: the open-loop schedule at the target rate for `--minutes` (bounded to
   15); latency is measured from when each request was due (queueing included, no
   coordinated omission); each request opens its own connection, as a screen does once a minute.

It prints throughput, latency percentiles per kind, errors, the load average, and the growth of
the database (total and per table) per screen-day.

Run: `.venv/bin/python bench/bench_fleet.py [--screens 10000] [--minutes 5] [--workers 2] [--threads 8]`
(about 2 minutes of set-up for 10,000 screens before the measured phase).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "office"))

from officekit import create_feed  # noqa: E402
from with_postgres import cluster  # noqa: E402

from kiosk.audit.records import GENESIS, Record  # noqa: E402

KIOSK = [sys.executable, "-m", "kiosk"]
HEARTBEAT_S, BATCH_S = 60.0, 300.0
# the demo township's notices (assets/demo), one of them a 任前公示 with a 公示期
ITEMS = ["2026-renqian-gongshi-11", "2026-dangjian-yaodian", "2026-dwh-10", "sanzhongyida-banfa", "2026-dues-q3",
         "2026-fzdy-gongshi-4", "banzi-fengong", "qinghe-jiangtang"]
NOTICE = ITEMS[0]
WINDOW = (dt.datetime(2026, 11, 25, 8, 30), dt.datetime(2026, 12, 1, 18))  # as its front matter says
TABLES = ("fleet_screen", "fleet_proofbatch", "fleet_span", "fleet_deviceevent")

SETUP = """
import hashlib, json, sys
import datetime as dt
from pathlib import Path
import django
django.setup()
from django.db import transaction
from kiosk.office.fleet.models import Screen
from kiosk.office.feeds.models import Feed
now = dt.datetime.now(dt.UTC)
feed = Feed.objects.get(name="township")
tokens = json.loads(Path(sys.argv[1]).read_text())
places = [f"村{i:03d}" for i in range(200)]
with transaction.atomic():
    screens = Screen.objects.bulk_create([
        Screen(device_id=f"s{i:05d}", name=f"屏幕{i:05d}", place=places[i % 200], audience="public",
               token_hash=hashlib.sha256(t.encode()).hexdigest(), enrolled=now)
        for i, t in enumerate(tokens)], batch_size=2000)
    Through = Screen.feeds.through
    Through.objects.bulk_create([Through(screen_id=s.pk, feed_id=feed.pk) for s in screens], batch_size=5000)
from django.contrib.auth import get_user_model
get_user_model().objects.create_superuser("bench", password=sys.argv[2])
print(len(screens))
"""


# ---------------------------------------------------------------- PostgreSQL


def sql(url: str, query: str) -> list[tuple[str, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(query)
        return [tuple(str(v) for v in row) for row in cursor.fetchall()] if cursor.description else []


def sizes(url: str) -> dict[str, int]:
    out = {"database": int(sql(url, "select pg_database_size(current_database())")[0][0])}
    for table in TABLES:
        out[table] = int(sql(url, f"select pg_total_relation_size('{table}')")[0][0])
    return out


# ---------------------------------------------------------------- the screens' traffic


@dataclass
class Screen:
    device: str
    token: str
    seq: int = 0
    head: str = GENESIS
    clock: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))
    turn: int = 0

    def heartbeat(self) -> bytes:
        now = dt.datetime.now().isoformat(timespec="seconds")
        return json.dumps({"device": self.device, "time": now, "sent": now, "uptime_s": 86400.0,
                           "disk_free_bytes": 12_000_000_000, "versions": {"township": "2"}, "last_sync": now,
                           "last_error": None, "showing": f"township/{ITEMS[self.turn % 8]}",
                           "audit_head": [self.seq, self.head], "dropped": 0, "software": "0.1.0"}).encode()

    def batch(self, records: int, slide: float) -> bytes:
        out = []
        for _ in range(records):
            item = ITEMS[self.turn % len(ITEMS)]
            start, self.clock = self.clock, self.clock + dt.timedelta(seconds=slide)
            rec = Record(seq=self.seq + 1, kind="notice", start=start, end=self.clock, item=item, feed="township",
                         version="2", page=0, region=(0, 120, 1920, 840),
                         frame=hashlib.sha256(item.encode()).hexdigest(),
                         window=WINDOW if item == NOTICE else None,
                         prev=self.head)
            sealed, line = rec.sealed()
            out.append(line)
            self.seq, self.head, self.turn = sealed.seq, sealed.hash, self.turn + 1
        body = b'{"device":"%s","first_seq":%d,"last_seq":%d,"head":{"seq":%d,"hash":"%s"},"nonce":"%s",' \
               b'"records":[%s]}' % (self.device.encode(), self.seq - records + 1, self.seq, self.seq,
                                     self.head.encode(), os.urandom(16).hex().encode(),
                                     b",".join(line.rstrip(b"\n") for line in out))
        return body


@dataclass
class Result:
    kind: str
    due: float
    latency: float
    status: int


async def send(port: int, path: str, token: str, body: bytes) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                     b"Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                     % (path.encode(), token.encode(), len(body)) + body)
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()
        return int(status_line.split()[1]) if status_line else 0
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def timed(port: int, kind: str, path: str, token: str, body: bytes, due: float, out: list[Result]) -> None:
    try:
        status = await asyncio.wait_for(send(port, path, token, body), 60)
    except (OSError, TimeoutError, ValueError, IndexError):
        status = 0
    out.append(Result(kind, due, time.monotonic() - due, status))


async def warm_up(port: int, screens: list[Screen], records: int, slide: float, parallel: int) -> tuple[float, int]:
    """Every screen's first heartbeat and batch, ``parallel`` screens at a time; (seconds, failures)."""
    results: list[Result] = []
    queue = list(screens)
    started = time.monotonic()

    async def worker() -> None:
        while queue:
            s = queue.pop()
            await timed(port, "heartbeat", "/device/v1/heartbeat", s.token, s.heartbeat(), time.monotonic(), results)
            await timed(port, "batch", "/device/v1/audit", s.token, s.batch(records, slide), time.monotonic(),
                        results)

    await asyncio.gather(*(worker() for _ in range(parallel)))
    return time.monotonic() - started, sum(1 for r in results if r.status != 200)


async def measured(port: int, screens: list[Screen], seconds: float, records: int, slide: float) -> list[Result]:
    """The open-loop schedule: each screen at its own phase, a heartbeat a minute, a batch every five."""
    rng = random.Random(7)
    events: list[tuple[float, str, Screen]] = []
    for s in screens:
        phase = rng.uniform(0, HEARTBEAT_S)
        t = phase
        while t < seconds:
            events.append((t, "heartbeat", s))
            t += HEARTBEAT_S
        t = rng.uniform(0, BATCH_S)
        while t < seconds:
            events.append((t, "batch", s))
            t += BATCH_S
    events.sort(key=lambda e: e[0])
    results: list[Result] = []
    tasks: set[asyncio.Task[None]] = set()
    start = time.monotonic()
    for offset, kind, s in events:
        due = start + offset
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if kind == "heartbeat":
            task = asyncio.create_task(timed(port, kind, "/device/v1/heartbeat", s.token, s.heartbeat(), due, results))
        else:
            task = asyncio.create_task(timed(port, kind, "/device/v1/audit", s.token, s.batch(records, slide), due,
                                             results))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    return results


# ---------------------------------------------------------------- report


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(results: list[Result], seconds: float, screens: int, before: dict[str, int], after: dict[str, int],
           compact: dict[str, int], load: tuple[float, float]) -> None:
    kinds = defaultdict(list)
    for r in results:
        kinds[r.kind].append(r)
        kinds["all"].append(r)
    print(f"\n{screens} screens, {seconds / 60:.1f} min measured; load average before {load[0]:.2f}, "
          f"after {load[1]:.2f} (2 cores, shared)")
    print(f"{'kind':<10}{'requests':>9}{'req/s':>8}{'errors':>7}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
          f"{'max ms':>9}")
    for kind in ("heartbeat", "batch", "all"):
        rs = kinds.get(kind, [])
        if not rs:
            continue
        ms = [r.latency * 1000 for r in rs]
        errors = sum(1 for r in rs if r.status != 200)
        print(f"{kind:<10}{len(rs):>9}{len(rs) / seconds:>8.1f}{errors:>7}{percentile(ms, 50):>9.1f}"
              f"{percentile(ms, 90):>9.1f}{percentile(ms, 99):>9.1f}{max(ms):>9.1f}")
    screen_days = screens * seconds / 86400
    print(f"\ndatabase growth per screen-day ({screen_days:.1f} screen-days measured); files: as they grew during "
          "the run (dead row versions included, which autovacuum reuses); compacted: after VACUUM FULL, what a "
          "screen-day really adds")
    print(f"  {'':<20}{'files KiB':>12}{'compacted KiB':>15}{'now MiB':>10}")
    for name in ("database", *TABLES):
        grown, kept = after[name] - before[name], compact[name] - before[name]
        print(f"  {name:<20}{grown / screen_days / 1024:>12.1f}{kept / screen_days / 1024:>15.1f}"
              f"{compact[name] / 2**20:>10.1f}")
    codes = sorted({r.status for r in results if r.status != 200})
    if codes:
        print(f"non-200 answers: {codes} (0 = no answer within 60 s / connection refused)")
    print(f"median latency {statistics.median(r.latency for r in results) * 1000:.1f} ms overall")


def pages(port: int, password: str) -> None:
    """How long people wait for the fleet page and a coverage report with every screen loaded."""
    import re

    import requests

    base = f"http://127.0.0.1:{port}"
    session = requests.Session()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', session.get(f"{base}/login/", timeout=60).text)
    assert csrf is not None
    session.post(f"{base}/login/", data={"username": "bench", "password": password, "csrfmiddlewaretoken": csrf[1]},
                 headers={"Referer": base + "/"}, timeout=60)
    print("\npages (median of 3, idle server):")
    for path in ("/fleet/", "/fleet/?state=attention", "/fleet/?place=村007", f"/fleet/coverage/township/{NOTICE}/"):
        times = []
        for _ in range(3):
            t0 = time.monotonic()
            reply = session.get(base + path, timeout=300)
            times.append(time.monotonic() - t0)
            assert reply.status_code == 200, (path, reply.status_code)
        print(f"  {path:<52}{statistics.median(times) * 1000:>8.0f} ms  ({len(reply.content) // 1024} KiB)")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of ``pids`` and their waited-for children (from /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15]) / tick  # utime, stime, cutime, cstime
    return total


def children(parent: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    out.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return out


def postgres_pids(url: str) -> list[int]:
    """This cluster's server processes: its postmaster (postmaster.pid) and the processes it started."""
    sock = Path(url.split("host=", 1)[1])
    try:
        master = int((sock.parent / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    return [master, *children(master)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--screens", type=int, default=10_000)
    parser.add_argument("--minutes", type=float, default=5.0, help="measured phase (at most 15)")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads per process (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="office server processes (default 2: one per core)")
    parser.add_argument("--records", type=int, default=30, help="records per batch (default 30: 10 s slides)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, data)")
    args = parser.parse_args()
    if not 1 <= args.screens <= 50_000 or not 0.5 <= args.minutes <= 15:
        parser.error("--screens 1..50000 and --minutes 0.5..15")
    slide = BATCH_S / args.records
    base = Path(tempfile.mkdtemp(prefix="kiosk-bench-fleet-"))
    screens = [Screen(f"s{i:05d}", f"kst1.bench-{i}-{os.urandom(8).hex()}") for i in range(args.screens)]
    (base / "tokens.json").write_text(json.dumps([s.token for s in screens]))
    try:
        # durable, as in production (fsync and synchronous_commit on: each commit waits for the disk)
        with cluster("-c max_connections=200 -c shared_buffers=256MB", "kiosk-bench-pg-") as url:
            port = free_port()
            folder = base / "office"
            env = {**os.environ, "KIOSK_OFFICE_DATABASE_URL": url}
            env.pop("KIOSK_OFFICE_DIR", None)
            subprocess.run([*KIOSK, "office", "init", str(folder), "--public-url", f"http://127.0.0.1:{port}"],
                           env=env, check=True, stdout=subprocess.DEVNULL)
            t0 = time.monotonic()
            django_env = {**env, "KIOSK_OFFICE_DIR": str(folder), "DJANGO_SETTINGS_MODULE": "kiosk.office.settings"}
            password = os.urandom(12).hex()
            create_feed(folder, "township", base / "keys", REPO / "assets" / "demo", env)
            subprocess.run([sys.executable, "-c", SETUP, str(base / "tokens.json"), password], check=True,
                           stdout=subprocess.DEVNULL, env=django_env)
            print(f"set-up: {args.screens} screens in {time.monotonic() - t0:.0f} s", flush=True)
            log = open(base / "serve.log", "wb")  # noqa: SIM115 - closed below
            server = subprocess.Popen([*KIOSK, "office", "serve", str(folder), "--port", str(port), "--threads",
                                       str(args.threads), "--workers", str(args.workers)], env=env, stdout=log,
                                      stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 120
                while True:
                    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                        break
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit(f"the office did not start: see {base / 'serve.log'}")
                    time.sleep(0.2)
                took, failed = asyncio.run(warm_up(port, screens, args.records, slide, 8))
                print(f"warm-up: {args.screens} first heartbeats and batches in {took:.0f} s "
                      f"({args.screens / took:.0f} screens/s with 8 in flight), {failed} failed", flush=True)
                sql(url, "vacuum full analyze")
                before, load0 = sizes(url), os.getloadavg()[0]
                seconds = args.minutes * 60
                office = [server.pid, *children(server.pid)]
                cpu0 = (cpu_seconds(office), cpu_seconds(postgres_pids(url)), time.process_time())
                results = asyncio.run(measured(port, screens, seconds, args.records, slide))
                cpu = (cpu_seconds(office) - cpu0[0], cpu_seconds(postgres_pids(url)) - cpu0[1],
                       time.process_time() - cpu0[2])
                after, load1 = sizes(url), os.getloadavg()[0]
                sql(url, "vacuum full analyze")
                report(results, seconds, args.screens, before, after, sizes(url), (load0, load1))
                print(f"\nCPU used in the measured phase (seconds of one core per second of run): office "
                      f"{cpu[0] / seconds:.2f}, PostgreSQL {cpu[1] / seconds:.2f}, this load generator "
                      f"{cpu[2] / seconds:.2f}; the office's CPU per request {cpu[0] / len(results) * 1000:.2f} ms")
                pages(port, password)
            finally:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
                log.close()
    finally:
        if args.keep:
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
