"""Command line: ``kiosk usb export FEED DEST [--root ROOT.json]`` and ``kiosk usb check DEST --root``.

``add_usb_commands(subparsers)`` registers them on the main ``kiosk`` parser; each sets
``handler``: call ``args.handler(args)`` and exit with its return value (0 ok, 1 refused).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_usb_commands(subparsers: Any) -> None:  # noqa: ANN401 - argparse's private subparsers type
    usb = subparsers.add_parser("usb", help="carry signed feeds to screens on USB sticks (technicians)")
    sub = usb.add_subparsers(dest="usb_command", required=True)

    p = sub.add_parser("export", help="copy a feed onto a mounted stick, then verify it as a screen would")
    p.add_argument("feed", type=Path, metavar="FEED", help="the published feed folder")
    p.add_argument("dest", type=Path, metavar="DEST", help="the mounted stick, e.g. /media/$USER/STICK")
    p.add_argument("--root", type=Path, metavar="ROOT.json",
                   help="the root.json installed on the screens (default: FEED/metadata/1.root.json)")
    p.set_defaults(handler=_cmd_export)

    p = sub.add_parser("check", help="verify the feed on a mounted stick as a screen would")
    p.add_argument("dest", type=Path, metavar="DEST", help="the mounted stick")
    p.add_argument("--root", type=Path, required=True, metavar="ROOT.json", help="the root.json the screens trust")
    p.set_defaults(handler=_cmd_check)


def _cmd_export(args: argparse.Namespace) -> int:
    from kiosk.usb.export import UsbError, export_feed, mb

    try:
        result = export_feed(args.feed, args.dest, args.root)
    except (UsbError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    v = result.verified
    print(f"Exported version {v.version_after} ({v.items} notice(s), {result.files} files, {mb(result.bytes)}) "
          f"to {result.folder}")
    print("Read back from the stick and verified as a screen would: OK.")
    print("Eject the stick safely before pulling it out (e.g. `udisksctl unmount -b /dev/sdX1`, or `sync`).")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from kiosk.usb.export import verify_stick

    outcome = verify_stick(args.dest, args.root)
    if not outcome.outcome.accepted:
        print(f"error: {outcome.message} ({outcome.outcome.value}): {outcome.detail}", file=sys.stderr)
        return 1
    print(f"OK: version {outcome.version_after}, {outcome.items} notice(s): a screen trusting {args.root} "
          "accepts this stick.")
    return 0
