#!/usr/bin/env bash
# Set up everything Neopro needs on a fresh Debian/Ubuntu machine (or a Pi OS image):
# system packages with apt-get when missing, then a virtualenv in .venv with the project.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE="${1:-dev}"   # dev = everything (tests too); edge = the Pi; cloud = the cloud API

EDGE_PKGS=(libmpv2 ffmpeg fonts-dejavu-core)
CLOUD_PKGS=(ffmpeg fonts-dejavu-core)
# What the tests and benchmarks drive for real: a browser, a virtual display, the mpv CLI
# (the "process per clip" baseline), screen grabs, QR decoding, PDF rendering, PostgreSQL.
DEV_PKGS=(libmpv2 mpv ffmpeg fonts-dejavu-core chromium xvfb xauth x11-apps imagemagick
          zbar-tools poppler-utils postgresql nodejs)

case "$PROFILE" in
  dev) PKGS=("${DEV_PKGS[@]}"); EXTRAS="edge,cloud,dev" ;;
  edge) PKGS=("${EDGE_PKGS[@]}"); EXTRAS="edge" ;;
  cloud) PKGS=("${CLOUD_PKGS[@]}"); EXTRAS="cloud" ;;
  *) echo "usage: $0 [dev|edge|cloud]" >&2; exit 2 ;;
esac

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=()
for pkg in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's nodejs lacks npm (a separate package); NodeSource's nodejs ships it and conflicts
# with Debian's npm. Ask for npm only when the node on this machine came without it.
if [ "$PROFILE" = dev ] && ! command -v npm >/dev/null; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

PY="${PYTHON:-python3}"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "setup: Python >= 3.11 is needed ($PY is $("$PY" --version))" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
STAMP=".venv/.neopro-installed-$EXTRAS"
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  echo "setup: installing Python packages ($EXTRAS) into .venv"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[$EXTRAS]"
  touch "$STAMP"
fi
echo "setup: ready (.venv/bin/neopro)"
