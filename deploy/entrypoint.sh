#!/bin/sh
# The image's entry point: the first argument names the executable (a worker, `relance` or `relance-console`).
set -e
case "$1" in
    relance|payment-retry|gateway-sandbox|reminder-mailer|card-expiry|proof-validator|reconciliation|prepaid|recovery-stats|relance-console)
        exec "/usr/local/bin/$@" ;;
    *)
        echo "usage: <relance|payment-retry|gateway-sandbox|reminder-mailer|card-expiry|proof-validator|reconciliation|prepaid|recovery-stats|relance-console> [arguments]" >&2
        exit 2 ;;
esac
