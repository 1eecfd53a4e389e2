import Foundation
import PrepaidService
import RelanceDomain
import RelanceRuntime

// prepaid: runtime configuration from RELANCE_* variables (docs/runtime.md);
// RELANCE_TOPUP_POLICY: a JSON file with the minimum top-ups and conversion rates
// ({"baseCurrency": "AUD", "minimums": {"card": 2000, "bank_transfer": 20000},
//   "rates": {"EUR": "0.61"}, "transferDueDays": 14}); AUD minimums and no rates by default.
if let code = WorkerHelp.answer(
    worker: "prepaid",
    summary: "keeps prepaid balances topped up: automatic, monthly and negative-balance recharges",
    settings: [
        Setting(
            "RELANCE_TOPUP_POLICY", "(AUD minimums)",
            "JSON file: baseCurrency, minimums per method, rates (strings), transferDueDays")
    ], docs: "docs/prepaid.md")
{
    exit(code)
}
var policy = TopUpPolicy()
if let path = ProcessInfo.processInfo.environment["RELANCE_TOPUP_POLICY"] {
    do {
        policy = try JSONDecoder().decode(TopUpPolicy.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
        FileHandle.standardError.write(Data("prepaid: RELANCE_TOPUP_POLICY=\(path): \(error)\n".utf8))
        exit(2)
    }
}
exit(await WorkerMain.run(PrepaidWorker(policy: policy)))
