#!/usr/bin/env bash
# A worker process killed with SIGKILL again and again while it works, then a count of what it
# produced (docs/runtime.md):
#   bash scripts/chaos.sh mail [--accounts N] [--kills K]   reminder-mailer mid-ladder, delivering
#                                                           to a real SMTP server (aiosmtpd)
#   bash scripts/chaos.sh card [--accounts N] [--kills K]   card-expiry around month boundaries
#   bash scripts/chaos.sh recovery [--accounts N] [--kills K]   recovery-stats' four stages while
#                                                           failures open and end
# Each exits 0 only when nothing is missing and nothing was decided (or counted) twice.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
case "${1:-}" in
    mail) worker=reminder-mailer ;;
    card) worker=card-expiry ;;
    recovery) worker=recovery-stats ;;
    *) echo "usage: $0 mail|card|recovery [--accounts N] [--kills K]" >&2; exit 2 ;;
esac
program="relance-$1-chaos"
shift
configuration=${RELANCE_CHAOS_CONFIGURATION:-debug}
swift build -c "$configuration" --product "$worker" >/dev/null
swift build -c "$configuration" --product "$program" >/dev/null
"$(swift build -c "$configuration" --show-bin-path)/$program" "$@" 2>&1 | grep -v '^%'
exit "${PIPESTATUS[0]}"
