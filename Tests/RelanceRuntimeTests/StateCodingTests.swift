import Foundation
import RelanceEvents
import RelanceRuntime
import Testing

@testable import RelanceDomain

/// Everything a worker's state may hold, in one value.
private struct KitchenSink: Codable, Equatable {
    enum Status: String, Codable { case open, paid }
    enum Step: Codable, Equatable {
        case waiting(until: Date)
        case charged(amount: Int64, currency: String)
        case idle
    }
    struct Item: Codable, Equatable {
        var id: String
        var amount: Int64
        var note: String?
    }
    struct Empty: Codable, Equatable {}

    var status: Status
    var steps: [Step]
    var items: [Item]
    var byName: [String: Int]
    var byNumber: [Int: String]
    var nested: [[Int]]
    var when: Date
    var bytes: Data?
    var noBytes: Data?
    var ratio: Double
    var tiny: Double
    var huge: Double
    var extremes: [Int64]
    var unsigned: UInt64
    var flag: Bool
    var text: String
    var empty: Empty
    var emptyList: [Item]
    var emptyMap: [String: Item]
    var maybe: Int?
    var maybeList: [Int?]
}

private let sample = KitchenSink(
    status: .paid,
    steps: [
        .waiting(until: Date(timeIntervalSince1970: 1_790_000_000.25)), .charged(amount: 4_500, currency: "EUR"), .idle,
    ],
    items: [.init(id: "inv-1", amount: 12_900, note: nil), .init(id: "inv-2", amount: 0, note: "paid \"twice\"")],
    byName: ["a": 1, "b-c": -2], byNumber: [3: "three", -1: "minus one"], nested: [[1, 2], [], [3]],
    when: Date(timeIntervalSince1970: 1_795_000_000.123), bytes: Data([0, 1, 2, 250, 255]), noBytes: nil,
    ratio: 0.1, tiny: 1e-7, huge: 1e300, extremes: [Int64.min, -1, 0, Int64.max], unsigned: UInt64.max, flag: true,
    text: "quote \" backslash \\ slash / tab \t newline \n control \u{01} é 🎉", empty: .init(), emptyList: [],
    emptyMap: [:], maybe: nil, maybeList: [1, nil, 3])

@Suite("State coding: Foundation's JSON, faster")
struct StateCodingTests {
    @Test("a value with every kind of member goes through the fast coders and back unchanged")
    func roundTrip() throws {
        let bytes = try StateCoding.fastEncode(sample)
        #expect(try StateCoding.fastDecode(KitchenSink.self, from: bytes) == sample)
        // Strict RFC 8259: the reader Relance uses for untrusted input accepts it.
        #expect(throws: Never.self) { try JSONReader.read(bytes) }
    }

    @Test("Foundation's decoder reads what the fast encoder writes, and the other way round (older changelogs)")
    func compatibleWithFoundation() throws {
        let fast = try StateCoding.fastEncode(sample)
        #expect(try JSONDecoder().decode(KitchenSink.self, from: Data(fast)) == sample)
        let foundation = try JSONEncoder().encode(sample)
        #expect(try StateCoding.fastDecode(KitchenSink.self, from: Array(foundation)) == sample)
    }

    @Test("top-level values that are not objects")
    func topLevel() throws {
        #expect(String(decoding: try StateCoding.fastEncode([1, 2, 3]), as: UTF8.self) == "[1,2,3]")
        #expect(String(decoding: try StateCoding.fastEncode("x"), as: UTF8.self) == "\"x\"")
        #expect(String(decoding: try StateCoding.fastEncode(KitchenSink.Empty()), as: UTF8.self) == "{}")
        #expect(try StateCoding.fastDecode([Int?].self, from: Array("[null,2]".utf8)) == [nil, 2])
    }

    @Test("what the fast coders refuse, Foundation's handle: same results")
    func fallback() throws {
        #expect(throws: (any Error).self) { try StateCoding.fastEncode([Double.nan]) }
        // A class hierarchy encodes its superclass through superEncoder.
        let child = Child(base: 1, own: 2)
        #expect(throws: (any Error).self) { try StateCoding.fastEncode(child) }
        let bytes = try StateCoding.encode(child)
        let back = try StateCoding.decode(Child.self, from: bytes)
        #expect(back.base == 1 && back.own == 2)
        // Bad input is an error, not a crash.
        #expect(throws: (any Error).self) {
            try StateCoding.decode(KitchenSink.self, from: Array("{\"status\":1}".utf8))
        }
    }
}

private class Base: Codable {
    var base: Int
    init(base: Int) { self.base = base }
}

private final class Child: Base {
    var own: Int
    init(base: Int, own: Int) {
        self.own = own
        super.init(base: base)
    }
    enum Keys: CodingKey { case own }
    required init(from decoder: any Decoder) throws {
        own = try decoder.container(keyedBy: Keys.self).decode(Int.self, forKey: .own)
        try super.init(from: decoder.container(keyedBy: Keys.self).superDecoder())
    }
    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(own, forKey: .own)
        try super.encode(to: container.superEncoder())
    }
}
