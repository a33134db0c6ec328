#!/bin/sh
# Install Debian's chromium and chromium-driver for the browser tests, when we can.
# Runs apt-get only as root and only when something is missing; exits 0 otherwise,
# so the browser test then skips and says why.
set -eu

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    echo "chromium and chromedriver are installed."
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "Not root: cannot install chromium; the browser tests will be skipped."
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "No apt-get: install chromium yourself; the browser tests will be skipped."
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update || { echo "apt-get update failed: the browser tests will be skipped."; exit 0; }
apt-get install -y --no-install-recommends chromium chromium-driver \
    || echo "Could not install chromium: the browser tests will be skipped."
