import Foundation
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime
import Synchronization

/// Times a worker through the exactly-once runtime on a mock cluster: fresh topics filled with
/// the same events for every round, so a domain worker and an echo worker (the runtime's own
/// cost) can be compared in one run.
public struct WorkerBench: Sendable {
    public let cluster: MockCluster
    public let partitions: Int32
    /// "Now" on the clock topic while the events go through.
    public let clock: Date
    /// Instances of the worker in one consumer group, each with its share of the partitions
    /// (`--instances`, default 1): how a deployment uses more cores.
    public let instances = option("--instances", 1)

    /// The mock cluster keeps at most 5 MiB (and 100,000 record batches) per partition and
    /// silently drops the oldest beyond that: `run` refuses inputs that would not fit.
    public static let partitionBytes = 4 << 20

    /// The workers' own output topics created so far on the cluster.
    let workerTopics = TopicNames()

    public init(brokers: Int = 3, partitions: Int32 = 4, clock: Date) async throws {
        cluster = try MockCluster(brokers: brokers)
        try await cluster.createTopic("relance.dead-letters", partitions: 1)
        self.partitions = partitions
        self.clock = clock
    }

    /// A worker that accepts the same event types and emits one small event per input: what the
    /// runtime costs (input checks, deduplication, one output, checkpoints) with no domain work.
    public struct EchoWorker: Worker {
        public struct State: Codable, Sendable {}
        public var name = "echo"
        public var inputTopics: [String]
        public var outputTopics: [String]
        public var eventTypes: [EventType]

        public init(inputTopics: [String], outputTopics: [String], eventTypes: [EventType]) {
            self.inputTopics = inputTopics
            self.outputTopics = outputTopics
            self.eventTypes = eventTypes
        }

        public func handle(_ event: Event<EventEnvelope>, state: inout State?, context: inout WorkerContext)
            throws(WorkerRejection)
        {
            let event = event.envelope
            context.emit("bench.echoed", to: outputTopics[0], data: .object(["of": .string(event.eventID)]))
        }

        public func timerFired(_ timer: DueTimer, state: inout State?, context: inout WorkerContext) {}
    }

    /// Publishes `events` (key, value) in order to a fresh input topic, runs the worker made by
    /// `make(inputTopic, outputTopic)` over them with the runtime's default batch bounds (or
    /// transactions of at most `batch` events), and returns the seconds from the end of its
    /// restore to its last input event. Fails on any dead letter.
    public func run<W: Worker>(
        _ events: [(key: String, value: [UInt8])], batch: Int? = nil, _ make: (String, String) -> W
    ) async throws -> Double {
        try await run(events, batch: batch, fireAt: nil, make).events
    }

    /// One run: seconds until every event went through, seconds until the timers fired after
    /// the clock moved (0 without), and the process's CPU seconds while the events went through.
    public typealias Timing = (events: Double, timers: Double, cpu: Double)

    /// A worker against an echo worker on the same events: the medians of the rounds' seconds
    /// and of the process's CPU seconds (every thread: brokers, librdkafka, Swift) per event.
    public struct EchoComparison {
        public var worker: Double
        public var echo: Double
        public var workerCPU: Double
        public var echoCPU: Double

        /// "N events/s (target ≥ 50000); echo worker on the same events M events/s; ratio R;
        /// CPU per event …", for `count` events. The CPU figure bounds the rate: two cores
        /// fully used by this work give at most 2 s / CPU per event.
        public func line(count: Int) -> String {
            let workerMicro = workerCPU / Double(count) * 1e6
            let echoMicro = echoCPU / Double(count) * 1e6
            return "\(format(Double(count) / worker)) events/s (target ≥ 50000); echo worker on the same events "
                + "\(format(Double(count) / echo)) events/s; ratio \(format2(echo / worker)); CPU per event "
                + "\(format2(workerMicro)) µs (echo \(format2(echoMicro)) µs), at most "
                + "\(format(2e6 / workerMicro)) events/s on 2 cores at that cost"
        }
    }

    /// `rounds` rounds, each running the worker made by `make(inputTopic)` and then an echo
    /// worker accepting the same event types over `events`.
    public func againstEcho<W: Worker>(
        _ events: [(key: String, value: [UInt8])], rounds: Int, _ make: @escaping (String) -> W
    ) async throws -> EchoComparison {
        var worked: [Timing] = []
        var echoed: [Timing] = []
        for _ in 0..<rounds {
            worked.append(try await run(events) { input, _ in make(input) })
            echoed.append(
                try await run(events) {
                    EchoWorker(inputTopics: [$0], outputTopics: [$1], eventTypes: make($0).eventTypes)
                })
        }
        return EchoComparison(
            worker: median(worked.map(\.events)), echo: median(echoed.map(\.events)),
            workerCPU: median(worked.map(\.cpu)), echoCPU: median(echoed.map(\.cpu)))
    }

    /// Like `run`, then moves the clock to `fireAt` and waits until `timers` durable timers
    /// have fired and been committed.
    ///
    /// Only the events that go through once every instance has its share of the partitions
    /// and has restored it are timed; seconds and CPU are scaled up to all the events. A run
    /// where more than a fifth went through before that (an instance joined late) is run
    /// again, up to three times.
    public func run<W: Worker>(
        _ events: [(key: String, value: [UInt8])], batch: Int? = nil, fireAt: Date? = nil, timers: Int = 0,
        _ make: (String, String) -> W
    ) async throws -> Timing {
        for attempt in 1...3 {
            let (timing, early) = try await runOnce(events, batch: batch, fireAt: fireAt, timers: timers, make)
            if early <= events.count / 5 {
                let share = Double(events.count - early) / Double(events.count)
                return (timing.events / share, timing.timers, timing.cpu / share)
            }
            say(
                "\(early) of \(events.count) events went through before every instance had its share (attempt \(attempt))"
            )
        }
        fail("in three runs, most events went through before every instance had its share of the partitions")
    }

    /// The mock cluster drops a partition's oldest records past 5 MiB: with keys spread
    /// unevenly, one partition can pass it while the average stays below `partitionBytes`, and
    /// the worker would then wait forever for records that are gone. Fails naming the partition.
    func checkNothingDropped(_ topic: String) async throws {
        let consumer = try KafkaConsumer(
            configuration: ConsumerConfiguration(bootstrapServers: cluster.bootstrapServers, groupID: nil))
        let partitions = (0..<partitions).map { TopicPartition(topic, $0) }
        let marks = try await consumer.watermarks(partitions)
        try await consumer.close()
        for (partition, mark) in zip(partitions, marks) where mark.low > 0 {
            fail(
                "the mock cluster dropped the first \(mark.low) records of \(topic) partition "
                    + "\(partition.partition) (it keeps 5 MiB per partition): use more partitions or fewer events")
        }
    }

    private func runOnce<W: Worker>(
        _ events: [(key: String, value: [UInt8])], batch: Int?, fireAt: Date?, timers: Int,
        _ make: (String, String) -> W
    ) async throws -> (Timing, early: Int) {
        let bytes = events.reduce(0) { $0 + $1.key.utf8.count + $1.value.count }
        guard bytes / Int(partitions) < Self.partitionBytes else {
            fail(
                "\(bytes) bytes of input on \(partitions) partitions: more than the mock cluster keeps per partition; "
                    + "use more partitions")
        }
        let rounds = UInt32.random(in: 0...UInt32.max)
        let input = "bench.input.\(rounds)"
        let output = "bench.output.\(rounds)"
        let clockTopic = "bench.clock.\(rounds)"
        for topic in [input, output, clockTopic, "bench.changelog.\(rounds)"] {
            try await cluster.createTopic(topic, partitions: partitions)
        }
        var configuration = ProducerConfiguration(bootstrapServers: cluster.bootstrapServers)
        configuration.lingerMilliseconds = 5
        let producer = try KafkaProducer(configuration: configuration)
        for event in events {
            try await producer.enqueue(ProducerMessage(topic: input, key: event.key, value: event.value))
        }
        for partition in 0..<partitions {
            try await producer.enqueue(
                ProducerMessage(topic: clockTopic, partition: partition, key: nil, value: ClockTick.record(clock)))
        }
        try await producer.flush(timeout: .seconds(300))
        try await producer.close()
        try await checkNothingDropped(input)

        var runtimeConfiguration = RuntimeConfiguration(bootstrapServers: cluster.bootstrapServers)
        runtimeConfiguration.instanceID = "bench-\(rounds)"
        runtimeConfiguration.groupID = "bench-\(rounds)"
        runtimeConfiguration.clockTopic = clockTopic
        runtimeConfiguration.changelogTopic = "bench.changelog.\(rounds)"
        if let batch { runtimeConfiguration.batchMaxEvents = batch }
        runtimeConfiguration.abortedRecordsVisible = true
        // The benches send no commands; a worker that reads some (payment-retry,
        // reconciliation) refuses to start without keys to check them.
        runtimeConfiguration.unsignedCommands = .warn
        runtimeConfiguration.logLevel = .warning
        let workers = (0..<instances).map { _ in make(input, output) }
        // The topics the worker writes besides the bench's output (a real worker's own output
        // topics): the runtime refuses to start without them.
        // Once per bench: a second run of the same worker finds them there.
        for topic in Set(workers.flatMap(\.outputTopics)).sorted()
        where ![input, output, clockTopic].contains(topic) && workerTopics.insert(topic) {
            try await cluster.createTopic(topic, partitions: partitions)
        }
        let runtimes = workers.enumerated().map { index, worker in
            var configuration = runtimeConfiguration
            configuration.instanceID += "-\(index)"
            return WorkerRuntime(worker: worker, configuration: configuration)
        }
        let finished = EndedCount()
        let tasks = runtimes.map { runtime in
            Task {
                defer { finished.count.add(1, ordering: .relaxed) }
                try await runtime.run()
            }
        }
        /// A runtime that ended before the bench stopped it failed: say why rather than wait.
        func checkRunning() async throws {
            guard finished.count.load(ordering: .relaxed) > 0 else { return }
            for task in tasks { try await task.value }
            fail("a runtime stopped before the events went through")
        }
        func total(_ count: (RuntimeMetrics) -> Int) -> Int { runtimes.reduce(0) { $0 + count($1.metrics) } }
        // Every instance has its share (a group's first member owns everything until the
        // others have joined) and has restored it.
        while true {
            var owned = 0
            var settled = true
            for runtime in runtimes {
                let count = await runtime.ownedPartitions.count
                owned += count
                settled = settled && count > 0 && runtime.status.isReady
            }
            if settled && owned == partitions { break }
            try await checkRunning()
            try await Task.sleep(for: .milliseconds(2))
        }
        let start = ContinuousClock.now
        let cpuStart = cpuSeconds()
        // With several instances, the first to join may own (and work on) every partition
        // until the others join: what went through before everyone had its share is not timed.
        let before = total(\.eventsIn)
        while total(\.eventsIn) < events.count {
            try await checkRunning()
            try await Task.sleep(for: .milliseconds(2))
            if ContinuousClock.now - start > .seconds(600) {
                fail("\(total(\.eventsIn)) of \(events.count) events went through in 10 minutes")
            }
        }
        let elapsed = (ContinuousClock.now - start) / .seconds(1)
        let cpu = cpuSeconds() - cpuStart
        var timersElapsed = 0.0
        if let fireAt {
            // `eventsIn` counts committed events: all are in. Now time passes.
            let ticker = try KafkaProducer(
                configuration: ProducerConfiguration(bootstrapServers: cluster.bootstrapServers))
            let firing = ContinuousClock.now
            for partition in 0..<partitions {
                try await ticker.enqueue(
                    ProducerMessage(topic: clockTopic, partition: partition, key: nil, value: ClockTick.record(fireAt)))
            }
            try await ticker.flush(timeout: .seconds(30))
            while total(\.timersFired) < timers {
                try await Task.sleep(for: .milliseconds(2))
                if ContinuousClock.now - firing > .seconds(600) {
                    fail("\(total(\.timersFired)) of \(timers) timers fired in 10 minutes")
                }
            }
            timersElapsed = (ContinuousClock.now - firing) / .seconds(1)
            try await ticker.close()
        }
        guard total(\.deadLetterCount) == 0 else { fail("\(total(\.deadLetterCount)) dead letters") }
        for runtime in runtimes { await runtime.stop() }
        for task in tasks { try await task.value }
        return ((elapsed, timersElapsed, cpu), before)
    }
}

/// Topic names, added once.
final class TopicNames: Sendable {
    let names = Mutex<Set<String>>([])

    /// Whether `name` was new.
    func insert(_ name: String) -> Bool { names.withLock { $0.insert(name).inserted } }
}

/// How many of a bench's runtimes have ended.
final class EndedCount: Sendable {
    let count = Atomic(0)
}
