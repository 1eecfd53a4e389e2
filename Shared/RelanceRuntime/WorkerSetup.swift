import Foundation
import Logging
import RelanceDomain
import RelanceEvents
import ServiceLifecycle

/// The start of a worker executable, the one place a worker's configuration is read:
/// `--help`/`--version`, the environment with the optional configuration file beneath it
/// (`RELANCE_CONFIG_FILE`), the worker's own settings read with errors that name the variable,
/// and then `WorkerMain.run` with the same environment. A bad value is logged as every line is
/// (`bad configuration`, JSON on stdout by default) and the process exits with code 2.
public struct WorkerSetup: Sendable {
    public let worker: String
    /// The process environment over the configuration file's settings.
    public let environment: [String: String]

    /// Answers `--help` and `--version` (and refuses other arguments), then reads the
    /// configuration file. Exits the process when it answered or the file is bad.
    public static func start(
        worker: String, summary: String, settings: [Setting], docs: String,
        arguments: [String] = CommandLine.arguments,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> WorkerSetup {
        if let code = WorkerHelp.answer(arguments, worker: worker, summary: summary, settings: settings, docs: docs) {
            exit(code)
        }
        do {
            let merged = try ConfigurationFile.merged(environment, known: ConfigurationFile.known(adding: settings))
            return WorkerSetup(worker: worker, environment: merged)
        } catch {
            WorkerSetup(worker: worker, environment: environment).fail(error.description)
        }
    }

    /// Logs `bad configuration` with `message` and exits with code 2.
    public func fail(_ message: String) -> Never {
        WorkerMain.bootstrap(environment)
        Logger.runtime(worker: worker, group: environment["RELANCE_GROUP_ID"] ?? "relance-\(worker)")
            .error("bad configuration", metadata: ["error": .string(message)])
        exit(2)
    }

    /// The value of `name`, if set and not empty.
    public func text(_ name: String) -> String? {
        environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A whole number in `range`; anything else stops the start naming the variable.
    public func integer(_ name: String, in range: ClosedRange<Int>, _ what: String) -> Int? {
        guard let text = text(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            fail("\(name)=\(text): expected \(what), a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// `on`/`true`/`yes`/`1` or `off`/`false`/`no`/`0`; anything else stops the start naming the
    /// variable. Nil when unset.
    public func flag(_ name: String) -> Bool? {
        guard let text = text(name) else { return nil }
        switch text.lowercased() {
        case "on", "true", "yes", "1": return true
        case "off", "false", "no", "0": return false
        default: fail("\(name)=\(text): expected on or off")
        }
    }

    /// A number in `range` (hours, say); anything else stops the start naming the variable.
    public func number(_ name: String, in range: ClosedRange<Double>, _ what: String) -> Double? {
        guard let text = text(name) else { return nil }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            fail("\(name)=\(text): expected \(what), a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// The JSON file `file.variable` points to, checked against its schema (members it does not
    /// know and values of the wrong type are refused, with their path) and decoded. Nil when
    /// unset.
    public func jsonFile<T: Decodable>(_ file: ConfigurationFiles.File, as type: T.Type) -> T? {
        jsonFile(file) { try JSONDecoder().decode(T.self, from: $0) }
    }

    /// Like `jsonFile(_:as:)`, read by `read`.
    public func jsonFile<T>(_ file: ConfigurationFiles.File, read: (Data) throws -> T) -> T? {
        let name = file.variable
        let schema = file.schema
        guard let path = text(name) else { return nil }
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            fail("\(name)=\(path): cannot read the file (\(error.localizedDescription))")
        }
        let json: JSONValue
        do {
            json = try JSONReader.read(bytes)
        } catch {
            fail("\(name)=\(path): not JSON: \(error)")
        }
        do {
            try schema.validate(json, path: "$")
        } catch {
            fail("\(name)=\(path): \(error.description) (schemas/config/ has the file's schema)")
        }
        do {
            return try read(Data(bytes))
        } catch {
            fail("\(name)=\(path): \(Self.describe(error))")
        }
    }

    /// A decoding error as a path and a problem, without Foundation's debug text.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            "$" + context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context)) \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context)).\(key.stringValue) is missing"
        @unknown default:
            return "\(error)"
        }
    }

    /// Runs the worker with this environment; exits with its code.
    public func run<W: Worker>(
        _ worker: W, alongside: ((RuntimeConfiguration, Logger) throws -> [any Service])? = nil
    ) async -> Never {
        exit(await WorkerMain.run(worker, environment: environment, alongside: alongside))
    }
}

/// `RELANCE_CONFIG_FILE`: settings in a file, one `NAME=value` per line (`#` comments, blank
/// lines, `export ` and quotes around the value allowed: the format of an env file, a
/// Kubernetes ConfigMap's `--from-env-file`, or compose's `env_file`). The environment wins over
/// the file. A name the worker does not read is refused, with its line: a typo in a file would
/// otherwise be silently ignored.
public enum ConfigurationFile {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// The names a configuration file may hold: the runtime's and every worker's (one file may
    /// serve several workers; each reads its own), and `extra`.
    public static func known(adding extra: [Setting] = []) -> Set<String> {
        Set((RuntimeConfiguration.settings + extra).map(\.name)).union(WorkerSettings.names)
    }

    public static func merged(_ environment: [String: String], known: Set<String>) throws(Invalid) -> [String: String] {
        guard let path = environment["RELANCE_CONFIG_FILE"], !path.isEmpty else { return environment }
        let text: String
        do {
            text = try String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8)
        } catch {
            throw Invalid(
                description: "RELANCE_CONFIG_FILE=\(path): cannot read the file (\(error.localizedDescription))")
        }
        var merged = environment
        // Split on every line end: "\r\n" is one Character, which a split on "\n" never sees
        // (a file saved on Windows would read as one line).
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else {
                throw Invalid(description: "RELANCE_CONFIG_FILE=\(path) line \(index + 1): expected NAME=value")
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            guard known.contains(name) || name.hasPrefix("RELANCE_KAFKA_PROP_") else {
                throw Invalid(
                    description: "RELANCE_CONFIG_FILE=\(path) line \(index + 1): \(name) is not a Relance setting "
                        + "(a worker's --help lists its own and the runtime's)")
            }
            if merged[name] == nil { merged[name] = value }
        }
        return merged
    }
}
