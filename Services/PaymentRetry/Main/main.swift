import Foundation
import PaymentRetryService
import RelanceDomain
import RelanceRuntime

// payment-retry: runtime configuration from RELANCE_* variables (docs/runtime.md); retry
// policies from the JSON file named by RELANCE_RETRY_POLICIES (defaults when unset).
if let code = WorkerHelp.answer(
    worker: "payment-retry",
    summary: "decides when to retry failed payments, keeps the action centre, asks for customer and vendor emails",
    settings: [
        Setting(
            "RELANCE_RETRY_POLICIES", "(defaults)",
            "JSON file of retry policies per merchant, payment method and decline reason")
    ], docs: "docs/payment-retry.md")
{
    exit(code)
}
var policies = RetryPolicies()
if let path = ProcessInfo.processInfo.environment["RELANCE_RETRY_POLICIES"] {
    do {
        policies = try RetryPolicies.read(try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
        FileHandle.standardError.write(Data("payment-retry: RELANCE_RETRY_POLICIES=\(path): \(error)\n".utf8))
        exit(2)
    }
}
exit(await WorkerMain.run(PaymentRetryWorker(policies: policies)))
