#!/usr/bin/env bash
# reminder-mailer killed with SIGKILL mid-ladder while it delivers to a real SMTP server
# (aiosmtpd): every ladder email must arrive; duplicates are counted and explained.
#   bash scripts/mail-chaos.sh [--accounts N] [--kills K]      (defaults: 200 accounts, 10 kills)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
configuration=${RELANCE_CHAOS_CONFIGURATION:-debug}
swift build -c "$configuration" --product reminder-mailer >/dev/null
swift build -c "$configuration" --product relance-mail-chaos >/dev/null
"$(swift build -c "$configuration" --show-bin-path)/relance-mail-chaos" "$@" 2>&1 | grep -v '^%'
exit "${PIPESTATUS[0]}"
