import RelanceEvents

/// A card brand as gateways and billing platforms write it ("visa", "Visa", "American Express",
/// "amex", "american_express", "Diners Club", "diners"), read to one name per brand.
public struct CardBrand: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The brand's name: `visa`, `mastercard`, `amex`, `jcb`, `diners`, `discover`, `unionpay`,
    /// `maestro`, `cartes_bancaires`; else the text given, lowercased, without spaces or dashes.
    public let name: String

    public init(_ text: String) {
        let squeezed = String(
            text.lowercased().unicodeScalars.filter { !" _-.".unicodeScalars.contains($0) }.map(Character.init))
        name = Self.aliases[squeezed] ?? squeezed
    }

    static let aliases: [String: String] = [
        "americanexpress": "amex", "amex": "amex", "mastercard": "mastercard", "mc": "mastercard",
        "visa": "visa", "jcb": "jcb", "japancreditbureau": "jcb", "diners": "diners", "dinersclub": "diners",
        "dinersclubinternational": "diners", "discover": "discover", "unionpay": "unionpay",
        "chinaunionpay": "unionpay", "maestro": "maestro", "cartesbancaires": "cartes_bancaires",
        "cb": "cartes_bancaires",
    ]

    /// As printed on cards.
    public var displayName: String {
        let names = [
            "visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "jcb": "JCB",
            "diners": "Diners Club", "discover": "Discover", "unionpay": "UnionPay", "maestro": "Maestro",
            "cartes_bancaires": "Cartes Bancaires",
        ]
        return names[name] ?? name
    }

    public var description: String { name }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

/// The card brands each merchant accepts for prepaid recharges (seed 002: Visa, Mastercard,
/// American Express, JCB). A file (`{"default": [...], "merchants": {"m-1": [...]}}`); a merchant
/// not named takes `default`, and without a file every merchant takes the seed's four.
public struct AcceptedCardBrands: Sendable, Equatable {
    public static let seed: [CardBrand] = ["visa", "mastercard", "amex", "jcb"].map(CardBrand.init)

    public var `default`: [CardBrand]
    public var merchants: [String: [CardBrand]]

    public init(default: [CardBrand] = Self.seed, merchants: [String: [CardBrand]] = [:]) {
        self.default = `default`
        self.merchants = merchants
    }

    /// The brands `merchantID` accepts.
    public func brands(for merchantID: String) -> [CardBrand] { merchants[merchantID] ?? self.default }

    public func accepts(_ brand: CardBrand, merchantID: String) -> Bool { brands(for: merchantID).contains(brand) }

    /// Reads the file: members other than `default` and `merchants`, brand lists that are not
    /// lists of strings, or an empty list (a merchant taking no card at all) are refused with
    /// where and why.
    public static func read(_ bytes: [UInt8]) throws(PolicyError) -> AcceptedCardBrands {
        let json: JSONValue
        do {
            json = try JSONReader.read(bytes)
        } catch {
            throw PolicyError("not JSON: \(error)")
        }
        guard case .object(let members) = json else {
            throw PolicyError("expected an object {\"default\": [brands], \"merchants\": {\"merchant id\": [brands]}}")
        }
        func brands(_ value: JSONValue, at path: String) throws(PolicyError) -> [CardBrand] {
            guard case .array(let items) = value, !items.isEmpty else {
                throw PolicyError("\(path): expected a non-empty list of card brands such as [\"visa\", \"jcb\"]")
            }
            var result: [CardBrand] = []
            for (index, item) in items.enumerated() {
                guard let text = item.stringValue, !text.isEmpty else {
                    throw PolicyError("\(path)[\(index)]: expected a card brand name (a string)")
                }
                result.append(CardBrand(text))
            }
            return result
        }
        var policy = AcceptedCardBrands()
        for (key, value) in members {
            switch key {
            case "default": policy.default = try brands(value, at: "default")
            case "merchants":
                guard case .object(let merchants) = value else {
                    throw PolicyError("merchants: expected an object {\"merchant id\": [brands]}")
                }
                for (merchant, list) in merchants {
                    policy.merchants[merchant] = try brands(list, at: "merchants.\(merchant)")
                }
            default:
                throw PolicyError("\(key): unknown member (expected default, merchants)")
            }
        }
        return policy
    }
}
