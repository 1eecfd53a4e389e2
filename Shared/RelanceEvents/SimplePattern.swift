/// The regular-expression subset the event schemas use, compiled once: anchors `^` `$`,
/// literal characters, classes such as `[A-Z0-9_-]`, and the quantifiers `{n}`, `{n,m}`,
/// `?`, `*`, `+`. Matching is on Unicode scalars and always whole-string (schemas anchor
/// their patterns).
public struct SimplePattern: Sendable, Equatable {
    struct Piece: Sendable, Equatable {
        var ranges: [ClosedRange<Unicode.Scalar>]
        var minimum: Int
        var maximum: Int  // Int.max: unbounded

        func accepts(_ scalar: Unicode.Scalar) -> Bool { ranges.contains { $0.contains(scalar) } }
    }

    public let source: String
    let pieces: [Piece]

    /// Nil when the pattern uses anything outside the subset.
    public init?(_ source: String) {
        self.source = source
        var scalars = Array(source.unicodeScalars)
        if scalars.first == "^" { scalars.removeFirst() }
        if scalars.last == "$" { scalars.removeLast() }
        var pieces: [Piece] = []
        var index = 0
        func number() -> Int? {
            var digits = ""
            while index < scalars.count, ("0"..."9").contains(scalars[index]) {
                digits.unicodeScalars.append(scalars[index])
                index += 1
            }
            return Int(digits)
        }
        while index < scalars.count {
            var ranges: [ClosedRange<Unicode.Scalar>] = []
            let scalar = scalars[index]
            if scalar == "[" {
                index += 1
                while index < scalars.count, scalars[index] != "]" {
                    let low = scalars[index]
                    if index + 2 < scalars.count, scalars[index + 1] == "-", scalars[index + 2] != "]" {
                        ranges.append(low...scalars[index + 2])
                        index += 3
                    } else {
                        ranges.append(low...low)
                        index += 1
                    }
                }
                guard index < scalars.count else { return nil }
                index += 1
            } else if "()|.\\{}?*+".unicodeScalars.contains(scalar) {
                return nil
            } else {
                ranges = [scalar...scalar]
                index += 1
            }
            var piece = Piece(ranges: ranges, minimum: 1, maximum: 1)
            if index < scalars.count {
                switch scalars[index] {
                case "?":
                    (piece.minimum, piece.maximum) = (0, 1)
                    index += 1
                case "*":
                    (piece.minimum, piece.maximum) = (0, Int.max)
                    index += 1
                case "+":
                    (piece.minimum, piece.maximum) = (1, Int.max)
                    index += 1
                case "{":
                    index += 1
                    guard let low = number() else { return nil }
                    var high = low
                    if index < scalars.count, scalars[index] == "," {
                        index += 1
                        high = number() ?? Int.max
                    }
                    guard index < scalars.count, scalars[index] == "}" else { return nil }
                    index += 1
                    (piece.minimum, piece.maximum) = (low, high)
                default: break
                }
            }
            pieces.append(piece)
        }
        self.pieces = pieces
    }

    /// Whole-string match (greedy pieces with backtracking).
    public func matches(_ text: String) -> Bool {
        // ASCII text, the usual case: match on its bytes without copying them.
        var copy = text
        if let result = copy.withUTF8({ bytes -> Bool? in
            guard !bytes.contains(where: { $0 >= 0x80 }) else { return nil }
            return matches(count: bytes.count) { Unicode.Scalar(bytes[$0]) }
        }) {
            return result
        }
        let scalars = Array(text.unicodeScalars)
        return matches(count: scalars.count) { scalars[$0] }
    }

    private func matches(count: Int, _ scalarAt: (Int) -> Unicode.Scalar) -> Bool {
        func match(_ piece: Int, _ at: Int) -> Bool {
            guard piece < pieces.count else { return at == count }
            let p = pieces[piece]
            var taken = 0
            while taken < p.maximum, at + taken < count, p.accepts(scalarAt(at + taken)) { taken += 1 }
            while taken >= p.minimum {
                if match(piece + 1, at + taken) { return true }
                taken -= 1
            }
            return false
        }
        return match(0, 0)
    }
}
