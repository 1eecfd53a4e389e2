import Foundation
import PaymentRetryService
import RelanceDomain
import RelanceEvents
import RelanceRuntime

// payment-retry: runtime configuration from RELANCE_* variables (docs/runtime.md); retry
// policies from the JSON file named by RELANCE_RETRY_POLICIES (defaults when unset; its schema:
// schemas/config/retry_policies.schema.json); the card networks' retry limits from
// RELANCE_CARD_NETWORK_RULES (docs/card-network-rules.md; the networks' figures when unset).
let setup = WorkerSetup.start(
    worker: "payment-retry",
    summary: "decides when to retry failed payments, keeps the action centre, asks for customer and vendor emails",
    settings: WorkerSettings.paymentRetry, docs: "docs/payment-retry.md")
let policies = setup.jsonFile(ConfigurationFiles.retryPolicies, read: RetryPolicies.read) ?? RetryPolicies()
let networks = setup.jsonFile(ConfigurationFiles.cardNetworkRules) { data throws in try CardNetworkRules.read(data) }
var worker = PaymentRetryWorker(policies: policies, networks: networks ?? .defaults)
// RELANCE_PAYMENT_OUTCOMES=off: recovery-stats is not deployed, skip its input.
worker.publishesOutcomes = setup.flag("RELANCE_PAYMENT_OUTCOMES") ?? true
await setup.run(worker)
