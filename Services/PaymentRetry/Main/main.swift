import Foundation
import PaymentRetryService
import RelanceDomain
import RelanceRuntime

// payment-retry: runtime configuration from RELANCE_* variables (docs/runtime.md); retry
// policies from the JSON file named by RELANCE_RETRY_POLICIES (defaults when unset).
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
