#!/usr/bin/env bash
# The main job on the embedded default: every Relance worker in one process on librdkafka's
# mock cluster (no Kafka to install), the seed stories over 60 simulated days, a timeline, the
# emails as .eml files, and a check of every expected outcome (exit 0 only if all happened).
#   bash scripts/demo.sh [--mail-dir DIR] [--days N] [--verbose]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
swift build --product relance >/dev/null
"$(swift build --show-bin-path)/relance" demo "$@" 2>&1 | grep -v '^%'
exit "${PIPESTATUS[0]}"
