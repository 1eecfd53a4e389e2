import Foundation
import RelanceEvents

/// The overdue ladder of seed 000 and the account status that goes with it.
///
/// Five emails for an account whose oldest unpaid invoice is past due — first notice, second
/// notice, third notice (terminated in 10 days), final notice (terminated in 5 days), legal
/// notice (terminated) — on days counted from that invoice's due date. The account is past due
/// (the red banner) while anything is overdue, suspended at the final notice, terminated at the
/// legal notice (or what the merchant's `finalAction` says), and reactivated as soon as nothing
/// is overdue (or what is overdue is under the merchant's `minimumOverdue`). A payment in
/// flight (a direct debit takes up to 10 business days) holds back the steps that suspend or
/// terminate; a charge Relance requested for an invoice pauses that invoice's ladder until its
/// outcome. An operator's pause or exclusion (`hold`) holds every notice and escalation.
public struct LadderPolicy: Sendable, Codable, Equatable {
    /// Days after the due date of each of the five steps, increasing.
    public var stepDays: [Int]
    /// How long a payment in flight holds the ladder back before it is presumed lost.
    public var pendingPaymentDays: Int
    /// What the legal notice (step 5) does to the account.
    public var finalAction: FinalAction = .terminate
    /// Currency → the overdue balance (minor units) from which the ladder runs: an account
    /// whose overdue balance is under it in every currency is not dunned. A currency not named
    /// has no minimum.
    public var minimumOverdue: [String: Int64] = [:]
    /// Days before an invoice's due date on which a reminder goes out, largest first.
    public var preDueReminderDays: [Int] = []
    /// Late fees added from a ladder step (nil: none).
    public var lateFees: LateFeePolicy?
    /// Days before a long subscription's renewal that its renewal notice goes out (0: none).
    public var renewalNoticeDays = 7

    public static let `default` = LadderPolicy(stepDays: [1, 8, 15, 20, 25], pendingPaymentDays: 14)

    public init(
        stepDays: [Int], pendingPaymentDays: Int = 14, finalAction: FinalAction = .terminate,
        minimumOverdue: [String: Int64] = [:]
    ) {
        self.stepDays = stepDays
        self.pendingPaymentDays = pendingPaymentDays
        self.finalAction = finalAction
        self.minimumOverdue = minimumOverdue
    }

    /// Whether these overdue invoices are dunned: some currency's overdue balance reaches its
    /// minimum (a currency without one: any balance).
    public func dunned(_ overdue: [DueInvoice]) -> Bool {
        guard !minimumOverdue.isEmpty else { return !overdue.isEmpty }
        var balances: [String: Int64] = [:]
        for invoice in overdue {
            balances[invoice.currency] = Money.addReceived(balances[invoice.currency, default: 0], invoice.remaining)
        }
        return balances.contains { currency, balance in balance > 0 && balance >= minimumOverdue[currency, default: 0] }
    }

    /// Five increasing non-negative day counts, or why not.
    public func validated() throws(LadderPolicyError) -> LadderPolicy {
        guard stepDays.count == 5 else { throw LadderPolicyError("the ladder has 5 steps, got \(stepDays.count)") }
        guard stepDays.allSatisfy({ $0 >= 0 }), zip(stepDays, stepDays.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw LadderPolicyError("step days must be increasing and not negative: \(stepDays)")
        }
        guard pendingPaymentDays > 0 else { throw LadderPolicyError("pendingPaymentDays must be positive") }
        return self
    }

    /// Steps 3 and 4 announce the final action: the days between them and the step that
    /// carries it out (step 5; step 4 for `suspend`, which step 4 itself carries out).
    public func daysToTermination(step: Int) -> Int? {
        let final = finalAction.step
        guard step == 3 || step == 4, step < final, stepDays.indices.contains(final - 1),
            stepDays.indices.contains(step - 1)
        else { return nil }
        return stepDays[final - 1] - stepDays[step - 1]
    }

    /// "1,8,15,20,25" → a policy.
    public static func parse(_ text: String) throws(LadderPolicyError) -> LadderPolicy {
        let days = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard days.allSatisfy({ $0 != nil }) else { throw LadderPolicyError("\"\(text)\" is not a list of day counts") }
        return try LadderPolicy(stepDays: days.compactMap { $0 }).validated()
    }
}

public struct LadderPolicyError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public enum AccountStanding: String, Sendable, Codable {
    case active
    case pastDue = "past_due"
    case suspended, terminated
    /// How dunning ended besides termination (`FinalAction`).
    case cancelled
    case inCollections = "in_collections"
    case writtenOff = "written_off"

    /// A standing the legal notice leads to (`FinalAction.standing`), suspension excepted:
    /// dunning is over; a later step never changes it.
    public var isFinal: Bool {
        self == .terminated || self == .cancelled || self == .inCollections || self == .writtenOff
    }
}

/// An invoice as the mailer follows it.
public struct DueInvoice: Sendable, Codable, Equatable {
    public var id: String
    public var number: String
    public var amount: Int64
    public var currency: String
    /// yyyy-MM-dd; overdue from the next day.
    public var dueOn: String
    public var paid: Int64 = 0
    /// Late fees added to it (nil: none): what it owes is its amount and its fees.
    public var fees: [LateFee]?
    /// What reconciliation has allocated to it (`allocation.made`: its amount less what is
    /// open), the highest figure read (nil: none). It counts the payments read here too, in any
    /// order: what is settled is the larger of `paid` and this, never their sum.
    public var reconciled: Int64?

    public init(
        id: String, number: String, amount: Int64, currency: String, dueOn: String, paid: Int64 = 0,
        fees: [LateFee]? = nil
    ) {
        self.id = id
        self.number = number
        self.amount = amount
        self.currency = currency
        self.dueOn = dueOn
        self.paid = paid
        self.fees = fees
    }

    /// The amount and the fees added to it (held at `Int64.max`; `add` keeps it within an amount).
    public var owed: Int64 { (fees ?? []).reduce(amount) { Money.addReceived($0, $1.amount) } }

    /// What is settled: the payments read here, or reconciliation's figure when higher.
    public var settled: Int64 { max(paid, reconciled ?? 0) }

    /// What is left to pay of the amount and the fees: a payment covers the fees too.
    public var remaining: Int64 {
        max(0, owed.subtractingReportingOverflow(settled).overflow ? 0 : owed - settled)
    }

    /// What is left to pay of the invoice's own amount (payments counted against it first):
    /// the base of late interest, which never bears on fees.
    public var principalRemaining: Int64 {
        max(0, amount.subtractingReportingOverflow(settled).overflow ? 0 : amount - settled)
    }

    /// Adds a fee; one that would take what the invoice owes beyond an amount
    /// (`Money.maximumMinorUnits`) is refused (`amount_out_of_range`), never a trap.
    public mutating func add(_ fee: LateFee) throws(LateFeeRefusal) {
        let total = try? Money.add(owed, fee.amount)
        guard let total, fee.amount >= 0, total <= Money.maximumMinorUnits else {
            throw LateFeeRefusal(
                MoneyOverflow.code,
                "fee \(fee.id) of \(fee.amount) would take invoice \(id) beyond \(Money.maximumMinorUnits) minor units")
        }
        fees = (fees ?? []) + [fee]
    }
}

/// A late fee refused: the code of its rejection, and why.
public struct LateFeeRefusal: Error, Sendable, Equatable {
    public var code: String
    public var message: String
    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// What the ladder asks for: an email step, a status change.
public enum LadderEffect: Sendable, Equatable {
    /// Send step `step` about these overdue invoices (oldest first); the episode is the invoice
    /// the ladder follows, so that the email's reason — and Message-ID — is stable.
    case step(Int, episode: String, invoices: [DueInvoice])
    case status(AccountStanding, reason: String)
    /// Everything overdue was paid after a suspension or termination.
    case reactivated
    /// A reminder `days` days before this invoice falls due (the policy's `preDueReminderDays`).
    /// `days` is the policy's day (the reason's); `daysLeft` the days really left before the
    /// due date (0: due today).
    case dueSoon(DueInvoice, days: Int, daysLeft: Int)
    /// The final action hands these overdue invoices to collections (each invoice once ever).
    case handOver([DueInvoice])
    /// A late fee added to this invoice (as it is with the fee), before the step that shows it.
    case feeAdded(DueInvoice, LateFee)
    /// The notice of a subscription's coming renewal, `daysLeft` days before it (`renewals`).
    case renewalNotice(UpcomingRenewal, daysLeft: Int)
}

/// A subscription's next renewal (`subscription.renewal-upcoming`) billed every six months or
/// less often: its notice is sent once, `renewalNoticeDays` before `renewsOn`.
public struct UpcomingRenewal: Sendable, Codable, Equatable {
    public var subscriptionID: String
    public var plan: String
    /// yyyy-MM-dd
    public var renewsOn: String
    public var amount: Int64
    public var currency: String
    public var intervalMonths: Int
    public var manageURL: String?

    public init(
        subscriptionID: String, plan: String, renewsOn: String, amount: Int64, currency: String, intervalMonths: Int,
        manageURL: String? = nil
    ) {
        self.subscriptionID = subscriptionID
        self.plan = plan
        self.renewsOn = renewsOn
        self.amount = amount
        self.currency = currency
        self.intervalMonths = intervalMonths
        self.manageURL = manageURL
    }

    /// The renewal and its date: one notice per subscription and billing date.
    public var key: String { "\(subscriptionID)@\(renewsOn)" }

    /// Mastercard's rule: a notice for subscriptions billed every six months or less often.
    public static let minimumIntervalMonths = 6
}

/// One account's invoices, payments in flight, ladder progress and standing.
public struct OverdueLadder: Sendable, Codable, Equatable {
    public var invoices: [DueInvoice] = []
    /// Payment id → (invoice id, milliseconds when presumed lost, the charge request if it is one).
    public var pending: [String: PendingPayment] = [:]
    /// Invoice id → money received for an invoice not seen yet (optional: older states lack it).
    public var unmatchedPayments: [String: Int64]?
    public var standing: AccountStanding = .active
    /// The invoice the ladder follows, and the steps sent for it.
    public var episode: String?
    public var stepsSent = 0
    /// An operator's pause or exclusion (`dunning.command`): no notice, no status escalation.
    public var hold: DunningHold?
    /// Milliseconds the current episode's steps are put back by pauses (nil: none).
    public var delay: Int64?
    /// When dunning was last resumed, until `advance` puts the next step no earlier.
    public var resumedAt: Int64?
    /// Invoice id → the last pre-due reminder sent for it (days before its due date), while
    /// it is unpaid and not yet due.
    public var remindedBeforeDue: [String: Int]?
    /// When the last ladder stopped (paid, or under the minimum): a new ladder starts no earlier.
    public var stoppedAt: Int64?
    /// When the current ladder started, if later than its invoice's first overdue day (the
    /// balance reached the minimum then): its days count from then, and its notices' reasons
    /// name that day (`episodeKey`).
    public var startedAt: Int64?
    /// Invoice ids handed over to collections by a final action (each once).
    public var handedOver: [String]?
    /// The late fees decided (`<invoice>/<kind>`, the latest 400): each once ever, whatever
    /// replays, restarts or later ladders come.
    public var lateFeeIDs: [String]?
    /// Late fees refused (fee id → why: `amount_out_of_range`), never tried again (nil: none).
    public var lateFeeRefusals: [String: String]?
    /// Invoice id → reconciliation's allocated total for an invoice not seen yet (at most 16).
    public var unmatchedReconciled: [String: Int64]?
    /// Long subscriptions' next renewals whose notice is still to go (nil: none).
    public var renewals: [UpcomingRenewal]?
    /// The renewals noticed (`UpcomingRenewal.key`, the latest 20): each once, whatever replays come.
    public var renewalsNoticed: [String]?

    public struct PendingPayment: Sendable, Codable, Equatable {
        public var invoiceID: String
        public var expiresAt: Int64
        /// Set for a charge Relance requested (payment-retry's retry, a new card, an operator's
        /// retry now): it pauses its invoice's ladder. Nil for a payment the customer sent (a
        /// direct debit), which holds back suspension and termination only.
        public var chargeRequestID: String?

        public init(invoiceID: String, expiresAt: Int64, chargeRequestID: String? = nil) {
            self.invoiceID = invoiceID
            self.expiresAt = expiresAt
            self.chargeRequestID = chargeRequestID
        }
    }

    public init() {}

    static let day: Int64 = 86_400_000

    /// Midnight UTC starting the day of `moment`.
    static func startOfDay(_ moment: Int64) -> Int64 {
        (moment >= 0 ? moment / day : (moment - day + 1) / day) * day
    }

    /// Whether a pre-due reminder about invoice `invoiceID` still applies at `now`: unpaid, not
    /// yet past its due date, dunning not held. A reminder held (no recipients yet) is dropped
    /// when it no longer does.
    public func reminderApplies(invoice invoiceID: String, now: Int64) -> Bool {
        guard let invoice = invoices.first(where: { $0.id == invoiceID }), invoice.remaining > 0,
            let dueEnd = Self.moment(invoice.dueOn, plus: 1), now < dueEnd
        else { return false }
        return hold?.holds(at: now) != true && standing != .writtenOff
    }

    /// Midnight UTC starting the day `dueOn` (yyyy-MM-dd) plus `days` days (`plus: 1`: the day
    /// after, from when an invoice is overdue); nil when it is not a date.
    public static func moment(_ dueOn: String, plus days: Int) -> Int64? {
        let parts = dueOn.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let dayOfMonth = Int(parts[2])
        else { return nil }
        return Int64(Timestamp.daysFromCivil(year: year, month: month, day: dayOfMonth) + days) * day
    }

    /// Invoices with something left to pay and a due date before `now`, oldest due first.
    public func overdue(now: Int64) -> [DueInvoice] {
        invoices.filter { invoice in
            invoice.remaining > 0 && (Self.moment(invoice.dueOn, plus: 1).map { now >= $0 } ?? false)
        }.sorted { ($0.dueOn, $0.id) < ($1.dueOn, $1.id) }
    }

    public mutating func issued(_ invoice: DueInvoice) {
        if let index = invoices.firstIndex(where: { $0.id == invoice.id }) {
            var updated = invoice
            updated.paid = invoices[index].paid
            updated.fees = invoices[index].fees
            updated.reconciled = invoices[index].reconciled
            invoices[index] = updated
        } else {
            var invoice = invoice
            // Paid before it was seen: payments and invoices travel on different topics.
            if let early = unmatchedPayments?.removeValue(forKey: invoice.id) {
                invoice.paid = Money.addReceived(invoice.paid, early)
            }
            if let early = unmatchedReconciled?.removeValue(forKey: invoice.id) {
                invoice.reconciled = early
            }
            if unmatchedReconciled?.isEmpty == true { unmatchedReconciled = nil }
            invoices.append(invoice)
            pruneSettled()
        }
    }

    /// Settled invoices are kept only while they might be named again: past 100, the oldest
    /// settled one goes.
    mutating func pruneSettled() {
        while invoices.count > 100, let settled = invoices.firstIndex(where: { $0.remaining == 0 }) {
            invoices.remove(at: settled)
        }
    }

    /// Money received for an invoice (a succeeded payment, an accepted proof).
    public mutating func paid(invoiceID: String, amount: Int64, paymentID: String?) {
        if let paymentID { pending[paymentID] = nil }
        if let index = invoices.firstIndex(where: { $0.id == invoiceID }) {
            invoices[index].paid = Money.addReceived(invoices[index].paid, amount)
        } else {
            // Kept for when the invoice arrives (at most 16 invoices waited for).
            var early = unmatchedPayments ?? [:]
            early[invoiceID] = Money.addReceived(early[invoiceID, default: 0], amount)
            if early.count > 16, let any = early.keys.sorted().first { early[any] = nil }
            unmatchedPayments = early
        }
        pruneSettled()
    }

    /// What reconciliation has allocated to an invoice in all (`allocation.made`: the debit's
    /// amount less what is open, whatever fees it knows of): the highest figure read is kept
    /// beside the payments read here, and what is settled is the larger of the two, so the
    /// same money read on both sides, in either order, counts once. One for an invoice not
    /// seen yet waits for it (at most 16).
    public mutating func reconciledPaid(invoiceID: String, amount: Int64) {
        let amount = max(0, amount)
        if let index = invoices.firstIndex(where: { $0.id == invoiceID }) {
            if amount > invoices[index].reconciled ?? 0 { invoices[index].reconciled = amount }
            pruneSettled()
        } else {
            var early = unmatchedReconciled ?? [:]
            early[invoiceID] = max(early[invoiceID] ?? 0, amount)
            if early.count > 16, let any = early.keys.sorted().first { early[any] = nil }
            unmatchedReconciled = early
        }
    }

    /// A payment is on its way: a direct debit (`chargeRequestID` nil) holds back the steps that
    /// suspend or terminate; a charge Relance requested also pauses its invoice's ladder. Both
    /// until the payment's outcome, or `pendingPaymentDays` at most.
    public mutating func paymentPending(
        paymentID: String, invoiceID: String, now: Int64, policy: LadderPolicy, chargeRequestID: String? = nil
    ) {
        pending[paymentID] = PendingPayment(
            invoiceID: invoiceID, expiresAt: now + Int64(policy.pendingPaymentDays) * Self.day,
            chargeRequestID: chargeRequestID)
    }

    /// Invoices with a charge in flight: their ladder is paused.
    /// Whether a notice about the episode of invoice `invoiceID` still applies at `now`: the
    /// invoice is overdue and no charge is paying it. A notice decided earlier and held (no
    /// recipients yet) is dropped when it no longer does.
    public func noticeApplies(episode key: String, now: Int64) -> Bool {
        let invoiceID = Self.invoiceID(ofEpisode: key)
        return overdue(now: now).contains { $0.id == invoiceID } && !invoicesBeingCharged.contains(invoiceID)
            && hold?.holds(at: now) != true
    }

    /// The invoice an episode key names: `INV-1`, or `INV-1@2026-11-01` for a ladder that
    /// started on that day (`episodeKey`).
    public static func invoiceID(ofEpisode key: String) -> String {
        key.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? key
    }

    /// The current episode's key, in its notices' reasons (and Message-IDs): the invoice id, and
    /// for a ladder that started later than the invoice fell overdue, the day it started, so that
    /// each ladder of the same invoice has its own emails.
    public var episodeKey: String? {
        guard let episode else { return nil }
        guard let startedAt else { return episode }
        return "\(episode)@\(Timestamp.format(Timestamp.date(milliseconds: startedAt)).prefix(10))"
    }

    /// The moment these overdue invoices (oldest first) first reached the policy's minimum: the
    /// day the invoice that brought the balance to it fell overdue.
    static func minimumReached(_ overdue: [DueInvoice], policy: LadderPolicy) -> Int64? {
        let byOverdueDay = overdue.sorted { ($0.dueOn, $0.id) < ($1.dueOn, $1.id) }
        for count in byOverdueDay.indices where policy.dunned(Array(byOverdueDay[...count])) {
            return moment(byOverdueDay[count].dueOn, plus: 1)
        }
        return nil
    }

    public var invoicesBeingCharged: Set<String> {
        Set(pending.values.filter { $0.chargeRequestID != nil }.map(\.invoiceID))
    }

    /// A late fee read on the invoices topic (reminder-mailer's own, read back, or another
    /// writer's): added to its invoice once (a fee id already decided, or already in the
    /// invoice's own fees, changes nothing: `lateFeeIDs` keeps only the latest 400). An
    /// invoice not known here only has the fee's id remembered.
    public mutating func feeRead(_ fee: LateFee, invoiceID: String, currency: String) throws(LateFeeRefusal) {
        guard !(lateFeeIDs ?? []).contains(fee.id) else { return }
        if let index = invoices.firstIndex(where: { $0.id == invoiceID }) {
            guard !(invoices[index].fees ?? []).contains(where: { $0.id == fee.id }) else { return }
            guard invoices[index].currency == currency else {
                throw LateFeeRefusal(
                    "currency_mismatch",
                    "fee \(fee.id) is in \(currency) but invoice \(invoiceID) is in \(invoices[index].currency)")
            }
            // As reconciliation: a fee never reopens a settled invoice (remembered, not added).
            if invoices[index].remaining > 0 { try invoices[index].add(fee) }
        }
        remember(feeIDs: [fee.id])
    }

    mutating func remember(feeIDs: [String]) {
        var ids = (lateFeeIDs ?? []) + feeIDs
        if ids.count > 400 { ids.removeFirst(ids.count - 400) }
        lateFeeIDs = ids.isEmpty ? nil : ids
    }

    /// The late fees of `policy` for the invoices step `at` is about, each fee once ever: the
    /// flat indemnity of the invoice's currency, and interest on what is left of its amount
    /// from the day after its due date to the step's day (`LateInterest`). Written on the
    /// invoices (and in `due`, which the step's email shows).
    mutating func addLateFees(
        _ policy: LateFeePolicy, to due: inout [DueInvoice], at: Int64, into effects: inout [LadderEffect]
    ) {
        let stepDay = Self.startOfDay(at)
        func day(_ moment: Int64) -> String {
            String(Timestamp.format(Timestamp.date(milliseconds: moment)).prefix(10))
        }
        for index in due.indices {
            let invoice = due[index]
            // A payment on its way (a direct debit): no fee yet; a later step adds it if the
            // payment does not come.
            guard !pending.values.contains(where: { $0.invoiceID == invoice.id }) else { continue }
            // The invoice's own fees too: `lateFeeIDs` keeps only the latest 400 ids.
            let decided = Set(lateFeeIDs ?? []).union((invoice.fees ?? []).map(\.id))
            var fees: [LateFee] = []
            var ids: [String] = []
            let indemnityID = LateFee.id(invoice: invoice.id, kind: .flatIndemnity)
            if !decided.contains(indemnityID), let flat = policy.flatIndemnity?[invoice.currency] {
                ids.append(indemnityID)
                if flat > 0 { fees.append(LateFee(id: indemnityID, kind: .flatIndemnity, amount: flat)) }
            }
            let interestID = LateFee.id(invoice: invoice.id, kind: .lateInterest)
            if !decided.contains(interestID), let rate = policy.rate, let dueDay = Self.moment(invoice.dueOn, plus: 0),
                stepDay > dueDay
            {
                ids.append(interestID)
                do throws(MoneyOverflow) {
                    let amount = try LateInterest.amount(
                        principal: invoice.principalRemaining, rate: rate, days: (stepDay - dueDay) / Self.day,
                        yearDays: policy.yearDays)
                    if amount > 0 {
                        fees.append(
                            LateFee(
                                id: interestID, kind: .lateInterest, amount: amount, from: day(dueDay + Self.day),
                                to: day(stepDay), annualRatePercent: policy.annualInterestRatePercent))
                    }
                } catch {
                    lateFeeRefusals = (lateFeeRefusals ?? [:]).merging([interestID: "\(MoneyOverflow.code): \(error)"])
                    {
                        $1
                    }
                }
            }
            guard !ids.isEmpty else { continue }
            remember(feeIDs: ids)
            for fee in fees {
                do throws(LateFeeRefusal) {
                    try due[index].add(fee)
                } catch {
                    lateFeeRefusals = (lateFeeRefusals ?? [:]).merging([fee.id: "\(error.code): \(error.message)"]) {
                        $1
                    }
                    continue
                }
                if let stored = invoices.firstIndex(where: { $0.id == invoice.id }) {
                    invoices[stored].fees = due[index].fees
                }
                effects.append(.feeAdded(due[index], fee))
            }
        }
    }

    public mutating func paymentFailed(paymentID: String) {
        pending[paymentID] = nil
    }

    /// An operator's dunning command applied at `now`: the new hold (nil: resumed). Lifting a
    /// hold that held resumes the ladder where it stood (`advance`).
    public mutating func setHold(_ new: DunningHold?, now: Int64) {
        // A hold kept, even one whose time is over and that `advance` has not ended yet.
        if let old = hold, new?.holds(at: now) != true {
            resumedAt = old.excluded ? now : min(now, old.pausedUntil ?? now)
        }
        hold = new?.holds(at: now) == true ? new : nil
    }

    /// When step `step` (1…5) of the current episode is due: the invoice's due date plus the
    /// step's days, put back by the pauses.
    func stepMoment(_ dueOn: String, step: Int, policy: LadderPolicy) -> Int64? {
        guard policy.stepDays.indices.contains(step - 1), let at = Self.moment(dueOn, plus: policy.stepDays[step - 1])
        else { return nil }
        return at + (delay ?? 0)
    }

    /// Brings the ladder and the standing up to `now`: the steps due (each once, in order,
    /// none skipped), the status changes. Call after every change and on every timer.
    public mutating func advance(now: Int64, policy: LadderPolicy) -> [LadderEffect] {
        pending = pending.filter { $0.value.expiresAt > now }
        // A pause that ended by itself resumes the ladder at its end.
        if let hold, !hold.excluded, let until = hold.pausedUntil, now >= until {
            self.hold = nil
            resumedAt = until
        }
        let overdue = overdue(now: now)
        var effects: [LadderEffect] = []
        // A written-off account is no longer dunned: payments are still applied, nothing more
        // is said or changed (docs/reminder-mailer.md, "How dunning ends").
        if standing == .writtenOff {
            episode = nil
            startedAt = nil
            stepsSent = 0
            delay = nil
            resumedAt = nil
            return effects
        }
        remindBeforeDue(now: now, policy: policy, into: &effects)
        noticeRenewals(now: now, policy: policy, into: &effects)
        // Nothing overdue, or less than the merchant's minimum: the ladder stops as if paid.
        guard !overdue.isEmpty, policy.dunned(overdue) else {
            switch standing {
            case .active: break
            case .pastDue: effects.append(.status(.active, reason: "nothing overdue"))
            case .suspended, .terminated, .cancelled, .inCollections, .writtenOff:
                // One status: `reactivated` says the account is active again.
                effects.append(.reactivated)
            }
            if episode != nil || standing != .active { stoppedAt = now }
            standing = .active
            startedAt = nil
            episode = nil
            stepsSent = 0
            delay = nil
            resumedAt = nil
            return effects
        }
        // Paused or excluded: no notice, no escalation (a payment still stops the ladder, above).
        if hold?.holds(at: now) == true { return effects }
        // A charge in flight pauses its invoice: no notice about an invoice being paid now.
        // While the invoice the ladder follows is being charged, the whole ladder waits (it
        // resumes where it was if the charge fails); a new episode starts on an invoice no
        // charge is paying.
        let charging = invoicesBeingCharged
        if let episode, charging.contains(episode), overdue.contains(where: { $0.id == episode }) {
            return effects
        }
        var due = charging.isEmpty ? overdue : overdue.filter { !charging.contains($0.id) }
        guard let oldest = due.first else { return effects }
        if episode != oldest.id {
            // A ladder that starts when none ran (not one following a newer invoice once the
            // oldest is paid) counts its days from when it starts: the day the balance reached
            // the minimum, and never before the last ladder stopped. Step 1 goes first and the
            // others keep their spacing, whatever the invoice's age.
            let starting = episode == nil
            episode = oldest.id
            stepsSent = 0
            delay = nil
            startedAt = nil
            if starting, let overdueFrom = Self.moment(oldest.dueOn, plus: 1) {
                let start = max(Self.minimumReached(due, policy: policy) ?? overdueFrom, stoppedAt ?? overdueFrom)
                if start > overdueFrom {
                    delay = start - overdueFrom
                    startedAt = start
                }
            }
        }
        // Resumed after a pause: the ladder goes on where it stood, its next step due at the
        // resumption at the earliest and the later ones as far apart as before.
        if let resumed = resumedAt {
            resumedAt = nil
            if stepsSent < policy.stepDays.count,
                let at = stepMoment(oldest.dueOn, step: stepsSent + 1, policy: policy),
                at < resumed
            {
                delay = (delay ?? 0) + (resumed - at)
            }
        }
        if standing == .active {
            standing = .pastDue
            effects.append(.status(.pastDue, reason: "invoice \(oldest.number) overdue since \(oldest.dueOn)"))
        }
        let held = !pending.isEmpty
        let final = policy.finalAction.standing
        while stepsSent < policy.stepDays.count {
            let step = stepsSent + 1
            guard let at = stepMoment(oldest.dueOn, step: step, policy: policy), now >= at else { break }
            // Steps 4 and 5 suspend and end dunning: not while a payment is on its way.
            if held && step >= 4 { break }
            // From the merchant's late-fee step, the fees of the invoices the step is about,
            // before the step that shows them.
            if let lateFees = policy.lateFees, step >= lateFees.atStep {
                addLateFees(lateFees, to: &due, at: at, into: &effects)
            }
            effects.append(.step(step, episode: episodeKey ?? oldest.id, invoices: due))
            stepsSent = step
            if step == 4 && !standing.isFinal && standing != .suspended {
                standing = .suspended
                effects.append(.status(.suspended, reason: "final notice: invoice \(oldest.number) unpaid"))
            }
            // The last step's action: once; an account whose dunning already ended keeps its status.
            if step == 5 && !standing.isFinal && standing != final {
                standing = final
                effects.append(.status(final, reason: "legal notice: invoice \(oldest.number) unpaid"))
                if policy.finalAction == .handToCollections {
                    let already = Set(handedOver ?? [])
                    let handed = due.filter { !already.contains($0.id) }
                    if !handed.isEmpty {
                        var ids = (handedOver ?? []) + handed.map(\.id)
                        if ids.count > 200 { ids.removeFirst(ids.count - 200) }
                        handedOver = ids
                        effects.append(.handOver(handed))
                    }
                }
            }
        }
        return effects
    }

    /// The pre-due reminders due by `now`: for each unpaid invoice not yet due, the reminder
    /// of the closest day passed, once (after a jump in time, the earlier ones are not sent
    /// late). None while dunning is held.
    mutating func remindBeforeDue(now: Int64, policy: LadderPolicy, into effects: inout [LadderEffect]) {
        var reminded = remindedBeforeDue ?? [:]
        var open: Set<String> = []
        for invoice in invoices.sorted(by: { ($0.dueOn, $0.id) < ($1.dueOn, $1.id) }) where invoice.remaining > 0 {
            guard let dueMoment = Self.moment(invoice.dueOn, plus: 1), now < dueMoment else { continue }
            open.insert(invoice.id)
            guard hold?.holds(at: now) != true else { continue }
            let passed = policy.preDueReminderDays.filter { days in
                Self.moment(invoice.dueOn, plus: -days).map { now >= $0 } ?? false
            }
            guard let closest = passed.min(), closest < reminded[invoice.id, default: Int.max] else { continue }
            reminded[invoice.id] = closest
            let daysLeft = Self.moment(invoice.dueOn, plus: 0).map { Int(($0 - Self.startOfDay(now)) / Self.day) }
            effects.append(.dueSoon(invoice, days: closest, daysLeft: max(0, daysLeft ?? closest)))
        }
        reminded = reminded.filter { open.contains($0.key) }
        remindedBeforeDue = reminded.isEmpty ? nil : reminded
    }

    /// A subscription's next renewal (`subscription.renewal-upcoming`): kept until its notice
    /// goes out or its day comes. A later announcement of the same subscription replaces one
    /// not yet noticed (a new date or price); one billed more often than every six months, or
    /// already noticed for that date, is not kept.
    public mutating func renewalAnnounced(_ renewal: UpcomingRenewal) {
        var list = (renewals ?? []).filter { $0.subscriptionID != renewal.subscriptionID }
        if renewal.intervalMonths >= UpcomingRenewal.minimumIntervalMonths,
            !(renewalsNoticed ?? []).contains(renewal.key)
        {
            list.append(renewal)
            if list.count > 20 { list.removeFirst(list.count - 20) }
        }
        renewals = list.isEmpty ? nil : list
    }

    /// The renewal notices due by `now`: `renewalNoticeDays` before the renewal's day (00:00
    /// UTC), once each; one announced later than that goes out at once, while its day has not
    /// come. Not held by a dunning pause: it is about a charge to come, not a debt.
    mutating func noticeRenewals(now: Int64, policy: LadderPolicy, into effects: inout [LadderEffect]) {
        guard let list = renewals else { return }
        var kept: [UpcomingRenewal] = []
        for renewal in list {
            guard let day = Self.moment(renewal.renewsOn, plus: 0), now < day else { continue }
            guard policy.renewalNoticeDays > 0,
                let noticeAt = Self.moment(renewal.renewsOn, plus: -policy.renewalNoticeDays),
                now >= noticeAt
            else {
                kept.append(renewal)
                continue
            }
            var noticed = (renewalsNoticed ?? []) + [renewal.key]
            if noticed.count > 20 { noticed.removeFirst(noticed.count - 20) }
            renewalsNoticed = noticed
            effects.append(.renewalNotice(renewal, daysLeft: Int((day - Self.startOfDay(now)) / Self.day)))
        }
        renewals = kept.isEmpty ? nil : kept
    }

    /// When `advance` next has something to do: the next step, a payment in flight expiring,
    /// a pre-due reminder, a renewal notice, or the next invoice falling due. Nil when nothing
    /// is ahead.
    public func nextMoment(now: Int64, policy: LadderPolicy) -> Int64? {
        var moments: [Int64] = pending.values.map(\.expiresAt)
        if policy.renewalNoticeDays > 0 {
            for renewal in renewals ?? [] {
                if let at = Self.moment(renewal.renewsOn, plus: -policy.renewalNoticeDays), at > now {
                    moments.append(at)
                }
            }
        }
        if let until = hold?.pausedUntil, hold?.excluded != true { moments.append(until) }
        for invoice in invoices where invoice.remaining > 0 {
            if let due = Self.moment(invoice.dueOn, plus: 1), due > now { moments.append(due) }
            for days in policy.preDueReminderDays {
                if let at = Self.moment(invoice.dueOn, plus: -days), at > now { moments.append(at) }
            }
        }
        if let episode, let oldest = invoices.first(where: { $0.id == episode }), stepsSent < policy.stepDays.count,
            let at = stepMoment(oldest.dueOn, step: stepsSent + 1, policy: policy), at > now
        {
            moments.append(at)
        }
        return moments.filter { $0 > now }.min()
    }
}
