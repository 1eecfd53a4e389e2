import RecoveryStatsService
import RelanceDomain
import RelanceRuntime

// recovery-stats: runtime configuration from RELANCE_* variables (docs/runtime.md). Stage 1
// (per account), stage 2 (per merchant, currency, day and shard, "recovery-stats-figures") and
// stage 3 (per merchant, currency and week, "recovery-stats-periods") run in one process as
// three runtimes, like reminder-mailer and its digest (docs/recovery-stats.md).
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
    var figures = configuration
    figures.changelogTopic = nil
    figures.groupID = configuration.groupID.map { "\($0)-figures" }
    var periods = configuration
    periods.changelogTopic = nil
    periods.groupID = configuration.groupID.map { "\($0)-periods" }
    return [
        RuntimeService(figuresWorker, configuration: figures),
        RuntimeService(RecoveryPeriodsWorker(), configuration: periods),
    ]
}
