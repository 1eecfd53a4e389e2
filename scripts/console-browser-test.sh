#!/usr/bin/env bash
# relance-console in a real browser: librdkafka's mock cluster (relance dev-cluster), payment-retry,
# the gateway sandbox and reminder-mailer (mail to a folder), each in its own process, on simulated time (the clock set by
# `relance clock advance`), the console on plain http on localhost, and headless Chromium driven
# by Selenium (scripts/console-browser-test.py). Screenshots go to docs/console/.
#   bash scripts/console-browser-test.sh [--keep]    --keep: leave the processes up (Ctrl-C ends)
# Needs chromium, chromium-driver and selenium (scripts/setup.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
keep=false
if [ "${1:-}" = "--keep" ]; then keep=true; fi
command -v chromium >/dev/null && command -v chromedriver >/dev/null \
    || { echo "chromium and chromium-driver are needed: bash scripts/setup.sh"; exit 1; }
python3 -c 'import selenium' 2>/dev/null || { echo "selenium is needed: python3 -m pip install selenium"; exit 1; }
for product in relance payment-retry gateway-sandbox reminder-mailer recovery-stats reconciliation proof-validator \
    relance-console; do swift build --product "$product" >/dev/null; done
bin="$(swift build --show-bin-path)"
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

"$bin/relance" dev-cluster --brokers 1 --partitions 2 --bootstrap-file "$work/bootstrap" >"$work/broker.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done
[ -s "$work/bootstrap" ] || { echo "the broker did not start"; cat "$work/broker.log"; exit 1; }
bootstrap=$(cat "$work/bootstrap")
export RELANCE_KAFKA_BOOTSTRAP="$bootstrap"

# The console's key: its public half is in the workers' key set; the claims of each command are
# the signed-in user's (docs/console.md).
"$bin/relance" keys generate --kid console --subject relance-console --roles owner --merchants '*' \
    --out "$work/console.key.json" --jwks "$work/command-keys.json" >/dev/null 2>&1

# Users: an owner and a billing user of m-1, an owner of m-2, an admin of every merchant who may
# replay dead letters, an owner of m-1 who may reconcile.
password="browser-test-password"
hash=$(printf '%s\n' "$password" | "$bin/relance-console" hash-password --log-n 12)
cat >"$work/users.json" <<JSON
{
  "merchants": {
    "m-1": {"name": "Camping des Pins", "timeZone": "Europe/Paris"},
    "m-2": {"name": "Other Merchant", "timeZone": "America/New_York"}
  },
  "users": [
    {"user": "olivia", "name": "Olivia Owner", "passwordHash": "$hash", "roles": ["owner"], "merchants": ["m-1"], "language": "en"},
    {"user": "bruno", "name": "Bruno Billing", "passwordHash": "$hash", "roles": ["billing"], "merchants": ["m-1"], "language": "fr"},
    {"user": "mia", "passwordHash": "$hash", "roles": ["owner"], "merchants": ["m-2"]},
    {"user": "ada", "name": "Ada Admin", "passwordHash": "$hash", "roles": ["admin", "dead-letter-replay"], "merchants": ["*"], "language": "en"},
    {"user": "rita", "name": "Rita Reconciles", "passwordHash": "$hash", "roles": ["owner", "manage_reconciliations"], "merchants": ["m-1"], "language": "en"}
  ]
}
JSON

# Simulated time: 1 October 2026, before any worker starts.
"$bin/relance" clock advance --to 2026-10-01T08:00:00Z >/dev/null
# m-1's dunning policy, read by reminder-mailer and the console alike: the last step suspends.
printf '{"merchants": {"m-1": {"finalAction": "suspend"}}}\n' >"$work/dunning_policies.json"
export RELANCE_DUNNING_POLICIES="$work/dunning_policies.json"
mkdir -p "$work/mail"
base=$((19500 + (RANDOM % 40) * 10))
port=$base
for worker in payment-retry gateway-sandbox reminder-mailer recovery-stats reconciliation proof-validator; do
    port=$((port + 1))
    RELANCE_HTTP_PORT="$port" RELANCE_INSTANCE_ID="browser-$worker" RELANCE_SESSION_TIMEOUT_MS=6000 \
        RELANCE_BATCH_MAX_MS=10 RELANCE_KAFKA_PROP_FETCH_WAIT_MAX_MS=10 RELANCE_ABORTED_RECORDS_VISIBLE=true \
        RELANCE_LOG_LEVEL=warning RELANCE_COMMAND_KEYS="$work/command-keys.json" RELANCE_MAIL_DIR="$work/mail" \
        "$bin/$worker" >"$work/$worker.log" 2>&1 &
    pids+=($!)
done

# Failed payments: three of m-1 (a card installment, a SEPA subscription, a card refund), one of m-2.
event() {  # id account merchant payment type method code scheme amount customer
    printf '{"eventId":"%s","type":"payment.failed","schemaVersion":1,"occurredAt":"2026-10-01T07:30:00Z","accountId":"%s","merchantId":"%s","data":{"paymentId":"%s","invoiceId":"inv-%s","invoiceDate":"2026-09-30","transactionType":"%s","paymentMethod":"%s","amount":%s,"currency":"EUR","declineCode":"%s","declineScheme":"%s","customerName":"%s"}}\n' \
        "$1" "$2" "$3" "$4" "$4" "$5" "$6" "$9" "$7" "$8" "${10}"
}
{
    event f1 acct-1 m-1 p-card installment card insufficient_funds stripe 4900 "Camille Martin"
    event f2 acct-2 m-1 p-sepa subscription sepa_debit AM04 sepa 123456 "Jean Dupont"
    event f3 acct-3 m-1 p-refund refund card insufficient_funds stripe 2500 "Lucie Bernard"
    event f4 acct-9 m-2 q-other installment card insufficient_funds stripe 9900 "Someone Else"
} >"$work/failed.jsonl"
"$bin/relance" publish "$work/failed.jsonl" >/dev/null
# Signed with the console's key (owner of every merchant): a price change of acct-1's plan, which
# payment-retry publishes pending with the customer's confirmation deadline (the plans page), and
# a change of payment method without the method, which payment-retry refuses to the dead-letter
# topic (missing_payment_method: the dead-letter page). `relance publish` sends only events that
# follow their schema, so the dead letter is one the worker's own rules make.
{
    printf '{"eventId":"pu-1","type":"plan.price-update-requested","schemaVersion":1,"occurredAt":"2026-10-01T07:40:00Z","accountId":"acct-1","merchantId":"m-1","data":{"planId":"plan-acct-1","currency":"EUR","currentAmount":4900,"newAmount":5900,"currentInterval":"month","newInterval":"month","nextBillingDate":"2026-11-01"}}\n'
    printf '{"eventId":"cmd-bad","type":"payment.command","schemaVersion":1,"occurredAt":"2026-10-01T07:40:00Z","accountId":"acct-1","merchantId":"m-1","data":{"command":"change_payment_method","paymentId":"p-card"}}\n'
} >"$work/signed.jsonl"
"$bin/relance" publish --key "$work/console.key.json" "$work/signed.jsonl" >/dev/null

# Accounts (scripts/console_browser_acct.py): names, invoices (acct-1's first overdue since
# 20 September: reminder-mailer decides its first two notices, which wait for recipients), a
# transfer of 40.00 EUR that reconciliation allocates to it (partially paid, 80.00 open),
# expiring cards as card-expiry writes them.
acct() {  # type account merchant data
    printf '{"eventId":"%s","type":"%s","schemaVersion":1,"occurredAt":"2026-10-01T07:40:00Z","accountId":"%s","merchantId":"%s","data":%s}\n' \
        "acct-$RANDOM$RANDOM" "$1" "$2" "$3" "$4"
}
{
    acct account.profile-updated acct-1 m-1 '{"customerName":"Camille Martin","locale":"en"}'
    acct account.profile-updated acct-2 m-1 '{"customerName":"Jean Dupont","locale":"fr"}'
    acct invoice.issued acct-1 m-1 '{"invoiceId":"inv-A","number":"F-2026-0042","amount":12000,"currency":"EUR","issuedOn":"2026-09-01","dueOn":"2026-09-20"}'
    acct invoice.issued acct-1 m-1 '{"invoiceId":"inv-B","number":"F-2026-0057","amount":4900,"currency":"EUR","issuedOn":"2026-09-30","dueOn":"2026-10-31"}'
    acct payment.received acct-1 m-1 '{"paymentId":"pay-A1","amount":4000,"currency":"EUR","receivedOn":"2026-09-25","invoiceId":"inv-A"}'
    acct invoice.issued acct-2 m-1 '{"invoiceId":"inv-C","number":"F-2026-0049","amount":123456,"currency":"EUR","issuedOn":"2026-09-10","dueOn":"2026-09-28"}'
    acct invoice.issued acct-9 m-2 '{"invoiceId":"inv-Z","number":"Z-1","amount":9900,"currency":"EUR","issuedOn":"2026-09-01","dueOn":"2026-09-10"}'
    acct expiring-card.updated acct-1 m-1 '{"cardId":"card-1","brand":"visa","last4":"4242","expMonth":11,"expYear":2026,"listed":true,"schedules":["sch-installment-3"]}'
    acct expiring-card.updated acct-2 m-1 '{"cardId":"card-2","brand":"mastercard","last4":"5454","expMonth":10,"expYear":2026,"listed":true,"schedules":["sch-sub-monthly","sch-addon"]}'
    acct expiring-card.updated acct-9 m-2 '{"cardId":"card-9","brand":"amex","last4":"0005","expMonth":10,"expYear":2026,"listed":true,"schedules":["sch-z"]}'
} >"$work/accounts.jsonl"
"$bin/relance" publish "$work/accounts.jsonl" >/dev/null

# Reconciliation and proofs (scripts/console_browser_recon.py): acct-rec of m-1 has an open
# invoice and an unapplied credit note of the same amount (reconcilable, zero balance); acct-proof
# owes invoice F-2026-0201 of 490.00 EUR, to be paid into the merchant's IBAN it names, which the
# camt.053 of scripts/fixtures proves.
cat >"$work/ledger.jsonl" <<'JSONL'
{"eventId":"i-rec","type":"invoice.issued","schemaVersion":1,"occurredAt":"2026-09-01T09:00:00Z","accountId":"acct-rec","merchantId":"m-1","data":{"invoiceId":"inv-rec","number":"F-2026-0105","amount":12000,"currency":"EUR","issuedOn":"2026-09-01","dueOn":"2026-09-30"}}
{"eventId":"cn-rec","type":"credit-note.issued","schemaVersion":1,"occurredAt":"2026-09-12T09:00:00Z","accountId":"acct-rec","merchantId":"m-1","data":{"creditNoteId":"cn-rec","amount":12000,"currency":"EUR","issuedOn":"2026-09-12","number":"AV-2026-0012","invoiceId":"inv-rec"}}
{"eventId":"i-201","type":"invoice.issued","schemaVersion":1,"occurredAt":"2026-09-14T09:00:00Z","accountId":"acct-proof","merchantId":"m-1","data":{"invoiceId":"inv-201","number":"F-2026-0201","amount":49000,"currency":"EUR","issuedOn":"2026-09-14","dueOn":"2026-10-14","payeeName":"Camping des Pins SARL","payeeAccount":"FR76 3000 4000 0312 3456 7890 143"}}
JSONL
"$bin/relance" publish "$work/ledger.jsonl" >/dev/null

console_port=$((base + 9))
RELANCE_CONSOLE_PORT="$console_port" RELANCE_CONSOLE_HOST=127.0.0.1 RELANCE_CONSOLE_USERS="$work/users.json" \
    RELANCE_CONSOLE_SIGNING_KEY="$work/console.key.json" RELANCE_CONSOLE_SECURE_COOKIES=false \
    RELANCE_LOG_LEVEL=info "$bin/relance-console" >"$work/console.log" 2>&1 &
pids+=($!)
url="http://127.0.0.1:$console_port"
for _ in $(seq 150); do curl -fs "$url/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "$url/healthz" >/dev/null || { echo "the console did not start"; cat "$work/console.log"; exit 1; }
echo "console: $url (users olivia, bruno, mia, ada; password $password)"

status=0
python3 scripts/console-browser-test.py --url "$url" --password "$password" --screenshots docs/console \
    --expect-rows 3 || status=$?
if [ "$status" -ne 0 ]; then
    for log in console payment-retry gateway-sandbox reminder-mailer recovery-stats reconciliation proof-validator; do
        echo "--- $log (last lines)"
        grep -v '^%' "$work/$log.log" | tail -8
    done
fi
if $keep; then
    echo "kept up; Ctrl-C ends"
    wait
fi
exit "$status"
