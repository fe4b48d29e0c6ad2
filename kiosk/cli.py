"""Command line: ``kiosk play | demo | feed … | sync | status`` — a thin argparse front."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

log = logging.getLogger("kiosk")


def _at(value: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date/time like 2026-11-20T09:00: {value!r}") from None


def _add_play_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="device config TOML (defaults: config/default.toml)")
    p.add_argument("--content", type=Path, help="play this content folder instead of the configured one")
    p.add_argument("--windowed", action="store_true", help="run in a window (development)")
    p.add_argument("--size", help="window/canvas size WxH, e.g. 1080x1920")
    p.add_argument("--rotation", type=int, choices=(0, 90, 180, 270), help="override screen.rotation")
    p.add_argument("--headless", action="store_true", help="no display: render offscreen (tests, remote checks)")
    p.add_argument("--frames", type=int, help="stop after N frames (headless: simulated time, 1/fps per frame)")
    p.add_argument("--screenshot", type=Path, help="save the last frame as PNG")
    p.add_argument("--state-dir", type=Path, help="state directory (synced bundles, audit log); overrides the config")
    p.add_argument("--at", type=_at, help="start the (simulated) clock at this local time, e.g. 2026-11-20T09:00")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Player for public-disclosure screens (党务公开).")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    play = sub.add_parser("play", help="play the configured content fullscreen")
    _add_play_options(play)
    demo = sub.add_parser("demo", help="play the built-in demo with no configuration at all")
    _add_play_options(demo)
    shot = sub.add_parser("screenshot", help="save what the running player shows (or a headless render of it)")
    shot.add_argument("out", type=Path, metavar="OUT.png")
    shot.add_argument("--config", type=Path, help="device config TOML")
    shot.add_argument("--state-dir", type=Path, help="state directory (overrides the config)")
    shot.add_argument("--size", help="headless render size WxH when no player runs (default 1920x1080)")
    shot.set_defaults(handler=_screenshot)
    device = sub.add_parser("device", help="this screen's identity")
    device_sub = device.add_subparsers(dest="device_command", required=True)
    key = device_sub.add_parser("key", help="print the screen's public key (64 hex digits; created if absent): "
                                            "register it with the office, which verifies the signed display log")
    key.add_argument("--config", type=Path, help="device config TOML")
    key.add_argument("--state-dir", type=Path, help="state directory (overrides the config)")
    key.set_defaults(handler=_device_key)
    conf = sub.add_parser("config", help="the device configuration: check a file, print the defaults")
    conf_sub = conf.add_subparsers(dest="config_command", required=True)
    check = conf_sub.add_parser("check", help="validate a device config file exactly as the player loads it")
    check.add_argument("file", type=Path, metavar="DEVICE.toml")
    check.set_defaults(handler=_config_check)
    defaults = conf_sub.add_parser("defaults", help="print config/default.toml (every setting with its default)")
    defaults.set_defaults(handler=_config_defaults)
    enrol = sub.add_parser("enrol", help="join the township office: exchange a one-time code for this screen's "
                                         "credentials and settings (written into the device config)")
    enrol.add_argument("url", metavar="URL", help="the office's public address, e.g. https://office.example.org")
    enrol.add_argument("code", metavar="CODE", help="the one-time enrolment code the office showed")
    enrol.add_argument("--config", type=Path, default=Path("/etc/kiosk/device.toml"),
                       help="device config to update (default /etc/kiosk/device.toml; created if missing)")
    enrol.set_defaults(handler=_enrol)
    if _wants_more(argv):
        from kiosk.audit.cli import add_audit_commands
        from kiosk.feed.cli import add_feed_commands
        from kiosk.office.cli import add_office_commands
        from kiosk.render.checkpages import add_check_command
        from kiosk.usb.cli import add_usb_commands

        add_feed_commands(sub, device_config)
        add_audit_commands(sub, state_dir_of)
        add_usb_commands(sub)
        add_office_commands(sub)
        add_check_command(sub)
    return parser


def _enrol(args: argparse.Namespace) -> int:
    from kiosk.device.credentials import CodeError
    from kiosk.device.enrol import EnrolError, enrol

    try:
        done = enrol(args.url, args.code, args.config)
    except (EnrolError, CodeError) as e:
        log.error("enrolment failed: %s", e)
        return 1
    print(f"enrolled as {done.device_id} ({done.site}) with {done.office}")
    print(f"  device config: {done.config}")
    print(f"  token: {done.token_file} (readable only by the player)")
    print(f"  feeds: {', '.join(done.feeds) or 'none'}")
    if done.missing_feeds:
        print(f"  not yet published, add later: {', '.join(done.missing_feeds)}")
    print("restart the player to use it: sudo systemctl restart kiosk")
    return 0


def _screenshot(args: argparse.Namespace) -> int:
    import os
    import signal
    import time

    from kiosk.config import load_config
    from kiosk.device.playerpid import NotThePlayer, find_player, read_screenshot
    from kiosk.fsutil import write_bytes
    from kiosk.player.runner import PlayOptions, run, screenshot_path

    config = load_config(args.config)
    if args.state_dir is not None:
        config = dataclasses.replace(config, state_dir=str(args.state_dir.resolve()))
    state, shot = config.state_path(), screenshot_path(config)
    try:
        pid = find_player(state)  # exactly the process that wrote the pid file, owned by the state dir's owner
        before = _mtime(shot)
        os.kill(pid, signal.SIGUSR1)
    except (OSError, NotThePlayer) as e:
        log.info("no running player to ask (%s)", e)
        pid = 0
    if pid:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if _mtime(shot) != before:
                try:
                    write_bytes(args.out, read_screenshot(shot, state))  # opened without following links
                except NotThePlayer as e:
                    log.error("not copied: %s", e)
                    return 1
                print(f"saved what player {pid} shows to {args.out}")
                return 0
            time.sleep(0.05)
        log.error("player %d did not answer within 5 s; rendering headless instead", pid)
    size = tuple(int(v) for v in (args.size or "1920x1080").lower().split("x"))
    code = run(config, PlayOptions(headless=True, frames=1, screenshot=args.out, size=size))  # type: ignore[arg-type]
    print(f"no running player: saved a headless render of what it would show now to {args.out}")
    return code


def _mtime(path: Path) -> int:
    """The modification time of ``path`` itself (a link is not followed), 0 when it is missing."""
    try:
        return path.lstat().st_mtime_ns
    except OSError:
        return 0


def _device_key(args: argparse.Namespace) -> int:
    from kiosk.audit.keys import DeviceKeyError, device_public_key

    try:
        print(device_public_key(state_dir_of(args)))
    except DeviceKeyError as e:
        log.error("%s", e)
        return 1
    return 0


def _config_check(args: argparse.Namespace) -> int:
    from kiosk.config import load_config

    config = load_config(args.file)  # ConfigError: "FILE: key: reason", exit code 2 (see main)
    feeds = ", ".join(f.name for f in config.feeds) or "none (plays content.dir)"
    print(f"{args.file}: ok (device {config.device.id}, feeds: {feeds})")
    return 0


def _config_defaults(args: argparse.Namespace) -> int:
    from kiosk.config import default_toml

    sys.stdout.write(default_toml())
    return 0


def device_config(path: Path | None) -> SimpleNamespace:
    """What ``kiosk sync`` and ``kiosk status`` need from the device config: feeds and state dir."""
    from kiosk.config import load_config

    cfg = load_config(path)
    return SimpleNamespace(state_dir=cfg.state_path(), feeds=cfg.feed_sources())


def _wants_more(argv: Sequence[str] | None) -> bool:
    """Only build the other sub-commands when not playing: start-up time counts on a kiosk."""
    args = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in args if not a.startswith("-")), None)
    return first not in ("play", "demo")


def state_dir_of(args: argparse.Namespace) -> Path:
    """The state directory of a sub-command: --state-dir, else the device config's."""
    from kiosk.config import load_config

    if getattr(args, "state_dir", None) is not None:
        return Path(args.state_dir)
    return load_config(getattr(args, "config", None)).state_path()


def _run_play(args: argparse.Namespace, demo: bool) -> int:
    from kiosk.config import ConfigError, load_config
    from kiosk.player.runner import PlayOptions, run

    try:
        config = load_config(None if demo else args.config)
    except ConfigError as e:
        log.error("configuration refused: %s", e)
        return 2
    if args.state_dir is not None:
        config = dataclasses.replace(config, state_dir=str(args.state_dir.resolve()))
    size = None
    if args.size:
        try:
            w, h = (int(v) for v in args.size.lower().split("x"))
            size = (w, h)
        except ValueError:
            log.error("--size must look like 1920x1080, got %r", args.size)
            return 2
    options = PlayOptions(content=args.content, windowed=args.windowed, size=size, rotation=args.rotation,
                          headless=args.headless, frames=args.frames, screenshot=args.screenshot,
                          start=args.at, demo=demo)
    return run(config, options)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser(argv).parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command in ("play", "demo"):
        return _run_play(args, demo=args.command == "demo")
    handler = getattr(args, "handler", None)
    if handler is None:
        build_parser(argv).print_help()
        return 2
    from kiosk.config import ConfigError
    from kiosk.office.datadir import OfficeConfigError

    try:
        return int(handler(args) or 0)
    except (ConfigError, OfficeConfigError) as e:
        log.error("configuration refused: %s", e)
        return 2


if __name__ == "__main__":
    sys.exit(main())
