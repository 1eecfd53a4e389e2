import RelanceEvents

/// Prepaid credit (seed 002): usage and monthly fees are deducted from the balance; Relance
/// keeps it topped up by charge requests, never two in flight for one account.

/// Minimum top-ups and the conversion rates that carry them into other currencies. The
/// minimums are in AUD (seed 002: 20 by card, 200 by bank transfer); a currency without a
/// configured rate has no minimum to compare with, and its top-ups are refused (rates are
/// configuration, never guesses).
public struct TopUpPolicy: Sendable, Codable, Equatable {
    public var baseCurrency = "AUD"
    /// Minor units of `baseCurrency` per method.
    public var minimums: [String: Int64] = ["card": 2_000, "bank_transfer": 20_000]
    /// Units of the currency one unit of `baseCurrency` buys, as a decimal string ("0.61").
    public var rates: [String: String] = [:]
    /// Days a bank-transfer top-up invoice leaves to pay.
    public var transferDueDays = 14

    public init() {}

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = TopUpPolicy()
        baseCurrency = try container.decodeIfPresent(String.self, forKey: .baseCurrency) ?? defaults.baseCurrency
        minimums = try container.decodeIfPresent([String: Int64].self, forKey: .minimums) ?? defaults.minimums
        rates = try container.decodeIfPresent([String: String].self, forKey: .rates) ?? defaults.rates
        transferDueDays = try container.decodeIfPresent(Int.self, forKey: .transferDueDays) ?? defaults.transferDueDays
        for (code, rate) in rates where Self.decimal(rate) == nil || Currency(code: code) == nil {
            throw DecodingError.dataCorruptedError(
                forKey: .rates, in: container, debugDescription: "rate \(code): \(rate) is not a positive decimal")
        }
    }

    /// The minimum top-up by `method` in `currency`'s minor units, rounded up; nil also when
    /// the configured minimum and rate make a product that does not fit (checked, never a trap).
    public func minimum(_ method: TopUpMethod, currency code: String) -> Int64? {
        guard let base = minimums[method.rawValue], let from = Currency(code: baseCurrency),
            let to = Currency(code: code)
        else { return nil }
        if code == baseCurrency { return base }
        guard let (numerator, denominator) = rates[code].flatMap(Self.decimal) else { return nil }
        // base minor → base major → target major (× rate) → target minor, rounded up.
        do throws(MoneyOverflow) {
            let top = try Money.multiply(Money.multiply(base, numerator), to.minorUnitsPerMajorUnit)
            let bottom = try Money.multiply(from.minorUnitsPerMajorUnit, denominator)
            return try Money.subtract(Money.add(top, bottom), 1) / bottom
        } catch {
            return nil
        }
    }

    /// "0.61" → (61, 100). Nil unless a positive plain decimal.
    static func decimal(_ text: String) -> (Int64, Int64)? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int64(parts[0]), whole >= 0 else { return nil }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= 9, fraction.allSatisfy(\.isASCIIDigit) else { return nil }
        var denominator: Int64 = 1
        for _ in fraction { denominator *= 10 }  // at most 10^9
        guard let scaled = try? Money.multiply(whole, denominator),
            let value = try? Money.add(scaled, Int64(fraction) ?? 0)
        else { return nil }
        return value > 0 ? (value, denominator) : nil
    }
}

/// The account's automatic-recharge settings (seed 002: Gestion du solde).
public struct RechargeSettings: Sendable, Codable, Equatable {
    public var automatic = false
    /// Recharge when the balance falls below this (minor units).
    public var threshold: Int64 = 0
    /// How much an automatic recharge buys.
    public var amount: Int64 = 0
    /// Bought at the end of every month, when set.
    public var monthly: Int64?

    public init(automatic: Bool = false, threshold: Int64 = 0, amount: Int64 = 0, monthly: Int64? = nil) {
        self.automatic = automatic
        self.threshold = threshold
        self.amount = amount
        self.monthly = monthly
    }
}

/// A top-up being bought: its invoice, and its card charge while one is in flight.
public struct TopUp: Sendable, Codable, Equatable {
    public enum Cause: String, Sendable, Codable {
        case threshold
        case negativeBalance = "negative_balance"
        case monthly, manual
    }
    public var number: Int
    public var amount: Int64
    public var method: TopUpMethod
    public var cause: Cause
    /// Card charges made for it so far; the charge request id is derived from it.
    public var attempt = 1

    public var invoiceID: String { "topup-\(number)" }
    public var chargeRequestID: String { "topup-\(number)-attempt-\(attempt)" }
}

/// What the account asks for.
public enum PrepaidEffect: Sendable, Equatable {
    /// Issue the top-up's invoice (the credit bought, not the usage).
    case invoice(TopUp)
    /// Charge the saved card for the top-up.
    case charge(TopUp)
    /// The card charge failed: ask the customer to check funds and update the card.
    case rechargeFailed(TopUp, reason: String)
    /// Not charged: the card on file is of a brand the merchant does not accept (seed 002); the
    /// top-up waits for another card.
    case cardNotAccepted(TopUp, brand: CardBrand)
    /// The balance changed.
    case balance
    /// A request refused, and why.
    case refused(String)
}

public struct PrepaidAccount: Sendable, Codable, Equatable {
    public var currency: String?
    /// Minor units; negative when usage ran past the credit.
    public var balance: Int64 = 0
    public var settings = RechargeSettings()
    /// The card top-up whose charge is in flight: never two.
    public var charging: TopUp?
    /// A card top-up whose charge failed: charged again when the card is replaced.
    public var failed: TopUp?
    /// Bank-transfer top-ups invoiced and not paid yet.
    public var awaitingTransfer: [TopUp] = []
    /// The month-end recharge fell due while a charge was in flight: made right after.
    public var monthlyDue = false
    /// The brand of the card on file, from the last `card.replaced` (nil: not known, charged
    /// and left to the gateway).
    public var cardBrand: CardBrand?
    var nextNumber = 1

    public init() {}

    /// The settings change (and the account's currency, on the first one).
    public mutating func configure(_ settings: RechargeSettings, currency: String, policy: TopUpPolicy)
        -> [PrepaidEffect]
    {
        self.currency = self.currency ?? currency
        self.settings = settings
        return topUpIfLow(policy: policy)
    }

    /// Usage or a monthly fee: deducted from the balance (refused, the balance unchanged, when
    /// the balance would not fit).
    public mutating func deduct(_ amount: Int64, policy: TopUpPolicy) -> [PrepaidEffect] {
        do throws(MoneyOverflow) {
            balance = try Money.subtract(balance, amount)
        } catch {
            return [Self.outOfRange("deducting \(amount)", error)]
        }
        return [.balance] + topUpIfLow(policy: policy)
    }

    /// The refusal of a change whose result does not fit in the balance.
    static func outOfRange(_ what: String, _ error: MoneyOverflow) -> PrepaidEffect {
        .refused("\(MoneyOverflow.code): \(what) would take the balance out of range (\(error))")
    }

    /// The customer asks to buy credit ("Add credit", or an invoice for a transfer).
    public mutating func requestTopUp(_ amount: Int64, method: TopUpMethod, currency: String, policy: TopUpPolicy)
        -> [PrepaidEffect]
    {
        self.currency = self.currency ?? currency
        guard currency == self.currency else {
            return [.refused("the account's credit is in \(self.currency!), not \(currency)")]
        }
        guard let minimum = policy.minimum(method, currency: currency) else {
            return [.refused("no conversion rate from \(policy.baseCurrency) to \(currency) is configured")]
        }
        guard amount >= minimum else {
            return [
                .refused(
                    "the minimum \(method == .card ? "card" : "bank transfer") top-up is \(minimum) minor units of "
                        + "\(currency) (\(policy.minimums[method.rawValue]! / 100) \(policy.baseCurrency) or the equivalent)"
                )
            ]
        }
        if method == .card && charging != nil {
            return [.refused("a card top-up is already being charged")]
        }
        return start(amount, method: method, cause: .manual)
    }

    /// The outcome of a charge. Only the charge in flight counts; anything else is ignored.
    public mutating func charged(chargeRequestID: String, succeeded: Bool, reason: String, policy: TopUpPolicy)
        -> [PrepaidEffect]
    {
        guard let topUp = charging, topUp.chargeRequestID == chargeRequestID else { return [] }
        if succeeded {
            do throws(MoneyOverflow) {
                balance = try Money.add(balance, topUp.amount)
            } catch {
                return [Self.outOfRange("crediting top-up \(topUp.invoiceID)", error)]
            }
        }
        charging = nil
        if succeeded {
            var effects: [PrepaidEffect] = [.balance]
            if monthlyDue {
                monthlyDue = false
                effects += monthEnded(policy: policy)
            }
            return effects + topUpIfLow(policy: policy)
        }
        failed = topUp
        return [.rechargeFailed(topUp, reason: reason)]
    }

    /// A bank transfer paid a top-up invoice: what arrived is credited (bank fees deducted
    /// on the way reduce it, seed 002).
    public mutating func transferReceived(invoiceID: String, amount: Int64) -> [PrepaidEffect] {
        guard let index = awaitingTransfer.firstIndex(where: { $0.invoiceID == invoiceID }) else { return [] }
        do throws(MoneyOverflow) {
            balance = try Money.add(balance, amount)
        } catch {
            return [Self.outOfRange("crediting transfer \(invoiceID)", error)]
        }
        awaitingTransfer.remove(at: index)
        return [.balance]
    }

    /// A new card: the failed top-up (or the one waiting for an accepted card) is charged again.
    public mutating func cardReplaced(brand: CardBrand? = nil) -> [PrepaidEffect] {
        if let brand { cardBrand = brand }
        guard var topUp = failed, charging == nil else { return [] }
        failed = nil
        topUp.attempt += 1
        charging = topUp
        return [.charge(topUp)]
    }

    /// The end of the month: the monthly recharge, when configured.
    public mutating func monthEnded(policy: TopUpPolicy) -> [PrepaidEffect] {
        guard let monthly = settings.monthly, settings.automatic, monthly > 0, let currency else { return [] }
        if charging != nil || failed != nil {
            monthlyDue = charging != nil
            return []
        }
        let amount = max(monthly, policy.minimum(.card, currency: currency) ?? monthly)
        return start(amount, method: .card, cause: .monthly)
    }

    /// Below the threshold (or negative) with automatic recharge on, and no charge in flight
    /// or waiting for a new card: one recharge, enough to come back to the threshold.
    mutating func topUpIfLow(policy: TopUpPolicy) -> [PrepaidEffect] {
        guard settings.automatic, charging == nil, failed == nil, let currency,
            balance < settings.threshold || balance < 0
        else { return [] }
        let minimum = policy.minimum(.card, currency: currency) ?? 0
        guard let missing = try? Money.subtract(settings.threshold, balance) else {
            return [.refused("\(MoneyOverflow.code): the recharge back to the threshold cannot be computed")]
        }
        let amount = max(settings.amount, minimum, missing)
        return start(amount, method: .card, cause: balance < 0 ? .negativeBalance : .threshold)
    }

    /// The card charges among `effects`, kept only when the card on file is of a brand in
    /// `accepted`: otherwise the top-up is not charged and waits for another card, as a failed
    /// one does (no new recharge meanwhile; `cardReplaced` charges it), and the customer is asked
    /// for one. A card of unknown brand is charged.
    public mutating func onlyAcceptedCards(_ effects: [PrepaidEffect], accepted: [CardBrand]) -> [PrepaidEffect] {
        guard let brand = cardBrand, !accepted.contains(brand) else { return effects }
        return effects.map { effect in
            guard case .charge(let topUp) = effect else { return effect }
            if charging == topUp { charging = nil }
            // Not charged: the attempt is not spent (the next card's charge is this attempt).
            var waiting = topUp
            waiting.attempt -= 1
            failed = waiting
            return .cardNotAccepted(topUp, brand: brand)
        }
    }

    mutating func start(_ amount: Int64, method: TopUpMethod, cause: TopUp.Cause) -> [PrepaidEffect] {
        let topUp = TopUp(number: nextNumber, amount: amount, method: method, cause: cause)
        nextNumber += 1
        if method == .card {
            charging = topUp
            return [.invoice(topUp), .charge(topUp)]
        }
        awaitingTransfer.append(topUp)
        return [.invoice(topUp)]
    }
}
