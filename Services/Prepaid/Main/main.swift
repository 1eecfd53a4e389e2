import Foundation
import PrepaidService
import RelanceDomain
import RelanceEvents
import RelanceRuntime

// prepaid: runtime configuration from RELANCE_* variables (docs/runtime.md);
// RELANCE_TOPUP_POLICY: a JSON file with the minimum top-ups and conversion rates
// ({"baseCurrency": "AUD", "minimums": {"card": 2000, "bank_transfer": 20000},
//   "rates": {"EUR": "0.61"}, "transferDueDays": 14}); AUD minimums and no rates by default.
let setup = WorkerSetup.start(
    worker: "prepaid",
    summary: "keeps prepaid balances topped up: automatic, monthly and negative-balance recharges",
    settings: WorkerSettings.prepaid, docs: "docs/prepaid.md")
let policy = setup.jsonFile(ConfigurationFiles.topUpPolicy, as: TopUpPolicy.self) ?? TopUpPolicy()
let cardBrands =
    setup.jsonFile(ConfigurationFiles.cardBrands) { try AcceptedCardBrands.read(Array($0)) } ?? AcceptedCardBrands()
await setup.run(PrepaidWorker(policy: policy, cardBrands: cardBrands))
