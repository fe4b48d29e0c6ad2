"""``kiosk audit report`` and ``kiosk audit verify``: what supervisors run on the device or on a copy.

:func:`add_audit_commands` registers the commands; each sets ``handler`` (``args -> exit code``).
The log directory is ``--dir`` when given, else ``state_dir_of_args(args) / "audit"``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

AUDIT_SUBDIR = "audit"

StateDirOf = Callable[[argparse.Namespace], Path]


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date like 2026-11-20: {value!r}") from None


def add_audit_commands(subparsers: Any, state_dir_of_args: StateDirOf) -> None:  # noqa: ANN401 - argparse
    """Register ``audit report`` and ``audit verify`` on the main parser's subparsers."""
    audit = subparsers.add_parser("audit", help="proof of display: report what was shown, verify the log")
    sub = audit.add_subparsers(dest="audit_command", required=True)

    p = sub.add_parser("report", help="per notice: time on screen, days shown, gaps in its publish window")
    p.add_argument("--from", dest="date_from", type=_date, required=True, metavar="DATE", help="first day")
    p.add_argument("--to", dest="date_to", type=_date, required=True, metavar="DATE", help="last day (included)")
    p.add_argument("--item", metavar="ID", help="only this notice (id or feed/id)")
    p.add_argument("--csv", type=Path, metavar="OUT", help="write CSV here (UTF-8 with BOM, opens in Excel)")
    p.add_argument("--min-gap", type=float, default=15.0, metavar="MINUTES",
                   help="report not-scheduled breaks of at least this long (default 15)")
    _common(p, state_dir_of_args, _handle_report)

    p = sub.add_parser("verify", help="check the hash chain and the screen's signed checkpoints: edited, removed, "
                                      "reordered, inserted, truncated or forged records")
    p.add_argument("--public-key", action="append", default=[], metavar="HEX",
                   help="the screen's public key as registered (`kiosk device key`); default on the screen: its "
                        "own key; repeat for a screen whose key was replaced")
    _common(p, state_dir_of_args, _handle_verify)


def _common(p: argparse.ArgumentParser, state_dir_of_args: StateDirOf,
            handler: Callable[[argparse.Namespace], int]) -> None:
    p.add_argument("--config", type=Path, metavar="FILE", help="device config (TOML)")
    p.add_argument("--state-dir", type=Path, metavar="DIR", help="state directory (overrides the config)")
    p.add_argument("--dir", type=Path, metavar="DIR", help="the audit log folder itself (e.g. a copy)")
    p.set_defaults(handler=handler, audit_state_dir_of=state_dir_of_args)


def _directory(args: argparse.Namespace) -> Path | None:
    directory = args.dir if args.dir is not None else args.audit_state_dir_of(args) / AUDIT_SUBDIR
    if not directory.is_dir():
        print(f"no audit log at {directory} (has the player run with this state directory?)", file=sys.stderr)
        return None
    return directory


def _handle_report(args: argparse.Namespace) -> int:
    from kiosk.audit.report import format_text, report, write_csv

    directory = _directory(args)
    if directory is None:
        return 2
    if args.date_to < args.date_from:
        print("--to is before --from", file=sys.stderr)
        return 2
    # On the device, time up to now counts (a player down right now is an outage); a copy (--dir)
    # is judged only up to its last record, so the time since it was copied is not an outage.
    now = None if args.dir is not None else dt.datetime.now()
    reports = report(directory, args.date_from, args.date_to, args.item, now=now,
                     min_gap=dt.timedelta(minutes=args.min_gap))
    sys.stdout.write(format_text(reports))
    if args.csv is not None:
        with open(args.csv, "w", encoding="utf-8-sig", newline="") as out:
            write_csv(reports, out)
        print(f"CSV written to {args.csv}")
    return 0


def _handle_verify(args: argparse.Namespace) -> int:
    from kiosk.audit.verify import errors, verify

    directory = _directory(args)
    if directory is None:
        return 2
    keys = list(args.public_key)
    if not keys and args.dir is None:  # on the screen: its own public key
        from kiosk.audit.keys import PUBLIC_NAME

        with contextlib.suppress(OSError):
            keys = [(directory.parent / PUBLIC_NAME).read_text(encoding="ascii").strip()]
    problems = verify(directory, keys)
    for p in problems:
        print(p)
    bad = errors(problems)
    if bad:
        print(f"FAILED: {len(bad)} problem(s) in the display log at {directory}")
        return 1
    print(f"OK: the display log at {directory} is intact")
    return 0
