#!/usr/bin/env bash
# `relance demo --console`: the demo walks its 60 days with relance-console in the same process,
# prints the console's address and a password, and keeps it up. This signs in with that password
# (the CSRF token of the form, as a browser does), reads the failed transactions, and checks a
# demo story's customer is listed with the emails' words; then stops the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
swift build --product relance >/dev/null
bin="$(swift build --show-bin-path)"
work=$(mktemp -d)
port=$((18100 + RANDOM % 800))
"$bin/relance" demo --console --console-port "$port" --mail-dir "$work/mail" >"$work/demo.log" 2>&1 &
demo=$!
trap 'kill $demo 2>/dev/null || true; wait $demo 2>/dev/null || true' EXIT
for _ in $(seq 600); do grep -q "The console stays up" "$work/demo.log" && break; sleep 0.5; done
grep -q "The console stays up" "$work/demo.log" || { echo "FAIL the demo did not keep the console up"; tail -20 "$work/demo.log"; exit 1; }
grep -q "16 of 16 outcomes as expected" "$work/demo.log" || { echo "FAIL the demo's outcomes"; tail -30 "$work/demo.log"; exit 1; }
url="http://127.0.0.1:$port"
password=$(grep -o 'user demo, password [^)]*' "$work/demo.log" | tail -1 | sed 's/.*password //')
jar="$work/cookies"
csrf=$(curl -fs -c "$jar" -b "$jar" "$url/login" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//')
code=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" -H "Origin: $url" \
    --data-urlencode "csrf=$csrf" --data-urlencode user=demo --data-urlencode "password=$password" "$url/login")
[ "$code" = 303 ] || { echo "FAIL sign-in with the printed password answered $code"; exit 1; }
page=$(curl -fs -b "$jar" "$url/items?state=open&state=resolved&state=dismissed")
for expected in "Luc Martin" "carte expirée" "Imprimerie Lenoir"; do
    grep -q "$expected" <<<"$page" || { echo "FAIL the failed transactions do not show: $expected"; exit 1; }
done
echo "ok    relance demo --console: $url up after the walk, signed in with the printed password, the demo's failed transactions listed in French"
