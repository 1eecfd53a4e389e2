import Foundation
import RelanceDomain
import RelanceEvents

/// The demo's second merchant, a business supplier (`m-pro`), and its policies: retries of an
/// insufficient-funds decline moved into the month's paydays (the 1st, the 15th, the last day,
/// Paris time), and French business-to-business late fees (the 40 € recovery indemnity and
/// interest at the ECB rate plus ten points) from the third reminder, dunning ending with the
/// debt handed to collections. The same files drive the workers run in their own processes
/// (`relance demo --write-policies DIR`, scripts/e2e.sh).
enum DemoPolicies {
    static let proMerchant = "m-pro"

    /// `RELANCE_RETRY_POLICIES` (schemas/config/retry_policies.schema.json).
    static let retry = """
        {
          "merchants": {
            "m-pro": {
              "timeZone": "Europe/Paris",
              "timing": {
                "paydays": { "days": [1, 15, 31], "windowDays": 2, "maxDelayDays": 10, "codes": ["insufficient_funds"] }
              }
            }
          }
        }

        """

    /// `RELANCE_DUNNING_POLICIES` (schemas/config/dunning_policies.schema.json).
    static let dunning = """
        {
          "merchants": {
            "m-pro": {
              "finalAction": "hand_to_collections",
              "lateFees": {
                "atStep": 3,
                "flatIndemnity": { "EUR": 4000 },
                "annualInterestRatePercent": "12.15",
                "interestDayCount": "actual/365"
              }
            }
          }
        }

        """

    /// The policies, checked against their published schemas as the workers check their files.
    static func retryPolicies() throws -> RetryPolicies {
        try ConfigurationFiles.retryPolicies.schema.validate(JSONReader.read(Array(retry.utf8)), path: "$")
        return try RetryPolicies.read(Data(retry.utf8))
    }

    static func dunningPolicies() throws -> DunningPolicies {
        try ConfigurationFiles.dunningPolicies.schema.validate(JSONReader.read(Array(dunning.utf8)), path: "$")
        return try DunningPolicies.read(Data(dunning.utf8))
    }

    /// Writes both files into `folder`: retry_policies.json and dunning_policies.json.
    static func write(to folder: String) throws {
        let url = URL(fileURLWithPath: folder)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try Data(retry.utf8).write(to: url.appendingPathComponent("retry_policies.json"))
        try Data(dunning.utf8).write(to: url.appendingPathComponent("dunning_policies.json"))
    }
}
