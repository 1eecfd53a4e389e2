import CardExpiryService
import GatewaySandboxService
import PaymentRetryService
import PrepaidService
import ProofValidatorService
import ReconciliationService
import RecoveryStatsService
import RelanceDomain
import RelanceRuntime
import ReminderMailerService
import Testing

/// The Kafka ACLs (generated from the topic catalog's readers and writers) against what each
/// worker really subscribes to and writes: a worker given a new input topic without the
/// catalog saying so would fail to subscribe on a cluster with ACLs, which the mock cluster
/// (no ACLs) would never show.
@Suite("every worker's topics are granted by the ACLs")
struct WorkerACLTests {
    /// (worker name, its principal's worker, input topics, output topics).
    static var workers: [(String, String, [String], [String])] {
        func entry<W: Worker>(_ worker: W, principal: String? = nil) -> (String, String, [String], [String]) {
            (worker.name, principal ?? worker.name, worker.inputTopics, worker.outputTopics)
        }
        return [
            entry(PaymentRetryWorker()), entry(GatewaySandbox()), entry(ProofValidatorWorker()),
            entry(ReminderMailerWorker()), entry(DigestWorker(), principal: "reminder-mailer"),
            entry(CardExpiryWorker()), entry(ReconciliationWorker()), entry(PrepaidWorker()),
            entry(RecoveryStatsWorker()), entry(RecoveryFiguresWorker(), principal: "recovery-stats"),
            entry(RecoveryDaysWorker(), principal: "recovery-stats"),
            entry(RecoveryWeeksWorker(), principal: "recovery-stats"),
        ]
    }

    @Test("each input topic may be read and each output topic written by the worker's principal")
    func grants() throws {
        let principals = Dictionary(uniqueKeysWithValues: KafkaACLs.principals.map { ($0.name, $0) })
        for (name, owner, inputs, outputs) in Self.workers {
            let principal = try #require(principals["relance-\(owner)"], "\(name): no principal relance-\(owner)")
            func granted(_ operation: String) -> Set<String> {
                Set(principal.grants.filter { $0.type == .topic && $0.operations.contains(operation) }.map(\.name))
            }
            let missingReads = Set(inputs).subtracting(granted("Read"))
            let missingWrites = Set(outputs).subtracting(granted("Write"))
            #expect(missingReads.isEmpty, "\(name) reads \(missingReads.sorted()) without a Read grant")
            #expect(missingWrites.isEmpty, "\(name) writes \(missingWrites.sorted()) without a Write grant")
        }
    }
}
