import Foundation
import RelanceDomain
import RelanceEvents

// What every benchmark program needs: options, output, medians, timing.

/// The integer after `name` on the command line, or `fallback`.
public func option(_ name: String, _ fallback: Int) -> Int {
    let arguments = CommandLine.arguments
    return arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? Int(arguments[$0 + 1]) : nil }
        ?? fallback
}

/// A line on standard output, unbuffered (results show as they come).
public func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

/// The program's name and the message on standard error, exit status 1.
public func fail(_ message: String) -> Never {
    let program = URL(fileURLWithPath: CommandLine.arguments[0]).lastPathComponent
    FileHandle.standardError.write(Data("\(program): \(message)\n".utf8))
    exit(1)
}

/// The median: rounds of a benchmark differ on a shared machine; the median is steadier.
public func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Seconds `body` takes.
public func measure(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    return (ContinuousClock.now - start) / .seconds(1)
}

/// CPU time the process has used so far, user and system, every thread (the in-process
/// mock brokers' and librdkafka's included), in seconds.
public func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// The process's resident memory in bytes (Linux: /proc/self/statm).
public func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
        let pages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
    else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// A figure without decimals ("12089"), and one with two ("0.98"), for the result lines.
public func format(_ value: Double) -> String { String(format: "%.0f", value) }
public func format2(_ value: Double) -> String { String(format: "%.2f", value) }

/// Account `acct-n`'s event `acct-n-<suffix>` in the Relance envelope, keyed by the account:
/// a record for `WorkerBench.run`.
public func accountEvent(_ n: Int, _ suffix: String, _ type: String, at date: Date, _ data: JSONValue)
    -> (key: String, value: [UInt8])
{
    let account = "acct-\(n)"
    let event = EventEnvelope(
        eventID: "\(account)-\(suffix)", type: type, schemaVersion: 1, occurredAt: date, accountID: account,
        merchantID: "m-1", data: data)
    return (account, event.jsonBytes)
}
