#!/usr/bin/env bash
# Installs what Relance builds and tests with on a fresh Debian/Ubuntu machine (run as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! pkg-config --exists rdkafka 2>/dev/null; then
    apt-get update -qq
    apt-get install -y -qq librdkafka-dev pkg-config python3-pip unzip >/dev/null
fi
export PATH="/opt/swift/usr/bin:$PATH"
swift --version | head -1
