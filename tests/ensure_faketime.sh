#!/bin/sh
# Install Debian's faketime for `make test-later` when it is missing and we can (as root).
set -eu

if command -v faketime >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "faketime is needed: install Debian's faketime package (apt-get install faketime)." >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends faketime >/dev/null \
    || { apt-get update >/dev/null && apt-get install -y --no-install-recommends faketime >/dev/null; }
