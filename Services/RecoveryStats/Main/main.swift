import RecoveryStatsService
import RelanceDomain
import RelanceRuntime

// recovery-stats: runtime configuration from RELANCE_* variables (docs/runtime.md). Stage 1
// (per account), stage 2 (per merchant, currency, day and shard, "recovery-stats-figures"),
// stage 3 (per merchant, currency and day, "recovery-stats-days") and stage 4 (per merchant,
// currency and week, "recovery-stats-weeks") run in one process as four runtimes, like
// reminder-mailer and its digest (docs/recovery-stats.md).
let setup = WorkerSetup.start(
    worker: "recovery-stats",
    summary: "follows every failed payment to its end and publishes recovery figures per merchant, currency and day",
    settings: WorkerSettings.recoveryStats, docs: "docs/recovery-stats.md")
// RELANCE_RECOVERY_SHARD_BYTES: the most one stage-2 shard's state may hold (one changelog
// record; docs/recovery-stats.md, "Limits and sizes").
let figuresWorker = {
    var worker = RecoveryFiguresWorker()
    if let limit = setup.integer("RELANCE_RECOVERY_SHARD_BYTES", in: 10_000...100_000_000, "a number of bytes") {
        worker.maxStateBytes = limit
    }
    return worker
}()
await setup.run(RecoveryStatsWorker()) { configuration, _ in
    /// The configuration of the stage named `recovery-stats-<stage>`: its own changelog and group.
    func stage(_ stage: String) -> RuntimeConfiguration {
        var stageConfiguration = configuration
        stageConfiguration.changelogTopic = nil
        stageConfiguration.groupID = configuration.groupID.map { "\($0)-\(stage)" }
        return stageConfiguration
    }
    return [
        RuntimeService(figuresWorker, configuration: stage("figures")),
        RuntimeService(RecoveryDaysWorker(), configuration: stage("days")),
        RuntimeService(RecoveryWeeksWorker(), configuration: stage("weeks")),
    ]
}
