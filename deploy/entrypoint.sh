#!/bin/sh
# The image's entry point: the first argument names the executable (a worker or `relance`).
set -e
case "$1" in
    relance|payment-retry|gateway-sandbox|reminder-mailer|card-expiry|proof-validator|reconciliation|prepaid|recovery-stats)
        exec "/usr/local/bin/$@" ;;
    *)
        echo "usage: <relance|payment-retry|gateway-sandbox|reminder-mailer|card-expiry|proof-validator|reconciliation|prepaid|recovery-stats> [arguments]" >&2
        exit 2 ;;
esac
