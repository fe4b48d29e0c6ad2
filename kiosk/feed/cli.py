"""Command-line front of the feed layer: ``feed init|publish|verify``, ``sync`` and ``status``.

``add_feed_commands(subparsers, load_device_config)`` registers the commands on the
main ``kiosk`` parser; each sets ``handler``: call ``args.handler(args)`` and exit with
its return value (0 ok, 1 failure).  ``load_device_config(path_or_None)`` must
return an object with ``.feeds: list[FeedSource]`` and ``.state_dir: Path``;
without it, ``sync``/``status`` need ``--state-dir`` and ``--feed NAME=URL,ROOT``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from kiosk.feed.errors import FeedConfigError, FeedError
from kiosk.feed.source import FeedSource


class DeviceConfig(Protocol):
    feeds: list[FeedSource]
    state_dir: Path


ConfigLoader = Callable[[Path | None], DeviceConfig]


@dataclass
class _AdHocConfig:
    feeds: list[FeedSource]
    state_dir: Path


def add_feed_commands(subparsers: Any, load_device_config: ConfigLoader | None = None) -> None:  # noqa: ANN401
    """Register ``feed …``, ``sync`` and ``status`` on an argparse subparsers object."""
    feed = subparsers.add_parser("feed", help="publish and check signed feeds (township office)")
    sub = feed.add_subparsers(dest="feed_command", required=True)

    p = sub.add_parser("init", help="create keys and an empty signed feed")
    p.add_argument("feed", type=Path, metavar="FEED")
    p.add_argument("--keys", type=Path, required=True, metavar="KEYDIR", help="where the private keys go")
    p.add_argument("--threshold", type=int, default=1, metavar="N",
                   help="signatures needed on content: 2 = drafter and reviewer (审批)")
    p.set_defaults(handler=_cmd_init)

    p = sub.add_parser("publish", help="validate, sign and publish a content folder")
    p.add_argument("content", type=Path, metavar="CONTENT")
    p.add_argument("feed", type=Path, metavar="FEED")
    p.add_argument("--keys", type=Path, required=True, action="append", metavar="KEYDIR",
                   help="key directory or key file; repeat to bring the reviewer's keys")
    p.add_argument("--expires-days", type=int, default=30, metavar="N",
                   help="days before screens stop accepting this version as fresh (default 30)")
    p.set_defaults(handler=_cmd_publish)

    p = sub.add_parser("verify", help="check a feed exactly as a screen would")
    p.add_argument("feed", type=Path, metavar="FEED")
    p.add_argument("--root", type=Path, required=True, metavar="ROOT.json", help="the root.json screens trust")
    p.set_defaults(handler=_cmd_verify)

    for name, func, text in (("sync", _cmd_sync, "pull signed content from the configured feeds"),
                             ("status", _cmd_status, "show what each feed is playing and its last sync")):
        p = subparsers.add_parser(name, help=text)
        p.add_argument("--config", type=Path, metavar="FILE", help="device config (TOML)")
        p.add_argument("--state-dir", type=Path, metavar="DIR", help="state directory (overrides the config)")
        p.add_argument("--feed", action="append", default=[], metavar="NAME=URL,ROOT",
                       help="a feed without a config file (repeatable)")
        if name == "sync":
            p.add_argument("--once", action="store_true", help="sync every feed once and exit")
        p.set_defaults(handler=func, load_device_config=load_device_config)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _fail(error: Exception) -> int:
    print(f"error: {error}", file=sys.stderr)
    return 1


def _cmd_init(args: argparse.Namespace) -> int:
    from kiosk.feed.repo import init_feed

    try:
        result = init_feed(args.feed, args.keys, _now(), threshold=args.threshold)
    except FeedError as e:
        return _fail(e)
    print(f"Created feed {result.feed} and {len(result.keys)} private keys in {args.keys} (owner-only).")
    print("Keep the key directory off the network and out of the feed; back it up offline.")
    if args.threshold > 1:
        print(f"Content needs {args.threshold} signatures: give targets-2.pem … to the reviewer(s).")
    print(f"Install this file on every screen as the feed's trusted root.json:\n  {result.root_json}")
    return 0


def _cmd_publish(args: argparse.Namespace) -> int:
    from kiosk.feed.publish import publish

    try:
        result = publish(args.content, args.feed, args.keys, _now(), expires_days=args.expires_days)
    except FeedError as e:
        return _fail(e)
    print(f"Published version {result.version} of {result.feed} (valid {args.expires_days} days).")
    if result.changes.empty:
        print("No content changes: signatures renewed.")
    else:
        print("Changes:")
        print("\n".join(result.changes.lines()))
    for note in result.notes:
        print(f"normalised: {note}")
    for warning in result.warnings:
        print(f"warning: {warning}")
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from kiosk.feed.verify import verify_feed

    try:
        report = verify_feed(args.feed, args.root)
    except FeedError as e:
        return _fail(e)
    print("\n".join(report.lines()))
    return 0


def device_config(args: argparse.Namespace) -> DeviceConfig:
    """The device config from --feed/--state-dir, or from the loader the CLI was given."""
    loader: ConfigLoader | None = args.load_device_config
    feeds = [parse_feed_arg(text) for text in args.feed]
    if feeds or loader is None:
        if not feeds:
            raise FeedConfigError("-", "no feeds configured", "pass --config FILE or --feed NAME=URL,ROOT")
        return _AdHocConfig(feeds, args.state_dir or Path("state"))
    config = loader(args.config)
    if args.state_dir is not None:
        return _AdHocConfig(list(config.feeds), args.state_dir)
    return config


def parse_feed_arg(text: str) -> FeedSource:
    name, sep, rest = text.partition("=")
    url, sep2, root = rest.rpartition(",")
    if not (sep and sep2 and name and url and root):
        raise FeedConfigError(name or "-", f"--feed {text!r} must look like NAME=URL,ROOT",
                              "e.g. --feed township=https://example.org/feed,/etc/kiosk/township-root.json")
    return FeedSource(name=name, url=url, root_path=Path(root))


def _cmd_sync(args: argparse.Namespace) -> int:
    from kiosk.feed.service import SyncService
    from kiosk.feed.store import Store

    try:
        config = device_config(args)
    except FeedError as e:
        return _fail(e)
    service = SyncService(config.feeds, Store(config.state_dir))
    if not args.once:
        service.start()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            service.stop()
            return 0
    failed = 0
    for name, outcome in service.sync_all().items():
        if isinstance(outcome, FeedError):
            failed += 1
            print(f"error: {outcome}", file=sys.stderr)
        else:
            what = "updated to" if outcome.changed else "unchanged at"
            print(f"{name}: {what} version {outcome.version} ({outcome.requests} request(s), "
                  f"{outcome.bytes} bytes)")
    service.stop()
    return 1 if failed else 0


def _cmd_status(args: argparse.Namespace) -> int:
    from kiosk.feed.status import FeedStatus, read_status
    from kiosk.feed.store import Store

    try:
        config = device_config(args)
    except FeedError as e:
        return _fail(e)
    saved = read_status(config.state_dir)
    store = Store(config.state_dir)
    for source in config.feeds:
        status = saved.get(source.name, FeedStatus(source.name))
        print(dataclasses.replace(status, version=store.current_version(source.name)).line())
    return 0
