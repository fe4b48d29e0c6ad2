"""Residents' feedback benchmark: comments accepted per second, and the notice page's size and speed.

Builds a real office (``kiosk office init``), publishes the built-in demo township as its feed
with real signatures, serves it with ``kiosk office serve`` (waitress, 8 threads) on 127.0.0.1
and, from this process over HTTP:

- fetches the demo's 党费 notice (a table of five columns) ``--pages`` times: time to first byte
  (median, p90) and the bytes a phone downloads: the page, its CSS and script, the photo's
  phone-sized copy (and what gzip would make of the text);
- posts ``--posts`` comments from ``--clients`` concurrent keep-alive connections (each with its
  form token, as a browser would) and reports comments accepted per second (every one checked:
  303 to a receipt code, and the number of rows in the database afterwards).

SQLite (the default office: WAL, synchronous=NORMAL) and PostgreSQL (a throwaway cluster of
Debian's postgresql with its default durability: fsync and synchronous_commit on) are measured
in the same run.  Rate limits are raised in the office's settings for the run (one address).

Run: ``.venv/bin/python bench/bench_feedback.py [--posts 400] [--clients 4] [--pages 50] [--only sqlite|postgres]``.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "office"))

FEED = "township"
NOTICE = f"/p/{FEED}/2026-dues-q3/?d=lobby-1"  # a table of five columns
PHOTOS = f"/p/{FEED}/dangqun-zhongxin-jungong/?d=lobby-1"  # three photos
SETUP = """
import datetime as dt, os, shutil, sys
from pathlib import Path
from kiosk.office.cli import setup_django
setup_django(Path(sys.argv[1]))
from kiosk.feed.publish import publish
from kiosk.feed.repo import init_feed
from kiosk.office.feeds.models import Feed
demo = Path(sys.argv[2])
feed = Feed.objects.create(name="township", publisher="中共青禾镇委员会",
                           catalogue=(demo / "catalogue.toml").read_text())
content = Path(sys.argv[3])
shutil.copytree(demo, content)
text = (content / "content.toml").read_text()
(content / "content.toml").write_text(text.replace(text[text.index("feedback_url"):].splitlines()[0],
                                                   f'feedback_url = "{feed.feedback_template()}"'))
now = dt.datetime.now(dt.UTC)
init_feed(feed.tree, Path(sys.argv[4]), now, threshold=1)
publish(content, feed.tree, [Path(sys.argv[4])], now)
"""


def kiosk(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, env=env, timeout=600)
    if done.returncode:
        sys.exit(f"kiosk {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_postgres(base: Path) -> tuple[str, callable]:  # type: ignore[valid-type]
    """A throwaway cluster with PostgreSQL's default durability (unlike the test one)."""
    import pwd

    from with_postgres import pg_bin

    as_root = os.geteuid() == 0
    user = "postgres" if as_root else pwd.getpwuid(os.geteuid()).pw_name
    data, sock = base / "pg", base / "sock"
    sock.mkdir()
    if as_root:
        entry = pwd.getpwnam(user)
        os.chmod(base, 0o755)
        os.chown(sock, entry.pw_uid, entry.pw_gid)

    def run(*cmd: str) -> None:
        subprocess.run(["runuser", "-u", user, "--", *cmd] if as_root else list(cmd), check=True,
                       stdout=subprocess.DEVNULL)

    if as_root:
        data.mkdir()
        os.chown(data, entry.pw_uid, entry.pw_gid)
    run(pg_bin("initdb"), "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
    run(pg_bin("pg_ctl"), "-D", str(data), "-w", "-l", str(data / "server.log"), "-o",
        f"-k {sock} -c listen_addresses=''", "start")
    return (f"postgresql://{user}@/postgres?host={sock}",
            lambda: run(pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"))


class Office:
    def __init__(self, base: Path, database_url: str | None) -> None:
        self.base, self.port = base, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_OFFICE")}
        if database_url:
            self.env["KIOSK_OFFICE_DATABASE_URL"] = database_url
        self.dir = base / "office"
        kiosk("office", "init", str(self.dir), "--public-url", self.url, env=self.env)
        with open(self.dir / "office.toml", "a", encoding="utf-8") as f:
            f.write("\n[feedback]\nper_address_per_hour = 100000\nper_device_per_hour = 100000\n")
        done = subprocess.run([sys.executable, "-c", SETUP, str(self.dir), str(ROOT / "assets" / "demo"),
                               str(base / "content"), str(base / "keys")], env=self.env, capture_output=True,
                              text=True, timeout=600)
        if done.returncode:
            sys.exit(f"setting up the feed failed:\n{done.stderr}")
        self.log = open(base / "serve.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, "-m", "kiosk", "office", "serve", str(self.dir), "--port",
                                      str(self.port)], stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        from officekit import wait_for_port

        wait_for_port(self.port, self.proc)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


def get(conn: http.client.HTTPConnection, path: str) -> tuple[float, bytes, http.client.HTTPResponse]:
    started = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()  # returns once the status line and headers arrived
    first = time.perf_counter() - started
    return first, response.read(), response


def page_figures(office: Office, path: str, pages: int) -> dict[str, float]:
    conn = http.client.HTTPConnection("127.0.0.1", office.port, timeout=60)
    get(conn, path)  # warm: the version is laid out and loaded once per process
    firsts, html = [], b""
    for _ in range(pages):
        first, html, response = get(conn, path)
        assert response.status == 200
        firsts.append(first)
    text = html.decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+|/p/[^"]+/img/[^"]+)"', text)
    sizes = {}
    for path in assets:
        _, body, response = get(conn, path)
        assert response.status == 200, path
        sizes[path] = len(body)
    text_bytes = len(html) + sum(n for p, n in sizes.items() if p.startswith("/static/"))
    text_gzip = len(gzip.compress(html)) + sum(
        len(gzip.compress(get(conn, p)[1])) for p in sizes if p.startswith("/static/"))
    image_bytes = sum(n for p, n in sizes.items() if "/img/" in p)
    firsts.sort()
    return {"ttfb_median_ms": 1000 * statistics.median(firsts), "ttfb_p90_ms": 1000 * firsts[int(len(firsts) * .9)],
            "html": len(html), "text": text_bytes, "text_gzip": text_gzip, "images": image_bytes,
            "requests": 1 + len(sizes)}


def post_comments(office: Office, posts: int, clients: int) -> tuple[float, int]:
    per_client = posts // clients
    barrier = threading.Barrier(clients + 1)
    accepted = [0] * clients
    errors: list[str] = []

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", office.port, timeout=120)
        _, page, _ = get(conn, NOTICE)
        token = re.search(rb'name="token" value="([^"]+)"', page).group(1).decode()  # type: ignore[union-attr]
        barrier.wait()
        for i in range(per_client):
            body = urlencode({"token": token, "d": "lobby-1", "body": f"第 {n}-{i} 条意见：建议公示党费使用明细。"})
            conn.request("POST", NOTICE.split("?")[0], body, {"Content-Type": "application/x-www-form-urlencoded",
                                                               "Origin": office.url})
            response = conn.getresponse()
            response.read()
            if response.status == 303 and re.match(r"/p/s/\d{10}/", response.getheader("Location", "")):
                accepted[n] += 1
            elif len(errors) < 3:
                errors.append(f"{response.status}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        print(f"  refused: {errors}")
    return elapsed, sum(accepted)


def rows_in_database(office: Office) -> int:
    code = ("import sys; from pathlib import Path; from kiosk.office.cli import setup_django; "
            "setup_django(Path(sys.argv[1])); from kiosk.office.feedback.models import Submission; "
            "print(Submission.objects.count())")
    return int(subprocess.run([sys.executable, "-c", code, str(office.dir)], env=office.env, capture_output=True,
                              text=True, check=True).stdout.strip())


def measure(name: str, base: Path, database_url: str | None, args: argparse.Namespace) -> None:
    office = Office(base, database_url)
    try:
        pages = page_figures(office, NOTICE, args.pages)
        photos = page_figures(office, PHOTOS, args.pages)
        elapsed, accepted = post_comments(office, args.posts, args.clients)
    finally:
        office.stop()
    rows = rows_in_database(office)
    print(f"{name}:")
    print(f"  comments accepted: {accepted} of {args.posts} in {elapsed:.2f} s = {accepted / elapsed:.0f}/s "
          f"({args.clients} clients; {rows} rows in the database)")
    for label, f in (("notice with a table", pages), ("notice with 3 photos", photos)):
        print(f"  {label}: TTFB median {f['ttfb_median_ms']:.1f} ms, p90 {f['ttfb_p90_ms']:.1f} ms "
              f"({args.pages} requests); HTML {f['html']} B, HTML+CSS+JS {f['text']} B ({f['text_gzip']} B gzipped), "
              f"photos (phone copies) {f['images']} B, {f['requests']} requests")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    print(f"bench_feedback: {args.posts} comments from {args.clients} clients, {args.pages} page loads, "
          f"{os.cpu_count()} cores (shared)")
    if args.only != "postgres":
        with tempfile.TemporaryDirectory(prefix="kiosk-fb-sqlite-") as tmp:
            measure("SQLite (WAL)", Path(tmp), None, args)
    if args.only != "sqlite":
        base = Path(tempfile.mkdtemp(prefix="kiosk-fb-pg-"))
        try:
            url, stop = start_postgres(base)
            try:
                measure("PostgreSQL (fsync, synchronous_commit on)", base, url, args)
            finally:
                stop()
        finally:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
