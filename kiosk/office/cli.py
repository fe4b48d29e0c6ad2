"""``kiosk office init|serve|feeds``: the office's command-line front.

Registered on the main ``kiosk`` parser by :func:`add_office_commands` without importing
Django; each handler imports it only when run, and says plainly when the optional extra
is not installed.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import Any

from kiosk.office.datadir import DEFAULT_PUBLIC_URL, ENV_DIR, DataDir, OfficeConfigError

log = logging.getLogger(__name__)


def add_office_commands(subparsers: Any) -> None:  # noqa: ANN401 - argparse's private subparsers type
    office = subparsers.add_parser("office", help="the township office's web console (kiosk[office])")
    sub = office.add_subparsers(dest="office_command", required=True)

    p = sub.add_parser("init", help="create an office data folder (settings, database, feeds, keys)")
    p.add_argument("dir", type=Path, metavar="DIR")
    p.add_argument("--public-url", default=DEFAULT_PUBLIC_URL, metavar="URL",
                   help=f"the address screens and phones reach (default {DEFAULT_PUBLIC_URL})")
    p.add_argument("--demo", action="store_true",
                   help="load and publish the demo township (党务 and 柳溪村 村务) with demo accounts")
    p.set_defaults(handler=_cmd_init)

    p = sub.add_parser("serve", help="serve the console and the feeds (waitress; never a development server)")
    p.add_argument("dir", type=Path, metavar="DIR")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    p.add_argument("--workers", type=int, default=1,
                   help="server processes sharing the port (default 1; a busy fleet: one per CPU core)")
    p.set_defaults(handler=_cmd_serve)

    p = sub.add_parser("feeds", help="one line per feed: name, URL path, root.json (for a screen's [[feed]])")
    p.add_argument("dir", type=Path, metavar="DIR")
    p.set_defaults(handler=_cmd_feeds)

    p = sub.add_parser("export", help="write a feed's newest signed content as a content folder")
    p.add_argument("dir", type=Path, metavar="DIR")
    p.add_argument("feed", metavar="FEED")
    p.add_argument("out", type=Path, metavar="OUT", help="the content folder to create (must not exist)")
    p.set_defaults(handler=_cmd_export)

    p = sub.add_parser("purge", help="erase residents' contact details past their retention period "
                       "(serve does it hourly; this is for cron)")
    p.add_argument("dir", type=Path, metavar="DIR")
    p.add_argument("--dry-run", action="store_true", help="only count what would be erased")
    p.set_defaults(handler=_cmd_purge)

    from kiosk.office.fleet.cli import add_fleet_commands

    add_fleet_commands(sub)


def setup_django(folder: Path) -> DataDir:
    """Point Django at the data folder and start it (migrations are the caller's business)."""
    data = DataDir(folder.resolve())
    if not data.settings_file.exists():
        raise OfficeConfigError(data.settings_file, "file", "not found: create the folder with "
                                "`kiosk office init DIR` first")
    try:
        import django
    except ImportError:
        raise OfficeConfigError(folder, "office", "the office is an optional part: "
                                "pip install 'kiosk[office]'") from None
    os.environ[ENV_DIR] = str(data.root)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiosk.office.settings")
    django.setup()
    return data


def migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _cmd_init(args: argparse.Namespace) -> int:
    data = DataDir(args.dir.resolve())
    try:
        data.create(args.public_url)
        setup_django(data.root)
    except OfficeConfigError as e:
        return _fail(str(e))
    migrate()
    from kiosk.office.setup import create_admin

    admin = create_admin()
    print(f"Created the office data folder {data.root} (settings: {data.settings_file}).")
    print(f"Public URL: {args.public_url} (change public_url in office.toml; screens and phones must reach it).")
    print("Administrator account (the password is shown only now; change it after the first login):")
    print(f"  account: {admin.username}   password: {admin.password}")
    if args.demo:
        from kiosk.office.demo import load_demo

        report = load_demo()
        print("\n".join(report.lines()))
    print(f"Start it with: kiosk office serve {data.root}")
    return 0


def _cmd_feeds(args: argparse.Namespace) -> int:
    try:
        setup_django(args.dir)
    except OfficeConfigError as e:
        return _fail(str(e))
    from kiosk.office.feeds.models import Feed

    for feed in Feed.objects.order_by("name"):
        print(f"{feed.name}\t{feed.url_path}\t{feed.root_json}")
    return 0


def _cmd_purge(args: argparse.Namespace) -> int:
    try:
        setup_django(args.dir)
    except OfficeConfigError as e:
        return _fail(str(e))
    migrate()
    from django.utils import timezone

    from kiosk.office.feedback.retention import purge

    report = purge(timezone.now(), dry_run=args.dry_run)
    for line in report.lines():
        print(("(dry run, nothing changed) " if args.dry_run else "") + line)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    try:
        setup_django(args.dir)
    except OfficeConfigError as e:
        return _fail(str(e))
    from kiosk.office.authoring.importing import export_folder
    from kiosk.office.feeds.models import Feed
    from kiosk.office.history.api import record

    feed = Feed.objects.filter(name=args.feed).first()
    if feed is None:
        return _fail(f"no feed {args.feed!r} in {args.dir} (`kiosk office feeds DIR` lists them)")
    try:
        folder = export_folder(feed, args.out)
    except FileExistsError:
        return _fail(f"{args.out} already exists: choose a new folder")
    record("content.export", f"导出内容文件夹到 {folder}", actor="命令行", feed=feed.name)
    print(f"Wrote the newest signed content of {feed.name} to {folder} (publish or play it as a content folder).")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    try:
        data = setup_django(args.dir)
    except OfficeConfigError as e:
        return _fail(str(e))
    migrate()
    from django.conf import settings
    from waitress import serve

    from kiosk.office.feedback.retention import PurgeThread
    from kiosk.office.feeds.renewal import RenewalThread
    from kiosk.office.wsgi import application

    options: dict[str, Any] = {"threads": args.threads, "ident": "kiosk-office", "clear_untrusted_proxy_headers": True,
                               "channel_timeout": 60, "max_request_body_size": 64 * 1024 * 1024}
    print(f"kiosk office {data.root} on http://{args.host}:{args.port}/ (public URL {settings.KIOSK_PUBLIC_URL})"
          + (f", {args.workers} processes" if args.workers > 1 else ""), flush=True)
    background = (RenewalThread(), PurgeThread())  # in this process only, also with several server processes
    if args.workers > 1:
        return _serve_processes(application, args.host, args.port, args.workers, options, background)
    for thread in background:
        thread.start()
    try:
        serve(application, host=args.host, port=args.port, **options)
    finally:
        for thread in background:
            thread.stop()
    return 0


def _serve_processes(application: Any, host: str, port: int, workers: int, options: dict[str, Any],  # noqa: ANN401
                     background: tuple[Any, ...]) -> int:
    """``workers`` waitress processes accepting on one socket (the kernel spreads the connections), so the
    office uses every core; the parent restarts a process that dies, runs the ``background`` threads
    (timestamp renewal, purge), and on SIGTERM or SIGINT stops them all.  Nothing is shared between
    the processes but the database."""
    import signal
    import socket

    from django.db import connections
    from waitress import serve

    listener = socket.create_server((host, port), backlog=1024)
    connections.close_all()  # never share a database connection across fork

    def start() -> int:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 1
            try:
                serve(application, sockets=[listener], **options)
                code = 0
            except BaseException:  # noqa: BLE001 - a forked child must never return into the parent's code
                log.exception("server process %d failed", os.getpid())
            finally:
                os._exit(code)
        return pid

    children = {start() for _ in range(workers)}
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for thread in background:  # after the fork: a child never inherits a running thread
        thread.start()
    try:
        while children:
            pid, status = os.wait()
            children.discard(pid)
            if not stopping:
                log.error("server process %d ended (status %d); starting another", pid, status)
                children.add(start())
    finally:
        for thread in background:
            thread.stop()
        listener.close()
    return 0
