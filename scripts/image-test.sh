#!/usr/bin/env bash
# The runtime image's userland, checked without a container engine (docs/deploy.md, "The image
# checked here"). The runtime stage of deploy/Dockerfile is read and replayed in a chroot:
#   FROM debian:<suite>-slim   debootstrap --variant=minbase <suite> from Debian's mirror, cached
#                              under .build/image-test/ (rebuilt when the stage's RUN lines change)
#   RUN …                      run as written inside the chroot (apt-get, useradd)
#   COPY --from=build /out/ …  the executables this machine built (every --product of the build
#                              stage), with the Swift runtime they link (a debug build links it
#                              dynamically; the image links it statically)
#   COPY <file> …, ENV, USER, ENTRYPOINT   as Docker would apply them
# Then, in the chroot, as the image's user and through its entry point: librdkafka's mock cluster
# (relance dev-cluster), every worker, and `relance demo --bootstrap`, which publishes the seed
# stories and checks every outcome; every worker must link the image's librdkafka (ldd, and the
# library mapped into the running process), write JSON lines only, and exit 0 on SIGTERM.
#   bash scripts/image-test.sh
#   RELANCE_DEBIAN_MIRROR=http://… bash scripts/image-test.sh     another Debian mirror
# Needs root (chroot, mount) and debootstrap (scripts/setup.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
started=$SECONDS
mirror="${RELANCE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${RELANCE_DEBIAN_SECURITY_MIRROR:-${mirror%/debian}/debian-security}"
cache=".build/image-test"
say() { echo "image-test: $*"; }
fail() { echo "image-test: FAILED: $*" >&2; exit 1; }
checked=0
ok() { checked=$((checked + 1)); echo "  ok  [$((SECONDS - started)) s] $*"; }

[ "$(id -u)" = 0 ] || fail "needs root (chroot, mount /proc)"
command -v debootstrap >/dev/null || fail "debootstrap is not installed (bash scripts/setup.sh)"

# --- 1. The runtime stage of deploy/Dockerfile -------------------------------------------------
# One instruction a line (continuations joined, comments dropped), from the last FROM on.
stage=$(/usr/bin/python3 - deploy/Dockerfile <<'EOF'
import json, re, shlex, sys
lines, current = [], ""
for raw in open(sys.argv[1], encoding="utf-8"):
    line = raw.rstrip("\n")
    if not current and (not line.strip() or line.lstrip().startswith("#")):
        continue
    if line.endswith("\\"):
        current += line[:-1] + " "
        continue
    current += line
    lines.append(current.strip())
    current = ""
froms = [i for i, l in enumerate(lines) if l.upper().startswith("FROM ")]
builds = [l.split()[1] for l in lines if l.upper().startswith("FROM ")]
print("build-image", builds[0] if len(builds) > 1 else "")
for line in lines[froms[-1]:]:
    word, _, rest = line.partition(" ")
    word = word.upper()
    if word == "FROM":
        print("from", rest.split()[0])
    elif word == "RUN":
        print("run", json.dumps(rest))
    elif word == "COPY":
        args = rest.split()
        if args[0] == "--from=build":
            print("copy-build", args[2])
        elif not args[0].startswith("--") and len(args) == 2:
            print("copy", args[0], args[1])
        else:
            sys.exit("unsupported COPY: " + line)
    elif word == "ENV":
        for pair in shlex.split(rest):
            print("env", pair)
    elif word == "USER":
        print("user", rest.strip())
    elif word == "ENTRYPOINT":
        print("entrypoint", json.loads(rest)[0])
    elif word in ("EXPOSE", "CMD", "LABEL"):
        continue
    else:
        sys.exit("image-test.sh does not know how to replay: " + line)
EOF
) || fail "could not read the runtime stage of deploy/Dockerfile"
field() { awk -v k="$1" '$1 == k { sub("^[^ ]+ ", ""); print }' <<<"$stage"; }
image=$(field from)
build_image=$(field build-image)
user=$(field user)
entrypoint=$(field entrypoint)
[[ "$image" =~ ^debian:([a-z]+)(-slim)?$ ]] || fail "the runtime stage is FROM $image; this test replays debian:<suite>[-slim] only"
suite=${BASH_REMATCH[1]}
products=$(grep -o -- '--product [a-z-]*' deploy/Dockerfile | awk '{print $2}')
[ -n "$products" ] && [ -n "$user" ] && [ -n "$entrypoint" ] || fail "no products, USER or ENTRYPOINT in deploy/Dockerfile"
say "runtime stage FROM $image (Debian $suite); build stage FROM $build_image; user $user; entry point $entrypoint"

# --- 2. The root: debootstrap and the stage's RUN lines, cached -------------------------------
# A root is reused while the suite and the RUN lines are those it was made with (and this step's
# recipe, versioned by hand: bump "root-2" after changing how a root is made).
key=$(printf '%s\n' root-2 "$suite" "$(field run)" | sha256sum | cut -c1-12)
root="$PWD/$cache/$suite-$key"
release_root() {  # unmount what a run left mounted in a root, then it can be removed
    if mountpoint -q "$1/proc" 2>/dev/null; then umount "$1/proc" || umount -l "$1/proc"; fi
}
for old in "$cache"/*/; do
    [ -d "$old" ] && [ "${old%/}" != "$cache/$suite-$key" ] && [ "${old%/}" != "$cache/failed-run" ] || continue
    release_root "${old%/}"
    say "removing the outdated root ${old%/}"
    rm -rf --one-file-system "${old%/}"
done
mkdir -p "$cache"
if [ ! -e "$root/.image-test-ready" ]; then
    release_root "$root"
    rm -rf --one-file-system "$root"
    t0=$SECONDS
    # The mirror is the network's part of this test: each try is bounded, a failure is retried,
    # and after three the test fails (a test that could not build its userland has not passed).
    # First a quick look, so that an unreachable mirror fails in a minute, not after debootstrap's tries.
    wget -q --timeout=20 --tries=3 -O /dev/null "$mirror/dists/$suite/InRelease" \
        || fail "Debian's mirror $mirror does not answer for $suite (dists/$suite/InRelease): the image's userland cannot be made, so it is not checked (RELANCE_DEBIAN_MIRROR names another mirror)"
    for attempt in 1 2 3; do
        rm -rf --one-file-system "$root.partial"
        if timeout 600 debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
            "$suite" "$root.partial" "$mirror" >"$cache/debootstrap.log" 2>&1; then
            break
        fi
        echo "image-test: debootstrap $suite from $mirror failed (attempt $attempt of 3); last lines:" >&2
        tail -5 "$cache/debootstrap.log" >&2
        [ "$attempt" = 3 ] && fail "could not debootstrap Debian $suite from $mirror (the mirror unreachable?); full log: $cache/debootstrap.log"
        sleep $((attempt * 10))
    done
    say "debootstrap $suite (minbase): $((SECONDS - t0)) s"
    rm -f "$root.partial"/var/cache/apt/archives/*.deb  # as in Debian's images
    # The sources of Debian's container images: the release, its updates and security.
    rm -f "$root.partial/etc/apt/sources.list"
    cat >"$root.partial/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security_mirror
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    printf 'Acquire::Retries "5";\nAcquire::http::Timeout "30";\n' >"$root.partial/etc/apt/apt.conf.d/80image-test-network"
    cp /etc/resolv.conf "$root.partial/etc/resolv.conf"
    t0=$SECONDS
    while IFS= read -r command; do
        command=$(/usr/bin/python3 -c 'import json, sys; print(json.loads(sys.argv[1]))' "$command")
        say "RUN $command"
        for attempt in 1 2 3; do
            if timeout 600 chroot "$root.partial" /usr/bin/env -i HOME=/root \
                PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/sh -c "$command" \
                </dev/null >"$cache/run.log" 2>&1; then
                break
            fi
            echo "image-test: RUN failed (attempt $attempt of 3); last lines:" >&2
            tail -5 "$cache/run.log" >&2
            [ "$attempt" = 3 ] && fail "the runtime stage's RUN failed in the $suite root; log: $cache/run.log"
            sleep $((attempt * 10))
        done
    done < <(field run)
    say "the stage's RUN lines: $((SECONDS - t0)) s"
    touch "$root.partial/.image-test-ready"
    mv "$root.partial" "$root"
else
    say "reusing the $suite root $root"
fi

# --- 3. This machine's executables in the root -------------------------------------------------
# Built already after scripts/test.sh's earlier steps: then one no-op build (a few seconds).
swift build >/dev/null
bin="$(swift build --show-bin-path)"
destination=$(field copy-build)
runtime_dir=/opt/image-test/swift-runtime  # not in the image: it links the Swift runtime statically
rm -rf "$root/opt/image-test" "$root/run/image-test" "$root/run/image-test.libraries"
mkdir -p "$root$runtime_dir" "$root$destination"
for product in $products; do
    install -m 0755 "$bin/$product" "$root$destination/$product"
    # The libraries of the Swift toolchain it links (a debug build): those and nothing else.
    ldd "$bin/$product" | awk '$3 ~ "^/opt/swift/" { print $3 }' | while read -r library; do
        cp -n "$library" "$root$runtime_dir/"
    done
done
while read -r source target; do
    install -m 0755 "$source" "$root$target"
done < <(field copy)
say "copied $(wc -w <<<"$products") executables from $bin and $(ls "$root$runtime_dir" | wc -l) Swift runtime libraries"

# A process that has exited stays a zombie until waited for, and kill -0 still reaches it.
alive() {
    local state
    state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || true
    [ -n "$state" ] && [ "$state" != Z ]
}
mount -t proc proc "$root/proc"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    release_root "$root"
}
trap cleanup EXIT

# The environment a container of the image gets: ENV lines, PATH, HOME of the user.
uid=$(chroot "$root" id -u "$user") && gid=$(chroot "$root" id -g "$user") || fail "no user $user in the root"
home=$(chroot "$root" getent passwd "$user" | cut -d: -f6)
environment=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$home" LD_LIBRARY_PATH="$runtime_dir")
while read -r pair; do environment+=("$pair"); done < <(field env)
# in_image [VAR=value …] COMMAND …: as the image's user, through its entry point. It replaces the
# shell it runs in: call it in a subshell, `(in_image …)`, or in the background, where the pid is
# then the program's own (chroot, env and the entry point exec in turn).
in_image() {
    local vars=()
    while [[ "${1:-}" == *=* ]]; do vars+=("$1"); shift; done
    exec chroot --userspec="$uid:$gid" --groups="$gid" "$root" /usr/bin/env -i "${environment[@]}" "${vars[@]}" \
        "$entrypoint" "$@"
}
work=/run/image-test  # inside the root
mkdir -p "$root$work"

# --- 4. The checks -----------------------------------------------------------------------------
echo "Checks in the $suite root ($image):"
glibc=$(chroot "$root" dpkg-query -W -f '${Version}' libc6)
rdkafka=$(chroot "$root" dpkg-query -W -f '${Version}' librdkafka1)
host_rdkafka=$(dpkg-query -W -f '${Version}' librdkafka1 2>/dev/null || echo none)
ok "the image's packages: libc6 $glibc, librdkafka1 $rdkafka (this machine's: $host_rdkafka)"
# librdkafka ≥ 2.4: past the main thread's spin before each timer (docs/brokers.md).
chroot "$root" dpkg --compare-versions "$rdkafka" ge 2.4 || fail "librdkafka $rdkafka in the image: < 2.4 (docs/brokers.md)"
ok "librdkafka $rdkafka ≥ 2.4"
needed=$(for product in $products; do objdump -T "$bin/$product"; done | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
chroot "$root" dpkg --compare-versions "${glibc%%-*}" ge "${needed#GLIBC_}" \
    || fail "the executables need $needed, the image has glibc $glibc"
ok "the executables (built on $(. /etc/os-release && echo "$PRETTY_NAME"), glibc $(ldd --version | head -1 | awk '{print $NF}')) need $needed at most; the image has ${glibc%%-*}"
library=$(chroot "$root" /usr/bin/env LD_LIBRARY_PATH="$runtime_dir" ldd "$destination/payment-retry" | awk '$1 == "librdkafka.so.1" { print $3 }')
for product in $products; do
    links=$(chroot "$root" /usr/bin/env LD_LIBRARY_PATH="$runtime_dir" ldd "$destination/$product")
    if grep -q 'not found' <<<"$links"; then echo "$links" >&2; fail "$product: a library is missing in the image"; fi
    [ "$(awk '$1 == "librdkafka.so.1" { print $3 }' <<<"$links")" = "$library" ] || fail "$product does not link $library"
    awk '$3 ~ "^/" && $3 !~ "^/opt/image-test/" { print $3 }' <<<"$links" >>"$root/run/image-test.libraries"
done
# Outside /opt/image-test (the Swift runtime, linked statically in the image), every library is
# one of the image's packages (dpkg knows a file by its /usr path or by the /lib one).
orphans=$(sort -u "$root/run/image-test.libraries" | chroot "$root" /bin/sh -c '
    while read -r file; do
        dpkg -S "$(readlink -f "$file")" >/dev/null 2>&1 || dpkg -S "$file" >/dev/null 2>&1 || echo "$file"
    done')
rm -f "$root/run/image-test.libraries"
[ -z "$orphans" ] || fail "the executables link libraries that no package of the image holds: $orphans"
owner=$(chroot "$root" dpkg -S "$(chroot "$root" readlink -f "$library")" | cut -d: -f1)
ok "ldd in the root: every executable resolves all its libraries; librdkafka.so.1 => $library ($owner $rdkafka)"

# Every product but the relance command and the console (checked on its own below) is a worker.
workers=$(tr ' ' '\n' <<<"$products" | grep -vx -e relance -e relance-console)
declare -A worker_pid
# The cluster and every worker in the root, checked as they start.
start() {
    rm -rf "${root:?}$work"/* && mkdir -p "$root$work/mail" && chown -R "$uid:$gid" "$root$work"
    base=$((21000 + (RANDOM % 90) * 10))
    in_image relance dev-cluster --brokers 3 --partitions 4 --bootstrap-file "$work/bootstrap" \
        >"$root$work/dev-cluster.out" 2>"$root$work/dev-cluster.err" &
    cluster_pid=$!
    pids+=("$cluster_pid")
    for _ in $(seq 150); do [ -s "$root$work/bootstrap" ] && break; alive "$cluster_pid" || break; sleep 0.1; done
    [ -s "$root$work/bootstrap" ] || { cat "$root$work"/dev-cluster.*; fail "relance dev-cluster did not start in the root"; }
    bootstrap=$(cat "$root$work/bootstrap")
    ok "relance dev-cluster (librdkafka $rdkafka's mock cluster) in the root, as $user: $bootstrap"

    (in_image relance keys generate --kid image-test --subject image-test-owner \
        --roles owner,admin,billing,manage_reconciliations,billing-platform,dead-letter-replay \
        --merchants m-demo,m-pro --out "$work/key.json" --jwks "$work/command-keys.json" >/dev/null 2>&1) \
        || fail "relance keys generate"
    (in_image relance demo --write-policies "$work/policies") || fail "relance demo --write-policies"
    metrics=()
    local port=$base
    local -a debug
    for worker in $workers; do
        port=$((port + 1))
        # payment-retry with librdkafka's generic debug lines: they name the library's version.
        debug=(RELANCE_LOG_LEVEL=info)
        if [ "$worker" = payment-retry ]; then debug=(RELANCE_KAFKA_PROP_DEBUG=generic RELANCE_LOG_LEVEL=debug); fi
        in_image RELANCE_KAFKA_BOOTSTRAP="$bootstrap" RELANCE_HTTP_PORT="$port" RELANCE_INSTANCE_ID="image-$worker" \
            RELANCE_SESSION_TIMEOUT_MS=6000 RELANCE_BATCH_MAX_MS=10 RELANCE_KAFKA_PROP_FETCH_WAIT_MAX_MS=10 \
            RELANCE_ABORTED_RECORDS_VISIBLE=true RELANCE_MAIL_DIR="$work/mail" \
            RELANCE_COMMAND_KEYS="$work/command-keys.json" RELANCE_RETRY_POLICIES="$work/policies/retry_policies.json" \
            RELANCE_DUNNING_POLICIES="$work/policies/dunning_policies.json" "${debug[@]}" \
            "$worker" >"$root$work/$worker.out" 2>"$root$work/$worker.err" &
        worker_pid[$worker]=$!
        pids+=($!)
        metrics+=(--metrics "$worker=127.0.0.1:$port")
    done
    sleep 1
    for worker in $workers; do
        pid=${worker_pid[$worker]}
        alive "$pid" || { cat "$root$work/$worker".*; fail "$worker exited at start-up"; }
        [ "$(readlink "/proc/$pid/root")" = "$(readlink -f "$root")" ] || fail "$worker (pid $pid) does not run in the root"
        # The library mapped into the running process (the kernel names it by its path on this machine).
        mapped=$(awk '$6 ~ /librdkafka/ { print $6 }' "/proc/$pid/maps" | sort -u)
        [ "$mapped" = "$(readlink -f "$root")$(chroot "$root" readlink -f "$library")" ] \
            || fail "$worker maps '$mapped', not the image's librdkafka"
        [ "$(stat -c %u "/proc/$pid")" = "$uid" ] || fail "$worker does not run as $user"
    done
    ok "$(wc -w <<<"$workers") workers running in the root as $user (uid $uid), each with $(chroot "$root" readlink -f "$library") mapped"
}

start
if ! (in_image relance demo --bootstrap "$bootstrap" --key "$work/key.json" "${metrics[@]}" --mail-dir "$work/mail" \
    >"$root$work/demo.log" 2>&1); then
    cat "$root$work/demo.log" 2>/dev/null || true
    port=$base
    for worker in $workers; do
        port=$((port + 1))
        echo "--- $worker: last lines, then what its /metrics says of its progress"
        tail -n 5 "$root$work/$worker.out" "$root$work/$worker.err" | cut -c1-400
        curl -s --max-time 5 "http://127.0.0.1:$port/metrics" \
            | grep -E '^relance_(events_in_total|clock_seconds|assigned_partitions|emails_)' || true
    done
    rm -rf "$cache/failed-run" && cp -a "$root$work" "$cache/failed-run"
    echo "image-test: the logs of this run are kept in $cache/failed-run" >&2
    fail "relance demo --bootstrap in the root: an outcome was not reached"
fi
tail -3 "$root$work/demo.log" | sed 's/^/      /'
ok "relance demo --bootstrap in the root: the seed stories published, every outcome reached ($(ls "$root$work/mail" | wc -l) emails)"

# relance-console in the root, on the demo's cluster: a users file with a hash it made, the demo's
# key; ready once it has read the action centre, its sign-in page served, exit 0 on SIGTERM.
if grep -qx relance-console <<<"$(tr ' ' '\n' <<<"$products")"; then
    hash=$(printf 'image-test\n' | (in_image relance-console hash-password --log-n 10)) || fail "relance-console hash-password"
    printf '{"users": [{"user": "image-test", "passwordHash": "%s", "roles": ["owner"], "merchants": ["m-demo"]}]}\n' \
        "$hash" >"$root$work/console-users.json"
    chown "$uid:$gid" "$root$work/console-users.json"
    console_port=$((base + 50))
    in_image RELANCE_KAFKA_BOOTSTRAP="$bootstrap" RELANCE_CONSOLE_HOST=127.0.0.1 RELANCE_CONSOLE_PORT="$console_port" \
        RELANCE_CONSOLE_USERS="$work/console-users.json" RELANCE_CONSOLE_SIGNING_KEY="$work/key.json" \
        relance-console >"$root$work/relance-console.out" 2>"$root$work/relance-console.err" &
    console_pid=$!
    pids+=("$console_pid")
    for _ in $(seq 300); do
        curl -fs --max-time 2 "http://127.0.0.1:$console_port/healthz" >/dev/null 2>&1 && break
        alive "$console_pid" || break
        sleep 0.1
    done
    curl -fs --max-time 5 "http://127.0.0.1:$console_port/healthz" >/dev/null \
        || { cat "$root$work"/relance-console.*; fail "relance-console did not become ready in the root"; }
    curl -fs --max-time 5 "http://127.0.0.1:$console_port/login" | grep -q 'id="sign-in"' \
        || fail "relance-console's sign-in page"
    kill -TERM "$console_pid"
    status=0
    wait "$console_pid" || status=$?
    [ "$status" = 0 ] || { cat "$root$work"/relance-console.*; fail "relance-console exited $status after SIGTERM"; }
    ok "relance-console in the root: ready once the action centre was read, its sign-in page served, exit 0 on SIGTERM"
fi

for worker in $workers; do kill -TERM "${worker_pid[$worker]}"; done
for worker in $workers; do
    pid=${worker_pid[$worker]}
    status=0
    # The workers' shutdown deadline is 30 s (RELANCE_SHUTDOWN_SECONDS); wait a little longer.
    for _ in $(seq 400); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && { kill -KILL "$pid"; fail "$worker still running 40 s after SIGTERM"; }
    wait "$pid" || status=$?
    [ "$status" = 0 ] || { tail -n 5 "$root$work/$worker".*; fail "$worker exited $status after SIGTERM"; }
done
ok "SIGTERM: every worker exited 0"

# Every line each worker wrote, on stdout and stderr, is one JSON object with ts, level and msg.
# payment-retry's librdkafka lines, which came through swift-log, name the version it runs on.
/usr/bin/python3 - "$root$work" "${rdkafka%-*}" "$((SECONDS - started))" $workers <<'EOF' || fail "the workers' logs (above)"
import json, re, sys
folder, expected, elapsed, workers = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
total = 0
versions = set()
for worker in workers:
    lines = 0
    for stream in ("out", "err"):
        for number, line in enumerate(open(f"{folder}/{worker}.{stream}", encoding="utf-8"), 1):
            try:
                record = json.loads(line)
            except ValueError:
                sys.exit(f"{worker} std{stream} line {number} is not JSON: {line[:200]!r}")
            if not isinstance(record, dict) or not {"ts", "level", "msg"} <= record.keys():
                sys.exit(f"{worker} std{stream} line {number} lacks ts, level or msg: {line[:200]!r}")
            lines += 1
            if worker == "payment-retry":
                versions.update(re.findall(r"librdkafka v(\d+\.\d+\.\d+)", str(record["msg"])))
    if lines == 0:
        sys.exit(f"{worker} wrote no log line at all")
    total += lines
print(f"  ok  [{elapsed} s] JSON lines: all {total} lines of the {len(workers)} workers' stdout and stderr parse, each with ts, level and msg")
if versions != {expected}:
    sys.exit(f"payment-retry's librdkafka lines name version(s) {sorted(versions)}, not {expected}")
print(f"  ok  [{elapsed} s] payment-retry's own log (librdkafka's debug lines as JSON): librdkafka v{expected} at run time")
EOF
checked=$((checked + 2))

kill -TERM "$cluster_pid"
status=0
wait "$cluster_pid" || status=$?
[ "$status" = 0 ] || fail "relance dev-cluster exited $status after SIGTERM"
ok "relance dev-cluster exited 0 after SIGTERM"
pids=()
echo "image-test: all $checked checks held ($((SECONDS - started)) s)"
