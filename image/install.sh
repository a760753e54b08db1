#!/usr/bin/env bash
# Install Neopro on a Raspberry Pi running Raspberry Pi OS Lite (Bookworm, 64-bit), or on
# any Debian 12 box with a TV on HDMI. Run as root from a checkout or an unpacked release:
#
#   sudo image/install.sh [--ssid NAME --passphrase SECRET] [--cloud URL --code CODE]
#
# What it does, idempotently:
#   - system packages (libmpv, ffmpeg, fonts, NetworkManager's hotspot support);
#   - a `neopro` system user in the video/render/audio groups (DRM, decoders, sound);
#   - the software in /opt/neopro/releases/<version> with its own virtualenv, and the
#     /opt/neopro/current symlink the agent switches atomically on updates;
#   - the data directory /var/lib/neopro (config, media, state.db);
#   - the three systemd units (player, hub, agent) with watchdogs, and the hotspot;
#   - with --cloud/--code: enrolls the device (or put CLOUD_URL/ENROLL_CODE in
#     /boot/firmware/neopro.txt and the first boot does it).
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
SSID="" PASSPHRASE="" CLOUD="" CODE=""
while (($#)); do
  case "$1" in
    --ssid) SSID="$2"; shift 2 ;;
    --passphrase) PASSPHRASE="$2"; shift 2 ;;
    --cloud) CLOUD="$2"; shift 2 ;;
    --code) CODE="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }

VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' "$SRC/pyproject.toml")"
DEST="/opt/neopro/releases/$VERSION"

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  libmpv2 ffmpeg fonts-dejavu-core python3-venv network-manager >/dev/null

id neopro >/dev/null 2>&1 || useradd --system --home /var/lib/neopro --shell /usr/sbin/nologin neopro
usermod -a -G video,render,audio neopro
install -d -o neopro -g neopro -m 0750 /var/lib/neopro
install -d -m 0755 /opt/neopro/releases /etc/neopro

# The release: a copy of the source with its own virtualenv (edge extras only).
rm -rf "$DEST.tmp" && mkdir -p "$DEST.tmp"
tar -C "$SRC" --exclude=.venv --exclude=.git --exclude=node_modules -cf - . | tar -C "$DEST.tmp" -xf -
python3 -m venv "$DEST.tmp/.venv"
"$DEST.tmp/.venv/bin/pip" install -q "$DEST.tmp[edge]"
rm -rf "$DEST" && mv "$DEST.tmp" "$DEST"
ln -sfn "$DEST" /opt/neopro/current.new && mv -T /opt/neopro/current.new /opt/neopro/current
chown -R neopro:neopro /opt/neopro

# Pi output: DRM/KMS at 1920x1080, hardware decode chosen per codec by the player.
[ -f /etc/neopro/player.env ] || install -m 0644 "$SRC/image/files/player.env" /etc/neopro/player.env
[ -f /etc/neopro/agent.env ] || install -m 0644 "$SRC/image/files/agent.env" /etc/neopro/agent.env
install -m 0440 "$SRC/image/files/sudoers.d-neopro" /etc/sudoers.d/neopro
install -m 0644 "$SRC"/systemd/*.service /etc/systemd/system/
install -m 0755 "$SRC/image/files/neopro-firstboot" /usr/local/sbin/neopro-firstboot
install -m 0644 "$SRC/image/files/neopro-firstboot.service" /etc/systemd/system/
install -m 0755 "$SRC/image/files/neopro-hotspot-apply" /usr/local/sbin/neopro-hotspot-apply
install -m 0644 "$SRC/image/files/neopro-hotspot.path" "$SRC/image/files/neopro-hotspot.service" /etc/systemd/system/
systemctl daemon-reload
systemctl enable neopro-player.service neopro-remote.service neopro-agent.service \
  neopro-firstboot.service neopro-hotspot.path

# The hotspot phones join (NetworkManager shared mode: DHCP + DNS on 10.42.0.1).
# The same file the local admin page writes later (see remote_web/system.py).
if [ -n "$SSID" ]; then
  [ ${#PASSPHRASE} -ge 8 ] || { echo "--passphrase needs at least 8 characters" >&2; exit 2; }
  case "$SSID$PASSPHRASE" in *[\'\"\\\$\`]*) echo "no quotes, backslashes or \$ in them" >&2; exit 2 ;; esac
  printf "NEOPRO_HOTSPOT_SSID='%s'\nNEOPRO_HOTSPOT_PASSWORD='%s'\n" "$SSID" "$PASSPHRASE" \
    > /var/lib/neopro/hotspot.env
  chown neopro:neopro /var/lib/neopro/hotspot.env && chmod 0600 /var/lib/neopro/hotspot.env
  /usr/local/sbin/neopro-hotspot-apply
fi

if [ -n "$CLOUD" ] && [ -n "$CODE" ]; then
  sudo -u neopro NEOPRO_DATA_DIR=/var/lib/neopro /opt/neopro/current/.venv/bin/neopro agent enroll \
    --cloud "$CLOUD" --code "$CODE"
fi
systemctl restart neopro-remote.service neopro-player.service neopro-agent.service
echo "Neopro $VERSION installed. The TV shows the pairing screen; phones join the hotspot."
