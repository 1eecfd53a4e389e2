import Foundation
import Testing

/// A record reaches every line of a worker's handlers: none may trap. The compiler cannot say
/// it, so this test reads the workers' sources (comments and string literals left out) and
/// names each force unwrap, force cast, `try!` and `fatalError`/`precondition` it finds.
@Suite("worker sources: nothing a record can reach traps, every handler typed")
struct HandlerSourceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The code of a Swift file without comments and string literals' contents.
    static func code(_ text: String) -> String {
        var out: [Character] = []
        var characters = Array(text)[...]
        var inString = false
        while let c = characters.first {
            characters = characters.dropFirst()
            if inString {
                if c == "\\" {
                    characters = characters.dropFirst()
                } else if c == "\"" {
                    inString = false
                    out.append(c)
                } else if c == "\n" {
                    out.append(c)
                }
                continue
            }
            if c == "/" && characters.first == "/" {
                while let n = characters.first, n != "\n" { characters = characters.dropFirst() }
                continue
            }
            if c == "\"" { inString = true }
            out.append(c)
        }
        return String(out)
    }

    static func traps(in text: String) -> [String] {
        var found: [String] = []
        let rules: [(String, String)] = [
            (#"[\]\w)"](?<!\btry)(?<!\bas)!(?![=])"#, "force unwrap"), (#"\bas!"#, "force cast"), (#"\btry!"#, "try!"),
            (#"\bfatalError\("#, "fatalError"), (#"\bprecondition(Failure)?\("#, "precondition"),
        ]
        for (number, line) in code(text).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            for (pattern, name) in rules where line.range(of: pattern, options: .regularExpression) != nil {
                found.append("line \(number + 1): \(name): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        return found
    }

    @Test("the rule finds what it looks for, and not in comments or strings")
    func ruleWorks() {
        #expect(Self.traps(in: "let a = b[\"x\"]!.value").count == 1)
        #expect(Self.traps(in: "let a = f()!").count == 1)
        #expect(Self.traps(in: "let a = try! f()").count == 1)
        #expect(Self.traps(in: "let a = b as! Int").count == 1)
        #expect(Self.traps(in: "if a != b { fatalError(\"x\") }").count == 1)
        #expect(Self.traps(in: "if a != b, !c { print(\"wow!\") } // d!").isEmpty)
    }

    @Test("no force unwrap, force cast, try! or fatalError in Services/*/Worker")
    func workersDoNotTrap() throws {
        let services = Self.root.appendingPathComponent("Services")
        let manager = FileManager.default
        var files = 0
        for service in try manager.contentsOfDirectory(atPath: services.path).sorted() {
            let worker = services.appendingPathComponent(service).appendingPathComponent("Worker")
            guard let names = try? manager.contentsOfDirectory(atPath: worker.path) else { continue }
            for name in names.sorted() where name.hasSuffix(".swift") {
                let text = try String(contentsOf: worker.appendingPathComponent(name), encoding: .utf8)
                files += 1
                let traps = Self.traps(in: text)
                #expect(traps.isEmpty, "Services/\(service)/Worker/\(name): \(traps)")
                // Handlers receive typed events: the undecoded input is for tools, not workers.
                #expect(
                    !Self.code(text).contains("Event<EventEnvelope>"),
                    "Services/\(service)/Worker/\(name) handles undecoded events")
            }
        }
        #expect(files >= 10)
    }
}
