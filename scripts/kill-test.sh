#!/usr/bin/env bash
# Exactly-once under SIGKILL: a mock-cluster broker process, a worker process killed again and
# again while events keep arriving, and a check that every event produced its outputs once.
#   bash scripts/kill-test.sh [--events N] [--kills K]      (defaults: 100000 events, 20 kills)
# Prints "kills: N, events: M, lost: 0, duplicated: 0" and exits 0 when nothing was lost or doubled.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
configuration=${RELANCE_KILL_TEST_CONFIGURATION:-debug}
swift build -c "$configuration" --product relance-kill-test >/dev/null
bin="$(swift build -c "$configuration" --show-bin-path)/relance-kill-test"
work=$(mktemp -d)
trap 'kill $broker 2>/dev/null || true; wait $broker 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" broker --bootstrap-file "$work/bootstrap" >"$work/broker.log" 2>&1 &
broker=$!
for _ in $(seq 100); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done
[ -s "$work/bootstrap" ] || { echo "the broker process did not start"; cat "$work/broker.log"; exit 1; }
if ! "$bin" drive --bootstrap "$(cat "$work/bootstrap")" --worker-log "$work/worker.log" "$@"; then
    echo "--- last lines of the worker log"
    grep -v '^%' "$work/worker.log" | tail -30
    exit 1
fi
