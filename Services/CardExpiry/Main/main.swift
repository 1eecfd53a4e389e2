import CardExpiryService
import Foundation
import RelanceRuntime

// card-expiry: runtime configuration from RELANCE_* variables (docs/runtime.md);
// RELANCE_MERCHANT_TIME_ZONES: a JSON file {"merchant id": "Europe/Paris", …} (UTC otherwise).
if let code = WorkerHelp.answer(
    worker: "card-expiry",
    summary:
        "lists the wallet cards that pay scheduled payments and expire next month, and asks for the customer reminders",
    settings: [
        Setting(
            "RELANCE_MERCHANT_TIME_ZONES", "(none)", "JSON file {\"merchant id\": \"Europe/Paris\", …}; UTC otherwise")
    ], docs: "docs/card-expiry.md")
{
    exit(code)
}
var worker = CardExpiryWorker()
if let path = ProcessInfo.processInfo.environment["RELANCE_MERCHANT_TIME_ZONES"] {
    do {
        let names = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        for (merchant, name) in names {
            guard let zone = TimeZone(identifier: name) else {
                throw CocoaError(
                    .fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "unknown time zone \(name)"])
            }
            worker.timeZones[merchant] = zone
        }
    } catch {
        FileHandle.standardError.write(Data("card-expiry: RELANCE_MERCHANT_TIME_ZONES=\(path): \(error)\n".utf8))
        exit(2)
    }
}
exit(await WorkerMain.run(worker))
