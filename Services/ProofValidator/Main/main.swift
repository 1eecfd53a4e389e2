import BankStatements
import Foundation
import ProofValidatorService
import RelanceDomain
import RelanceRuntime

// proof-validator: runtime configuration from RELANCE_* variables (docs/runtime.md); CSV
// column mappings from the JSON file named by RELANCE_CSV_MAPPINGS (added to the presets);
// RELANCE_PROOF_FEE_TOLERANCE_BP: a shortfall read as bank fees, in basis points (default 300).
if let code = WorkerHelp.answer(
    worker: "proof-validator",
    summary: "judges proofs of payment, typed or read from camt, MT940 and CSV statements",
    settings: [
        Setting("RELANCE_CSV_MAPPINGS", "(presets)", "JSON file of CSV column mappings, added to the presets"),
        Setting("RELANCE_PROOF_FEE_TOLERANCE_BP", "300", "a shortfall read as bank fees, in basis points"),
    ], docs: "docs/proof-validator.md")
{
    exit(code)
}
let environment = ProcessInfo.processInfo.environment
var worker = ProofValidatorWorker()
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("proof-validator: \(message)\n".utf8))
    exit(2)
}
if let path = environment["RELANCE_CSV_MAPPINGS"] {
    do {
        let mappings = try JSONDecoder().decode(
            [String: CSVStatementMapping].self, from: try Data(contentsOf: URL(fileURLWithPath: path)))
        worker.csvMappings.merge(mappings) { _, new in new }
    } catch {
        fail("RELANCE_CSV_MAPPINGS=\(path): \(error)")
    }
}
if let text = environment["RELANCE_PROOF_FEE_TOLERANCE_BP"] {
    guard let points = Int64(text), (0...10_000).contains(points) else {
        fail("RELANCE_PROOF_FEE_TOLERANCE_BP=\(text): expected basis points from 0 to 10000")
    }
    worker.validator.feeToleranceBasisPoints = points
}
exit(await WorkerMain.run(worker))
