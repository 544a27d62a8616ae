#!/usr/bin/env bash
# Makes sure Debian's chromium is installed (the report's browser test drives it headless).
# Idempotent and quick when it is already there. Prints the browser's path on stdout.
# CHROMIUM_PATH overrides the binary to use (it must exist).
set -euo pipefail

bin="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
if [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "ensure-chromium: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $bin is missing and there is no apt-get to install it; install chromium or set CHROMIUM_PATH" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; else
    echo "ensure-chromium: $bin is missing; installing it needs root (apt-get install -y chromium)" >&2
    exit 1
  fi
fi
# one install at a time (several test processes may ask at once)
exec 9>/tmp/risk-guard-ensure-chromium.lock
flock 9
if [ ! -x "$bin" ]; then
  echo "ensure-chromium: installing Debian's chromium (apt-get install -y chromium)" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
fi
[ -x "$bin" ] || { echo "ensure-chromium: $bin still missing after the install" >&2; exit 1; }
echo "$bin"
