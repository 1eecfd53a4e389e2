import Foundation
import ReconciliationService
import RelanceRuntime

// reconciliation: runtime configuration from RELANCE_* variables (docs/runtime.md);
// RELANCE_AUTO_RECONCILE: merchant ids whose accounts are reconciled after every change,
// comma-separated, or "*" for every merchant (none by default: the reconcile command only).
// RELANCE_INVOICE_WAIT_HOURS: how long a payment naming an invoice not read yet waits for it
// before it is a dead letter (24 by default).
if let code = WorkerHelp.answer(
    worker: "reconciliation",
    summary: "keeps unreconciled debits and credits, lists reconcilable accounts, allocates oldest first",
    settings: [
        Setting(
            "RELANCE_AUTO_RECONCILE", "(none)", "merchant ids reconciled after every change, comma-separated, or *"),
        Setting("RELANCE_INVOICE_WAIT_HOURS", "24", "how long a payment naming an invoice not read yet waits for it"),
    ], docs: "docs/reconciliation.md")
{
    exit(code)
}
let environment = ProcessInfo.processInfo.environment
let automatic = (environment["RELANCE_AUTO_RECONCILE"] ?? "")
    .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
var wait = ReconciliationWorker.defaultInvoiceWait
if let hours = environment["RELANCE_INVOICE_WAIT_HOURS"] {
    guard let value = Double(hours), value >= 0 else {
        FileHandle.standardError.write(
            Data("reconciliation: RELANCE_INVOICE_WAIT_HOURS=\(hours) is not a number of hours\n".utf8))
        exit(2)
    }
    wait = value * 3600
}
exit(await WorkerMain.run(ReconciliationWorker(automaticMerchants: Set(automatic), invoiceWait: wait)))
