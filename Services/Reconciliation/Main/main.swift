import Foundation
import ReconciliationService
import RelanceDomain
import RelanceEvents
import RelanceRuntime

// reconciliation: runtime configuration from RELANCE_* variables (docs/runtime.md);
// RELANCE_AUTO_RECONCILE: merchant ids whose accounts are reconciled after every change,
// comma-separated, or "*" for every merchant (none by default: the reconcile command only).
// RELANCE_INVOICE_WAIT_HOURS: how long a payment naming an invoice not read yet waits for it
// before it is a dead letter (24 by default).
let setup = WorkerSetup.start(
    worker: "reconciliation",
    summary: "keeps unreconciled debits and credits, lists reconcilable accounts, allocates oldest first",
    settings: WorkerSettings.reconciliation, docs: "docs/reconciliation.md")
let automatic = (setup.text("RELANCE_AUTO_RECONCILE") ?? "")
    .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
let wait =
    setup.number("RELANCE_INVOICE_WAIT_HOURS", in: 0...8760, "a number of hours").map { $0 * 3600 }
    ?? ReconciliationWorker.defaultInvoiceWait
await setup.run(ReconciliationWorker(automaticMerchants: Set(automatic), invoiceWait: wait))
