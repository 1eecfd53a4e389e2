import CardExpiryService
import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime

// card-expiry: runtime configuration from RELANCE_* variables (docs/runtime.md);
// RELANCE_MERCHANT_TIME_ZONES: a JSON file {"merchant id": "Europe/Paris", …} (UTC otherwise).
let setup = WorkerSetup.start(
    worker: "card-expiry",
    summary:
        "lists the wallet cards that pay scheduled payments and expire next month, and asks for the customer reminders",
    settings: WorkerSettings.cardExpiry, docs: "docs/card-expiry.md")
var worker = CardExpiryWorker()
for (merchant, name) in setup.jsonFile(ConfigurationFiles.merchantTimeZones, as: [String: String].self) ?? [:] {
    guard let zone = TimeZone(identifier: name) else {
        setup.fail("RELANCE_MERCHANT_TIME_ZONES: $.\(merchant) \"\(name)\" is not a time zone (Europe/Paris, say)")
    }
    worker.timeZones[merchant] = zone
}
await setup.run(worker)
