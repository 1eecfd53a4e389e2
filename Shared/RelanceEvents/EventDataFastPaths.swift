import Foundation

/// The members of one event's `data` object, read by name for a hand-written decoding: the
/// same results and the same errors as the `Decodable` path (`ValueDecoder`), in a fraction of
/// the time (`codec-bench`: a `payment.failed` 3.5 µs by `Decodable`, under 1 µs here). Members
/// are looked for from where the last one was found: events are written in schema order.
public struct EventFields {
    let members: [(key: String, value: JSONValue)]
    let path: String
    var next = 0

    public init(_ value: JSONValue, path: String) throws(EventDataError) {
        guard case .object(let members) = value else { throw EventDataError(path: path, problem: "is not an object") }
        self.members = members
        self.path = path
    }

    mutating func find(_ name: String) -> JSONValue? {
        let count = members.count
        var index = next
        for _ in 0..<count {
            if index >= count { index = 0 }
            if members[index].key == name {
                next = index + 1
                return members[index].value
            }
            index += 1
        }
        return nil
    }

    func failure(_ name: String, _ problem: String) -> EventDataError {
        EventDataError(path: "\(path).\(name)", problem: problem)
    }

    /// The member, which must be there (null included: its type check refuses it).
    mutating func required(_ name: String) throws(EventDataError) -> JSONValue {
        guard let value = find(name) else { throw failure(name, "is required") }
        return value
    }

    /// The member unless absent or null.
    mutating func present(_ name: String) -> JSONValue? {
        guard let value = find(name) else { return nil }
        if case .null = value { return nil }
        return value
    }

    func string(_ value: JSONValue, _ name: String) throws(EventDataError) -> String {
        guard case .string(let text) = value else { throw failure(name, "is not a string") }
        return text
    }

    func integer(_ value: JSONValue, _ name: String) throws(EventDataError) -> Int64 {
        guard let number = value.integerValue else { throw failure(name, "is not a whole number") }
        return number
    }

    func bool(_ value: JSONValue, _ name: String) throws(EventDataError) -> Bool {
        guard case .bool(let flag) = value else { throw failure(name, "is not true or false") }
        return flag
    }

    func schemaEnum<E: SchemaEnum>(_ value: JSONValue, _ name: String) throws(EventDataError) -> E {
        guard case .string(let text) = value else { throw failure(name, "is not a string") }
        guard let decoded = E(rawValue: text) else {
            throw failure(name, "is \"\(text)\", not one of \(E.rawValues)")
        }
        return decoded
    }

    public mutating func string(_ name: String) throws(EventDataError) -> String {
        try string(try required(name), name)
    }

    public mutating func optionalString(_ name: String) throws(EventDataError) -> String? {
        guard let value = present(name) else { return nil }
        return try string(value, name)
    }

    public mutating func integer(_ name: String) throws(EventDataError) -> Int64 {
        try integer(try required(name), name)
    }

    public mutating func bool(_ name: String) throws(EventDataError) -> Bool {
        try bool(try required(name), name)
    }

    public mutating func schemaEnum<E: SchemaEnum>(_ name: String, _ type: E.Type = E.self) throws(EventDataError) -> E
    {
        try schemaEnum(try required(name), name)
    }
}

// MARK: The inputs of the worker benchmarks

extension PaymentFailed {
    public static func decodeFast(_ data: JSONValue, path: String) throws(EventDataError) -> PaymentFailed? {
        var fields = try EventFields(data, path: path)
        return PaymentFailed(
            paymentId: try fields.string("paymentId"), invoiceId: try fields.string("invoiceId"),
            invoiceDate: try fields.string("invoiceDate"), transactionType: try fields.schemaEnum("transactionType"),
            paymentMethod: try fields.schemaEnum("paymentMethod"), amount: try fields.integer("amount"),
            currency: try fields.string("currency"), declineCode: try fields.string("declineCode"),
            declineScheme: try fields.schemaEnum("declineScheme"),
            customerName: try fields.optionalString("customerName"),
            chargeRequestId: try fields.optionalString("chargeRequestId"), cardId: try fields.optionalString("cardId"),
            cardBrand: try fields.optionalString("cardBrand"),
            merchantAdviceCode: try fields.optionalString("merchantAdviceCode"),
            customerTimeZone: try fields.optionalString("customerTimeZone"))
    }
}

extension PaymentSucceeded {
    public static func decodeFast(_ data: JSONValue, path: String) throws(EventDataError) -> PaymentSucceeded? {
        var fields = try EventFields(data, path: path)
        return PaymentSucceeded(
            paymentId: try fields.string("paymentId"), invoiceId: try fields.string("invoiceId"),
            amount: try fields.integer("amount"), currency: try fields.string("currency"),
            chargeRequestId: try fields.optionalString("chargeRequestId"))
    }
}

extension UsageRecorded {
    public static func decodeFast(_ data: JSONValue, path: String) throws(EventDataError) -> UsageRecorded? {
        var fields = try EventFields(data, path: path)
        return UsageRecorded(
            usageId: try fields.string("usageId"), amount: try fields.integer("amount"),
            currency: try fields.string("currency"), product: try fields.optionalString("product"))
    }
}

extension FeeCharged {
    public static func decodeFast(_ data: JSONValue, path: String) throws(EventDataError) -> FeeCharged? {
        var fields = try EventFields(data, path: path)
        return FeeCharged(
            feeId: try fields.string("feeId"), amount: try fields.integer("amount"),
            currency: try fields.string("currency"), description: try fields.optionalString("description"))
    }
}

extension CardSaved {
    public static func decodeFast(_ data: JSONValue, path: String) throws(EventDataError) -> CardSaved? {
        var fields = try EventFields(data, path: path)
        return CardSaved(
            cardId: try fields.string("cardId"), brand: try fields.string("brand"), last4: try fields.string("last4"),
            expMonth: try fields.integer("expMonth"), expYear: try fields.integer("expYear"),
            inWallet: try fields.bool("inWallet"), replaces: try fields.optionalString("replaces"))
    }
}

extension CardRemoved {
    public static func decodeFast(_ data: JSONValue, path: String) throws(EventDataError) -> CardRemoved? {
        var fields = try EventFields(data, path: path)
        return CardRemoved(cardId: try fields.string("cardId"))
    }
}

extension ScheduleUpdated {
    public static func decodeFast(_ data: JSONValue, path: String) throws(EventDataError) -> ScheduleUpdated? {
        var fields = try EventFields(data, path: path)
        return ScheduleUpdated(
            scheduleId: try fields.string("scheduleId"), kind: try fields.schemaEnum("kind"),
            cardId: try fields.string("cardId"), status: try fields.schemaEnum("status"))
    }
}

extension InvoiceIssued {
    public static func decodeFast(_ data: JSONValue, path: String) throws(EventDataError) -> InvoiceIssued? {
        var fields = try EventFields(data, path: path)
        return InvoiceIssued(
            invoiceId: try fields.string("invoiceId"), number: try fields.string("number"),
            amount: try fields.integer("amount"), currency: try fields.string("currency"),
            issuedOn: try fields.string("issuedOn"), dueOn: try fields.optionalString("dueOn"),
            payeeName: try fields.optionalString("payeeName"), payeeAccount: try fields.optionalString("payeeAccount"))
    }
}

extension CreditNoteIssued {
    public static func decodeFast(_ data: JSONValue, path: String) throws(EventDataError) -> CreditNoteIssued? {
        var fields = try EventFields(data, path: path)
        return CreditNoteIssued(
            creditNoteId: try fields.string("creditNoteId"), amount: try fields.integer("amount"),
            currency: try fields.string("currency"), issuedOn: try fields.string("issuedOn"),
            number: try fields.optionalString("number"), invoiceId: try fields.optionalString("invoiceId"))
    }
}

extension PaymentReceived {
    public static func decodeFast(_ data: JSONValue, path: String) throws(EventDataError) -> PaymentReceived? {
        var fields = try EventFields(data, path: path)
        return PaymentReceived(
            paymentId: try fields.string("paymentId"), amount: try fields.integer("amount"),
            currency: try fields.string("currency"), receivedOn: try fields.string("receivedOn"),
            invoiceId: try fields.optionalString("invoiceId"), reference: try fields.optionalString("reference"))
    }
}

// MARK: Outputs with many optional members

extension NotificationRequested {
    public static var writesFast: Bool { true }

    public func writeFast(into out: inout JSONOutput) {
        out.beginObject()
        out.member("kind", kind.rawValue)
        out.member("audience", audience.rawValue)
        out.member("paymentId", paymentId)
        out.member("invoiceId", invoiceId)
        out.member("amount", amount)
        out.member("currency", currency)
        out.member("reason", reason)
        out.member("customerName", customerName)
        out.member("declineCode", declineCode)
        out.member("declineScheme", declineScheme?.rawValue)
        out.member("paymentMethod", paymentMethod?.rawValue)
        out.member("transactionType", transactionType?.rawValue)
        if let nextAttemptAt {
            out.key(static: "nextAttemptAt")
            out.timestamp(nextAttemptAt)
        }
        out.member("brand", brand)
        out.member("last4", last4)
        out.member("expMonth", expMonth)
        out.member("expYear", expYear)
        out.member("cardId", cardId)
        if let acceptedBrands {
            out.key(static: "acceptedBrands")
            out.beginArray()
            for brand in acceptedBrands { out.string(brand) }
            out.endArray()
        }
        out.member("planId", planId)
        out.member("currentAmount", currentAmount)
        out.member("newAmount", newAmount)
        out.member("effectiveFrom", effectiveFrom)
        if let confirmBy {
            out.key(static: "confirmBy")
            out.timestamp(confirmBy)
        }
        out.endObject()
    }
}

extension ExpiringCardUpdated {
    public static var writesFast: Bool { true }

    public func writeFast(into out: inout JSONOutput) {
        out.beginObject()
        out.member("cardId", cardId)
        out.member("brand", brand)
        out.member("last4", last4)
        out.member("expMonth", expMonth)
        out.member("expYear", expYear)
        out.member("listed", listed)
        out.key(static: "schedules")
        out.beginArray()
        for schedule in schedules { out.string(schedule) }
        out.endArray()
        out.endObject()
    }
}

// recovery-stats' figures: every stage 2–4 record carries them (about 1 KB with a few dozen
// map members); through `Encodable` their maps cost a metadata lookup per member, a quarter
// of stage 3's time per partial in recovery-bench's profile.
extension RecoveryStatsUpdated {
    public static var writesFast: Bool { true }

    public func writeFast(into out: inout JSONOutput) {
        func tally(_ name: StaticString, _ tally: Tally) {
            out.key(static: name)
            Self.write(tally, into: &out)
        }
        func map<Value>(_ name: StaticString, _ map: EventMap<Value>, _ write: (Value, inout JSONOutput) -> Void) {
            out.key(static: name)
            out.beginObject()
            for (key, value) in zip(map.keys, map.values) {
                out.key(key)
                write(value, &out)
            }
            out.endObject()
        }
        out.beginObject()
        out.member("period", period.rawValue)
        out.member("start", start)
        out.member("week", week)
        out.member("currency", currency)
        tally("opened", opened)
        tally("recovered", recovered)
        tally("lost", lost)
        tally("open", open)
        map("recoveredByChannel", recoveredByChannel, Self.write)
        map("lostByReason", lostByReason, Self.write)
        map("byDeclineCode", byDeclineCode, Self.write)
        map("byPaymentMethod", byPaymentMethod, Self.write)
        map("byTransactionType", byTransactionType, Self.write)
        map("recoveredByAttempt", recoveredByAttempt, Self.write)
        out.key(static: "daysToRecover")
        out.beginObject()
        out.member("median", daysToRecover.median)
        out.member("p90", daysToRecover.p90)
        out.key(static: "histogram")
        out.beginArray()
        for count in daysToRecover.histogram { out.integer(count) }
        out.endArray()
        out.endObject()
        out.key(static: "recoveredWithin")
        out.beginObject()
        out.member("days7", recoveredWithin.days7)
        out.member("days14", recoveredWithin.days14)
        out.member("days30", recoveredWithin.days30)
        out.endObject()
        out.key(static: "churn")
        out.beginObject()
        out.member("accounts", churn.accounts)
        out.member("amount", churn.amount)
        out.endObject()
        out.endObject()
    }

    static func write(_ tally: Tally, into out: inout JSONOutput) {
        out.beginObject()
        out.member("count", tally.count)
        out.member("amount", tally.amount)
        out.endObject()
    }

    static func write(_ rate: Rate, into out: inout JSONOutput) {
        out.beginObject()
        out.member("failed", rate.failed)
        out.member("recovered", rate.recovered)
        out.endObject()
    }
}

extension RecoveryPartialFigures {
    public static var writesFast: Bool { true }

    public func writeFast(into out: inout JSONOutput) {
        out.beginObject()
        out.member("shard", shard)
        out.member("revision", revision)
        out.key(static: "figures")
        figures.writeFast(into: &out)
        out.endObject()
    }
}

extension RecoveryDayFigures {
    public static var writesFast: Bool { true }

    public func writeFast(into out: inout JSONOutput) {
        out.beginObject()
        out.member("revision", revision)
        out.key(static: "figures")
        figures.writeFast(into: &out)
        out.endObject()
    }
}
