"""``kiosk office device add|code|retire`` and ``kiosk office devices``: the fleet from a shell.

Registered by kiosk.office.cli; Django is started only when a command runs.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from kiosk.office.datadir import OfficeConfigError


def add_fleet_commands(office_sub: Any) -> None:  # noqa: ANN401 - argparse's private subparsers type
    device = office_sub.add_parser("device", help="add a screen and get its enrolment code; new code; retire")
    sub = device.add_subparsers(dest="device_command", required=True)

    p = sub.add_parser("add", help="register a screen; prints its one-time enrolment code alone on the last line")
    p.add_argument("dir", type=Path, metavar="DIR")
    p.add_argument("name", metavar="NAME", help="the screen's id (letters, digits, . _ -), e.g. liuxi-01")
    p.add_argument("--label", help="its name for people, e.g. 柳溪村党群服务中心大厅 (default NAME)")
    p.add_argument("--place", default="", help="its village or community, e.g. 柳溪村 (the fleet page filters by it)")
    p.add_argument("--feed", action="append", default=[], metavar="FEED",
                   help="a feed it shows (repeat for several; default: the office's only feed)")
    p.add_argument("--audience", choices=("public", "members"), default="public",
                   help="public: a lobby (对社会公开 only); members: a party members' room (default public)")
    p.set_defaults(handler=_cmd_add)

    p = sub.add_parser("code", help="a new one-time enrolment code for a screen (the old one stops working)")
    p.add_argument("dir", type=Path, metavar="DIR")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(handler=_cmd_code)

    p = sub.add_parser("retire", help="retire a screen: its token and code stop working, its records stay")
    p.add_argument("dir", type=Path, metavar="DIR")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(handler=_cmd_retire)

    p = office_sub.add_parser("devices", help="list the screens: state, last contact, versions")
    p.add_argument("dir", type=Path, metavar="DIR")
    p.add_argument("--json", action="store_true", help="one JSON object per line (for scripts)")
    p.set_defaults(handler=_cmd_devices)


def _setup(folder: Path) -> None:
    from kiosk.office.cli import migrate, setup_django

    setup_django(folder)
    migrate()


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _cmd_add(args: argparse.Namespace) -> int:
    try:
        _setup(args.dir)
    except OfficeConfigError as e:
        return _fail(str(e))
    from django.core.exceptions import ValidationError

    from kiosk.office.feeds.models import Feed
    from kiosk.office.fleet.enrolment import add_screen
    from kiosk.office.fleet.models import DEVICE_ID, Screen
    from kiosk.office.paths import public_url

    feeds = list(Feed.objects.filter(name__in=args.feed)) if args.feed else list(Feed.objects.all()[:2])
    if args.feed and len(feeds) != len(set(args.feed)):
        unknown = sorted(set(args.feed) - {f.name for f in feeds})
        return _fail(f"no feed named {', '.join(unknown)} in this office (see `kiosk office feeds {args.dir}`)")
    if not args.feed and len(feeds) != 1:
        return _fail("this office has " + ("no feed yet" if not feeds else "several feeds") +
                     ": name the screen's feeds with --feed")
    if not re.match(DEVICE_ID.regex, args.name):
        return _fail(f"{args.name!r}: a screen's NAME is 1 to 64 letters, digits, '.', '-' or '_', starting with a "
                     "letter or digit (it goes into the screen's config and its QR links)")
    if Screen.objects.filter(device_id__iexact=args.name).exists():
        return _fail(f"a screen named {args.name!r} exists already (a new code: kiosk office device code DIR NAME)")
    try:
        screen, code = add_screen(args.name, args.label or args.name, args.place, args.audience, feeds,
                                  actor="命令行")
    except ValidationError as e:
        return _fail("; ".join(f"{k}: {' '.join(v)}" for k, v in e.message_dict.items()))
    print(f"screen {screen.device_id} ({screen.name}) added; feeds: {', '.join(f.name for f in feeds)}")
    print(f"enrol it on the screen within {_hours(screen)} h: sudo kiosk enrol {public_url()} CODE "
          "--config /etc/kiosk/device.toml")
    print(code)
    return 0


def _hours(screen: Any) -> str:  # noqa: ANN401
    from django.utils import timezone

    return f"{(screen.code_expires - timezone.now()).total_seconds() / 3600:.0f}"


class _Refused(Exception):
    pass


def _named_screen(args: argparse.Namespace) -> Any:  # noqa: ANN401
    """Django started on ``args.dir`` and the screen ``args.name``; :class:`_Refused` with the reason."""
    try:
        _setup(args.dir)
    except OfficeConfigError as e:
        raise _Refused(str(e)) from None
    from kiosk.office.fleet.models import Screen

    screen = Screen.objects.filter(device_id=args.name).first()
    if screen is None:
        raise _Refused(f"no screen named {args.name!r} (see `kiosk office devices {args.dir}`)")
    return screen


def _cmd_code(args: argparse.Namespace) -> int:
    try:
        screen = _named_screen(args)
    except _Refused as e:
        return _fail(str(e))
    from kiosk.office.fleet.enrolment import EnrolRefused, issue_code

    try:
        code = issue_code(screen, actor="命令行")
    except EnrolRefused as e:
        return _fail(str(e))
    print(f"new enrolment code for {screen.device_id} (the previous one no longer works):")
    print(code)
    return 0


def _cmd_retire(args: argparse.Namespace) -> int:
    try:
        screen = _named_screen(args)
    except _Refused as e:
        return _fail(str(e))
    from kiosk.office.fleet.enrolment import retire

    if screen.retired is not None:
        print(f"{screen.device_id} was retired already")
        return 0
    retire(screen, actor="命令行")
    print(f"{screen.device_id} retired: its token and code no longer work; its records are kept")
    return 0


def _cmd_devices(args: argparse.Namespace) -> int:
    try:
        _setup(args.dir)
    except OfficeConfigError as e:
        return _fail(str(e))
    from django.utils import timezone

    from kiosk.office.fleet.conf import fleet_settings
    from kiosk.office.fleet.models import Screen
    from kiosk.office.fleet.state import rows

    now = timezone.now()
    out = rows(Screen.objects.order_by("device_id"), now, fleet_settings())
    if args.json:
        for r in out:
            s = r.screen
            print(json.dumps({
                "id": s.device_id, "name": s.name, "place": s.place, "state": r.state.value,
                "long_offline": r.long_offline, "last_seen": s.last_seen.isoformat() if s.last_seen else None,
                "versions": {v.feed: {"playing": v.playing, "latest": v.latest, "behind": v.behind}
                             for v in r.versions},
                "last_error": s.last_error or None, "uptime_s": s.uptime_s, "disk_free_bytes": s.disk_free,
                "clock_ok": r.clock_ok, "alerts": s.alerts, "proof_until": s.proof_until.isoformat()
                if s.proof_until else None,
            }, ensure_ascii=False))
        return 0
    table = [("ID", "STATE", "LAST CONTACT", "VERSIONS (playing/latest)", "ALERTS", "PLACE", "NAME")]
    for r in out:
        s = r.screen
        seen = timezone.localtime(s.last_seen).strftime("%Y-%m-%d %H:%M:%S") if s.last_seen else "never"
        state = r.state.value + ("!" if r.long_offline else "")
        versions = " ".join(f"{v.feed}={v.playing or '-'}/{v.latest or '-'}{'!' if v.behind else ''}"
                            for v in r.versions) or "-"
        table.append((s.device_id, state, seen, versions, str(s.alerts), s.place or "-", s.name))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]) - 1)]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1])
    if len(table) == 1:
        print("(no screens yet: kiosk office device add DIR NAME)")
    return 0
