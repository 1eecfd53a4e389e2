import Foundation
import ReconciliationService
import RelanceRuntime

// reconciliation: runtime configuration from RELANCE_* variables (docs/runtime.md);
// RELANCE_AUTO_RECONCILE: merchant ids whose accounts are reconciled after every change,
// comma-separated, or "*" for every merchant (none by default: the reconcile command only).
let automatic = (ProcessInfo.processInfo.environment["RELANCE_AUTO_RECONCILE"] ?? "")
    .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
exit(await WorkerMain.run(ReconciliationWorker(automaticMerchants: Set(automatic))))
