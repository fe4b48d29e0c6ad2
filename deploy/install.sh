#!/usr/bin/env bash
# Install the kiosk player as a service on a Debian 12 (or similar) machine without a desktop.
#   sudo deploy/install.sh [--wheel kiosk-X.whl] [DEVICE.toml]
# Idempotent: run it again to upgrade (the device config in /etc/kiosk and the state in
# /var/lib/kiosk are kept).
#
# Whatever the source tree looks like (copied from a FAT stick: every file world-writable and owned
# by uid 1000), what is installed is owned by root with modes 0755 (folders, programs) and 0644
# (files): the program is a virtual environment in /opt/kiosk built from a wheel, never a copy of the
# tree. The kiosk user may write only its state directory /var/lib/kiosk.
#
# KIOSK_INSTALL_ROOT=DIR installs under DIR instead of / (tests: with stubs for apt-get, useradd,
# systemctl and udevadm first on PATH).
set -euo pipefail
umask 022
[ "$(id -u)" = 0 ] || { echo "run as root (sudo $0)" >&2; exit 1; }
SRC="$(cd "$(dirname "$0")/.." && pwd)"
WHEEL=""
if [ "${1:-}" = "--wheel" ]; then
  WHEEL="$(realpath "$2")"; shift 2
fi
CONFIG="${1:-}"
ROOT="${KIOSK_INSTALL_ROOT:-}"
DEST="$ROOT/opt/kiosk"
ETC="$ROOT/etc/kiosk"
STATE="$ROOT/var/lib/kiosk"

echo "== 1/6 system packages"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv fonts-wqy-microhei \
  fontconfig udev util-linux >/dev/null

echo "== 2/6 user 'kiosk' (video, render, input)"
id kiosk >/dev/null 2>&1 || useradd --system --home-dir /var/lib/kiosk --no-create-home --shell /usr/sbin/nologin kiosk
usermod -aG video,render,input kiosk 2>/dev/null || usermod -aG video,input kiosk
KIOSK_UID="$(id -u kiosk)"
KIOSK_GID="$(id -g kiosk)"

echo "== 3/6 program in $DEST"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
if [ -z "$WHEEL" ]; then
  # build a wheel from a private copy of the tree (plain files: no owner or modes from the stick)
  mkdir "$WORK/src"
  tar -C "$SRC" --exclude=./.git --exclude=./.venv --exclude=./build --exclude='*.egg-info' -cf - . \
    | tar -C "$WORK/src" --no-same-owner --no-same-permissions -xf -
fi
rm -rf "$DEST"
python3 -m venv "$DEST"
"$DEST/bin/pip" install -q --upgrade pip
if [ -z "$WHEEL" ]; then
  "$DEST/bin/pip" wheel -q --no-deps -w "$WORK/dist" "$WORK/src"
  WHEEL="$(ls "$WORK"/dist/kiosk-*.whl)"
fi
"$DEST/bin/pip" install -q "$WHEEL"
chown -R root:root "$DEST"
chmod -R u=rwX,go=rX "$DEST"  # folders and programs 0755, everything else 0644

echo "== 4/6 device config $ETC/device.toml, state in $STATE"
install -d -o root -g root -m 0755 "$ETC" "$ETC/roots"
if [ ! -f "$ETC/device.toml" ]; then
  if [ -n "$CONFIG" ]; then
    install -o root -g root -m 0644 "$CONFIG" "$ETC/device.toml"
  else
    printf 'state_dir = "/var/lib/kiosk"\n\n[device]\nid = "%s"\n' "$(hostname)" > "$ETC/device.toml"
  fi
fi
chown root:root "$ETC/device.toml"
chmod 0644 "$ETC/device.toml"
# the only place the kiosk user writes: sync store, proof-of-display log, device key, screenshots
install -d -o "$KIOSK_UID" -g "$KIOSK_GID" -m 0750 "$STATE"

echo "== 5/6 USB sticks mount under /media/kiosk-usb-*"
install -d -m 0755 "$ROOT/etc/udev/rules.d" "$ROOT/etc/systemd/system"
install -o root -g root -m 0644 "$SRC/deploy/99-kiosk-usb.rules" "$ROOT/etc/udev/rules.d/99-kiosk-usb.rules"
udevadm control --reload-rules || true

echo "== 6/6 service"
install -o root -g root -m 0644 "$SRC/deploy/kiosk.service" "$ROOT/etc/systemd/system/kiosk.service"
systemctl daemon-reload
systemctl disable --now getty@tty1.service 2>/dev/null || true
systemctl enable kiosk.service
systemctl restart kiosk.service  # an upgrade runs the new program now
echo "done: 'journalctl -u kiosk -f' shows the log, 'systemctl status kiosk' the state"
