#!/usr/bin/env bash
# Install the kiosk player as a service on a Debian 12 (or similar) machine without a desktop.
#   sudo deploy/install.sh [DEVICE.toml]
# Idempotent: run it again to upgrade (the device config in /etc/kiosk is kept).
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "run as root (sudo $0)" >&2; exit 1; }
SRC="$(cd "$(dirname "$0")/.." && pwd)"
DEST=/opt/kiosk

echo "== 1/6 system packages"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv make fonts-wqy-microhei \
  fontconfig udev util-linux >/dev/null

echo "== 2/6 user 'kiosk' (video, render, input)"
id kiosk >/dev/null 2>&1 || useradd --system --home /var/lib/kiosk --shell /usr/sbin/nologin kiosk
usermod -aG video,render,input kiosk 2>/dev/null || usermod -aG video,input kiosk

echo "== 3/6 program in $DEST"
mkdir -p "$DEST"
cp -a "$SRC/." "$DEST/"
rm -rf "$DEST/.venv"
python3 -m venv "$DEST/.venv"
"$DEST/.venv/bin/pip" install -q --upgrade pip
"$DEST/.venv/bin/pip" install -q "$DEST"

echo "== 4/6 device config /etc/kiosk/device.toml"
mkdir -p /etc/kiosk/roots
if [ ! -f /etc/kiosk/device.toml ]; then
  if [ "${1:-}" != "" ]; then cp "$1" /etc/kiosk/device.toml; else
    printf 'state_dir = "/var/lib/kiosk"\n\n[device]\nid = "%s"\n' "$(hostname)" > /etc/kiosk/device.toml
  fi
fi
chmod 644 /etc/kiosk/device.toml

echo "== 5/6 USB sticks mount under /media/kiosk-usb-*"
install -m 644 "$SRC/deploy/99-kiosk-usb.rules" /etc/udev/rules.d/99-kiosk-usb.rules
udevadm control --reload-rules || true

echo "== 6/6 service"
install -m 644 "$SRC/deploy/kiosk.service" /etc/systemd/system/kiosk.service
systemctl daemon-reload
systemctl disable --now getty@tty1.service 2>/dev/null || true
systemctl enable --now kiosk.service
echo "done: 'journalctl -u kiosk -f' shows the log, 'systemctl status kiosk' the state"
