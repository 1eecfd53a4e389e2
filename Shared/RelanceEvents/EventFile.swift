/// Events a user publishes from a file or standard input: JSON Lines (one event per line), or
/// one JSON document holding an event or an array of events. Each is checked as a worker
/// would check it (envelope, schema of its type, amounts, currencies, no card number) and
/// given the topic its type travels on (`Catalog.topics`).
public struct EventFile: Sendable {
    public struct Entry: Sendable {
        /// Where it is: "line 3", or "event 2" inside a JSON array.
        public var location: String
        public var bytes: [UInt8]
        public var result: Result<(envelope: EventEnvelope, topic: String), EventFileError>
    }

    public struct EventFileError: Error, Sendable, CustomStringConvertible {
        public var code: String
        public var message: String
        public var description: String { "\(code): \(message)" }
    }

    public var entries: [Entry] = []

    public var valid: [(envelope: EventEnvelope, topic: String, bytes: [UInt8])] {
        entries.compactMap { entry in
            guard case .success(let event) = entry.result else { return nil }
            return (event.envelope, event.topic, entry.bytes)
        }
    }

    public var invalid: [(location: String, error: EventFileError)] {
        entries.compactMap { entry in
            guard case .failure(let error) = entry.result else { return nil }
            return (entry.location, error)
        }
    }

    /// `topic`: send every event there instead of its type's topic.
    public init(_ bytes: [UInt8], topic: String? = nil) {
        let validator = EventValidator(types: Catalog.eventTypes)
        var topics: [String: String] = [:]
        for described in Catalog.topics {
            for type in described.messages where topics[type] == nil { topics[type] = described.name }
        }
        func check(_ location: String, _ bytes: [UInt8]) -> Entry {
            switch validator.read(bytes) {
            case .failure(let rejection):
                return Entry(
                    location: location, bytes: bytes,
                    result: .failure(EventFileError(code: rejection.code, message: rejection.description)))
            case .success(let envelope):
                guard let destination = topic ?? topics[envelope.type] else {
                    return Entry(
                        location: location, bytes: bytes,
                        result: .failure(
                            EventFileError(
                                code: "no_topic", message: "no topic carries \(envelope.type); name one with --topic")))
                }
                return Entry(location: location, bytes: bytes, result: .success((envelope, destination)))
            }
        }
        let first = bytes.first { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }
        if first == UInt8(ascii: "[") {
            // One JSON array of events.
            do {
                guard case .array(let items) = try JSONReader.read(bytes) else { return }
                for (index, item) in items.enumerated() { entries.append(check("event \(index + 1)", item.jsonBytes)) }
            } catch {
                entries.append(
                    Entry(
                        location: "the file", bytes: bytes,
                        result: .failure(EventFileError(code: "malformed_json", message: "malformed JSON: \(error)"))))
            }
            return
        }
        // JSON Lines; a single object over several lines is one event.
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        let nonEmpty = lines.enumerated().filter { !$0.element.allSatisfy { [0x20, 0x0D, 0x09].contains($0) } }
        if nonEmpty.count > 1, (try? JSONReader.read(Array(nonEmpty[0].element))) == nil,
            (try? JSONReader.read(bytes)) != nil
        {
            entries.append(check("the file", bytes))
            return
        }
        for (index, line) in nonEmpty { entries.append(check("line \(index + 1)", Array(line))) }
    }
}
