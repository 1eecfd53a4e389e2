import BankStatements
import Foundation
import ProofValidatorService
import RelanceDomain
import RelanceEvents
import RelanceRuntime

// proof-validator: runtime configuration from RELANCE_* variables (docs/runtime.md); CSV
// column mappings from the JSON file named by RELANCE_CSV_MAPPINGS (added to the presets);
// RELANCE_PROOF_FEE_TOLERANCE_BP: a shortfall read as bank fees, in basis points (default 300).
let setup = WorkerSetup.start(
    worker: "proof-validator",
    summary: "judges proofs of payment, typed or read from camt, MT940 and CSV statements",
    settings: WorkerSettings.proofValidator, docs: "docs/proof-validator.md")
var worker = ProofValidatorWorker()
if let mappings = setup.jsonFile(ConfigurationFiles.csvMappings, as: [String: CSVStatementMapping].self) {
    worker.csvMappings.merge(mappings) { _, new in new }
}
if let points = setup.integer("RELANCE_PROOF_FEE_TOLERANCE_BP", in: 0...10_000, "basis points") {
    worker.validator.feeToleranceBasisPoints = Int64(points)
}
await setup.run(worker)
