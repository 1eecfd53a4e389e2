#!/usr/bin/env bash
# Runs every test: the suite on librdkafka's mock cluster (system librdkafka), the kill test, then the
# real-broker suite on Tansu, an Apache-Kafka-compatible broker (see docs/brokers.md).
# Tansu needs librdkafka ≥ 2.x newer than Debian's 2.0.2: both come from PyPI wheels.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

swift build --build-tests
swift test --skip-build --no-parallel

# The main job: every worker on an embedded cluster through the seed stories, every outcome checked;
# then the same with every worker as its own process and the broker in another (end to end).
bash scripts/demo.sh --mail-dir "$(mktemp -d)"
bash scripts/e2e.sh
# relance-console in headless Chromium against its own processes on the embedded cluster (docs/console.md).
bash scripts/console-browser-test.sh
# `relance demo --console`: the console in the demo's process, up after the walk, signed in with the printed password.
bash scripts/demo-console-test.sh

# Exactly once under SIGKILL: broker, worker and driver as separate processes (docs/runtime.md).
bash scripts/kill-test.sh --events 100000 --kills 20

# reminder-mailer killed mid-ladder while delivering to a real SMTP server (aiosmtpd),
# card-expiry killed around month boundaries, and recovery-stats killed while failures open and
# end (its figures must equal the program's recount).
bash scripts/chaos.sh mail --accounts 50 --kills 5
bash scripts/chaos.sh card --accounts 300 --kills 10
bash scripts/chaos.sh recovery --accounts 400 --kills 6

bash scripts/test-tools.sh
tools=".build/test-tools"

# Start Tansu and wait until its port accepts connections. The port is drawn below the kernel's
# ephemeral range, where the earlier tests' client sockets cannot hold it; a start that does not
# come up (port taken, slow first load) is retried on another port, and the log is shown if
# none does.
tansu_pid=""
trap '[ -n "$tansu_pid" ] && kill "$tansu_pid" 2>/dev/null || true' EXIT
low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
port=""
for attempt in 1 2 3 4 5; do
    candidate=$((20000 + RANDOM % (low - 20000)))
    "$tools/tansu" broker --listener-url "tcp://127.0.0.1:$candidate" \
        --advertised-listener-url "tcp://127.0.0.1:$candidate" >"$tools/tansu.log" 2>&1 </dev/null &
    tansu_pid=$!
    for _ in $(seq 300); do
        kill -0 "$tansu_pid" 2>/dev/null || break
        if (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
            port=$candidate
            break
        fi
        sleep 0.1
    done
    [ -n "$port" ] && break
    echo "Tansu did not come up on port $candidate (attempt $attempt); its log:" >&2
    cat "$tools/tansu.log" >&2
    kill "$tansu_pid" 2>/dev/null || true
    wait "$tansu_pid" 2>/dev/null || true
    tansu_pid=""
done
if [ -z "$port" ]; then
    echo "error: Tansu did not start; the real-broker suite cannot run" >&2
    exit 1
fi
echo "Tansu listening on 127.0.0.1:$port"
RELANCE_TEST_BROKER="127.0.0.1:$port" LD_LIBRARY_PATH="$PWD/$tools" \
    swift test --skip-build --no-parallel --filter RealBrokerTests
# The end-to-end scenario on Tansu: the same worker processes, the same checks.
LD_LIBRARY_PATH="$PWD/$tools" bash scripts/e2e.sh --bootstrap "127.0.0.1:$port"

# Secured Kafka for real: Tansu behind stunnel (TLS) with a CA made by the test; topics, the clock
# ticker, publish, tail and a worker through security.protocol=ssl; a wrong CA and a refused SASL
# login fail within seconds, saying why (docs/runtime.md, "Secured Kafka").
bash scripts/tls-test.sh

# The runtime image's userland: deploy/Dockerfile's runtime stage (Debian 13, librdkafka 2.8)
# replayed in a chroot, and the executables built above run there on a broker on loopback
# (docs/deploy.md). The first run fetches Debian from its mirror (72 s in all on a quiet machine,
# up to 3 min under load; 32 s once cached under .build/image-test/), and fails if the mirror
# cannot be reached.
bash scripts/image-test.sh
