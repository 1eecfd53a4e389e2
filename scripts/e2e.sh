#!/usr/bin/env bash
# End to end: every worker executable as its own process on a broker in its own process; the
# demo's seed stories driven from outside (relance demo --bootstrap), every outcome checked.
#   bash scripts/e2e.sh                         librdkafka's mock cluster (relance dev-cluster)
#   bash scripts/e2e.sh --bootstrap HOST:PORT   a running broker (Tansu in scripts/test.sh);
#                                               set LD_LIBRARY_PATH for its librdkafka if needed
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
bootstrap=""
if [ "${1:-}" = "--bootstrap" ]; then bootstrap="$2"; fi
workers="payment-retry gateway-sandbox reminder-mailer card-expiry proof-validator reconciliation prepaid recovery-stats"
for product in relance $workers; do swift build --product "$product" >/dev/null; done
bin="$(swift build --show-bin-path)"
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT
visible=false
if [ -z "$bootstrap" ]; then
    "$bin/relance" dev-cluster --brokers 3 --partitions 4 --bootstrap-file "$work/bootstrap" >"$work/broker.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done
    [ -s "$work/bootstrap" ] || { echo "the broker process did not start"; cat "$work/broker.log"; exit 1; }
    bootstrap=$(cat "$work/bootstrap")
    visible=true  # the mock shows aborted records to read_committed readers (docs/brokers.md)
    echo "broker: librdkafka's mock cluster in its own process, $bootstrap"
else
    "$bin/relance" topics --bootstrap "$bootstrap" --partitions 4 --replication 1 >"$work/topics.log" 2>&1 \
        || { cat "$work/topics.log"; exit 1; }
    echo "broker: $bootstrap"
fi
# Commands are signed: a key for the demo's owner, its public half in the workers' key set.
"$bin/relance" keys generate --kid e2e --subject e2e-owner \
    --roles owner,admin,billing,manage_reconciliations,billing-platform,dead-letter-replay \
    --merchants m-demo,m-pro --out "$work/e2e.key.json" --jwks "$work/command-keys.json" >/dev/null 2>&1
# The demo's retry and dunning policies (its business supplier's paydays and late fees).
"$bin/relance" demo --write-policies "$work/policies"
base=$((19000 + (RANDOM % 90) * 10))
metrics=()
port=$base
for worker in $workers; do
    port=$((port + 1))
    RELANCE_KAFKA_BOOTSTRAP="$bootstrap" RELANCE_HTTP_PORT="$port" RELANCE_INSTANCE_ID="e2e-$worker" \
        RELANCE_SESSION_TIMEOUT_MS=6000 RELANCE_BATCH_MAX_MS=10 RELANCE_KAFKA_PROP_FETCH_WAIT_MAX_MS=10 \
        RELANCE_ABORTED_RECORDS_VISIBLE="$visible" RELANCE_LOG_LEVEL=warning RELANCE_MAIL_DIR="$work/mail" \
        RELANCE_COMMAND_KEYS="$work/command-keys.json" RELANCE_RETRY_POLICIES="$work/policies/retry_policies.json" \
        RELANCE_DUNNING_POLICIES="$work/policies/dunning_policies.json" \
        "$bin/$worker" >"$work/$worker.log" 2>&1 &
    pids+=($!)
    metrics+=(--metrics "$worker=127.0.0.1:$port")
done
mkdir -p "$work/mail"
status=0
"$bin/relance" demo --bootstrap "$bootstrap" --key "$work/e2e.key.json" "${metrics[@]}" --mail-dir "$work/mail" 2>&1 | grep -v '^%' \
    || status=$?
if [ "$status" -ne 0 ]; then
    for worker in $workers; do
        echo "--- $worker (last lines)"
        grep -v '^%' "$work/$worker.log" | tail -5
    done
fi
exit "$status"
