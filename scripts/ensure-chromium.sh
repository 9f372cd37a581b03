#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium, for the browser test (test/browser/).
# Exits 0 when it is there (installing it first where it can: root and apt-get), non-zero
# with a hint when it is not. Idempotent: a second run costs one `test -x`.
#
#   bash scripts/ensure-chromium.sh
set -euo pipefail

CHROMIUM=/usr/bin/chromium
[ -x "$CHROMIUM" ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $CHROMIUM is missing; install it with: sudo apt-get install --no-install-recommends chromium" >&2
  exit 1
fi

echo "ensure-chromium: $CHROMIUM is missing; installing Debian's chromium with apt-get"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
# The lock timeout lets two runs at once (two test processes, say) queue instead of failing.
apt_get() { apt-get -q -o DPkg::Lock::Timeout=300 "$@" >>"$log" 2>&1; }
if ! apt_get update || ! apt_get install -y --no-install-recommends chromium || [ ! -x "$CHROMIUM" ]; then
  echo "ensure-chromium: apt-get could not install chromium; its last lines:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
