import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime
import RelanceTestSupport
import RelanceTesting
import Testing

@testable import RecoveryStatsService

private let dayMs: Int64 = 86_400_000
/// 2026-11-02T09:00:00Z, a Monday.
private let base: Int64 = 1_793_610_000_000

/// Issue 26: the ways dunning ends (the merchant's final action) as churn in stage 1.
@Suite("recovery-stats: which ends of dunning are churn")
struct DunningEndsTests {
    /// One account with an open failed payment of 10,00 €, then `status` on day 25.
    func figures(after status: AccountStatus.Status) async throws -> [String: RecoveryStatsUpdated] {
        var harness = try await RecoveryStagesTests.stages()
        try await RecoveryStagesTests.publish(
            harness, RecoveryStagesTests.item("p", amount: 1_000, firstFailedAt: base), id: "p1", at: base)
        try await RecoveryStagesTests.publish(
            harness, AccountStatus(status: status, reason: "legal notice"), id: "s1", at: base + 25 * dayMs,
            to: ProofEvents.accountStatusTopic)
        return try await RecoveryStagesTests.figures(&harness)
    }

    @Test(
        "terminated, cancelled, in collections and written off are churn; a lasting suspension is not",
        arguments: [
            ("terminated", "account_terminated"), ("cancelled", "account_terminated"),
            ("in_collections", "handed_to_collections"), ("written_off", "account_terminated"), ("suspended", ""),
        ])
    func churn(status: String, lossReason: String) async throws {
        let parsed = try #require(AccountStatus.Status(rawValue: status))
        let figures = try await figures(after: parsed)
        if lossReason.isEmpty {
            #expect((figures["EUR/2026-11-27"]?.churn ?? .init()) == .init(), "\(status)")
            #expect(figures["EUR/2026-11-02"]?.open.count == 1, "\(status): the payment stays open")
        } else {
            #expect(figures["EUR/2026-11-27"]?.churn == .init(accounts: 1, amount: 1_000), "\(status)")
            #expect(figures["EUR/2026-11-02"]?.lostByReason[lossReason]?.amount == 1_000, "\(status)")
        }
    }

    @Test("a reactivation after a cancellation takes the churn back")
    func reactivated() async throws {
        var harness = try await RecoveryStagesTests.stages()
        try await RecoveryStagesTests.publish(
            harness, RecoveryStagesTests.item("p", amount: 1_000, firstFailedAt: base), id: "p1", at: base)
        try await RecoveryStagesTests.publish(
            harness, AccountStatus(status: .cancelled, reason: "legal notice"), id: "s1", at: base + 25 * dayMs,
            to: ProofEvents.accountStatusTopic)
        try await RecoveryStagesTests.publish(
            harness, AccountStatus(status: .reactivated, reason: "paid"), id: "s2", at: base + 26 * dayMs,
            to: ProofEvents.accountStatusTopic)
        let figures = try await RecoveryStagesTests.figures(&harness)
        #expect(figures["EUR/2026-11-27"]?.churn == .init())
        #expect(figures["EUR/2026-11-02"]?.open.count == 1 && figures["EUR/2026-11-02"]?.lost == .init())
    }
}
