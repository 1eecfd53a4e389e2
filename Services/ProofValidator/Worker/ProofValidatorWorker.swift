import BankStatements
import Foundation
import RelanceDomain
import RelanceEvents
import RelanceRuntime

/// proof-of-payment validator: decides whether a customer's proof of payment holds
/// (docs/proof-validator.md). The rules are `ProofValidator` in the domain module and the
/// statement readers of `BankStatements`; this type reads events into them and writes verdicts.
public struct ProofValidatorWorker: Worker {
    public typealias State = ProofLedger

    public var name = "proof-validator"
    public var inputTopics = [
        ProofEvents.invoicesTopic, ProofEvents.accountStatusTopic, ProofEvents.proofsTopic, PaymentEvents.paymentsTopic,
    ]
    public var verdictsTopic = ProofEvents.verdictsTopic
    public var outputTopics: [String] { [verdictsTopic] }
    public var validator: ProofValidator
    /// CSV column mappings by name, chosen by a document's `csvMapping`.
    public var csvMappings: [String: CSVStatementMapping]
    public var documentLimits: XMLLimits

    public init(
        validator: ProofValidator = ProofValidator(), csvMappings: [String: CSVStatementMapping] = CSVPresets.all,
        documentLimits: XMLLimits = XMLLimits()
    ) {
        self.validator = validator
        self.csvMappings = csvMappings
        self.documentLimits = documentLimits
    }

    public func handle(_ event: Event<ProofValidatorInput>, state: inout ProofLedger?, context: inout WorkerContext)
        throws(WorkerRejection)
    {
        switch event.data {
        case .invoiceIssued(let data):
            var ledger = state ?? ProofLedger()
            ledger.issued(
                ProofInvoice(
                    id: data.invoiceId, number: data.number, amount: data.amount, currency: data.currency,
                    issuedOn: data.issuedOn, payeeAccount: data.payeeAccount, payeeName: data.payeeName))
            state = ledger
        case .paymentSucceeded(let data):
            guard var ledger = state else { return }
            do throws(MoneyOverflow) {
                try ledger.paid(invoiceID: data.invoiceId, amount: data.amount)
            } catch {
                throw WorkerRejection(
                    MoneyOverflow.code, "what invoice \(data.invoiceId) has received would not fit: \(error)")
            }
            state = ledger
        case .accountStatus(let data):
            var ledger = state ?? ProofLedger()
            switch data.status {
            case .suspended, .terminated, .cancelled, .inCollections, .writtenOff:
                ledger.deactivation = data.status.rawValue
            case .active, .pastDue, .reactivated: ledger.deactivation = nil
            }
            state = ledger
        case .proofSubmitted(let data):
            var ledger = state ?? ProofLedger()
            let verdict = judge(data, ledger: &ledger)
            state = ledger
            context.emit(Self.record(verdict, proofID: data.proofId, ledger: ledger), to: verdictsTopic)
        case .invoiceFeeAdded(let data):
            guard var ledger = state else { return }
            do throws(LateFeeRefusal) {
                try ledger.feeAdded(
                    invoiceID: data.invoiceId, feeID: data.feeId, amount: data.amount, currency: data.currency)
            } catch {
                throw WorkerRejection(error.code, error.message)
            }
            state = ledger
        case .paymentFailed, .paymentPending, .cardReplaced:
            return  // not this worker's concern
        }
    }

    public func timerFired(_ timer: DueTimer, state: inout ProofLedger?, context: inout WorkerContext) {}

    func judge(_ proof: ProofSubmitted, ledger: inout ProofLedger) -> ProofVerdict {
        let typed = proof.fields.map(ProofFields.init(submitted:))
        var candidates: [ProofFields] = []
        if let document = proof.document {
            switch read(document) {
            case .success(let statements): candidates = ProofFields.candidates(in: statements)
            case .failure(let reason): return ProofVerdict(outcome: .rejected, reasons: [reason])
            }
            if candidates.isEmpty {
                return ProofVerdict(
                    outcome: .rejected,
                    reasons: [ProofReason(.document, "no_entries", "the document holds no transaction")])
            }
        } else if typed == nil {
            return ProofVerdict(
                outcome: .rejected,
                reasons: [ProofReason(.document, "empty_proof", "the proof has neither fields nor a document")])
        }
        return validator.evaluate(
            proofID: proof.proofId, candidates: candidates, typed: typed, claimedInvoices: proof.invoiceIds ?? [],
            ledger: &ledger)
    }

    /// The statements in an attached document, or why it cannot be read.
    func read(_ document: ProofSubmitted.Document) -> Result<[BankStatement], ProofReason> {
        let format = StatementFormat(document.format)
        let content = document.content
        var bytes: [UInt8]
        if document.encoding == .base64 {
            guard let decoded = Data(base64Encoded: content, options: .ignoreUnknownCharacters) else {
                return .failure(ProofReason(.document, "invalid_base64", "the document's content is not base64"))
            }
            bytes = Array(decoded)
            // A text document carried in the event was scanned by the runtime; a base64 one is
            // scanned here, and refused without being kept.
            if let finding = CardNumberDetector.firstCardNumber(in: bytes) {
                return .failure(
                    ProofReason(
                        .document, "card_number",
                        "the document shows \(finding); send it with the card number masked"))
            }
        } else {
            bytes = Array(content.utf8)
        }
        guard bytes.count <= documentLimits.maxBytes else {
            return .failure(
                ProofReason(
                    .document, "too_large",
                    "the document's \(bytes.count) bytes exceed the \(documentLimits.maxBytes)-byte limit"))
        }
        do throws(StatementError) {
            switch format {
            case .camt052, .camt053, .camt054:
                let statements = try CamtReader.read(bytes, limits: documentLimits)
                if let found = statements.first?.format, found != format {
                    return .failure(
                        ProofReason(
                            .document, "format_mismatch", "the document is \(found.rawValue), not \(format.rawValue)"))
                }
                return .success(statements)
            case .mt940:
                return .success(try MT940Reader.read(Self.documentText(bytes), maxBytes: documentLimits.maxBytes))
            case .csv:
                let name = document.csvMapping ?? "generic"
                guard let mapping = csvMappings[name] else {
                    return .failure(
                        ProofReason(
                            .document, "unknown_csv_mapping",
                            "no CSV mapping named \"\(name)\" (configured: \(csvMappings.keys.sorted().joined(separator: ", ")))"
                        ))
                }
                return .success([
                    try CSVStatementReader.read(
                        Self.documentText(bytes), mapping: mapping, maxBytes: documentLimits.maxBytes)
                ])
            }
        } catch {
            return .failure(ProofReason(.document, error.code, "\(format.rawValue): \(error.message)"))
        }
    }

    /// UTF-8, or ISO-8859-1 (what older banking software writes) when it is not valid UTF-8.
    static func documentText(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    /// The verdict as published: each match in its invoice's currency, the proof's transaction
    /// as the verdict read it, the difference only when there is one.
    static func record(_ verdict: ProofVerdict, proofID: String, ledger: ProofLedger) -> ProofVerdictData {
        var record = ProofVerdictData(
            proofId: proofID, verdict: ProofVerdictData.Verdict(verdict.outcome),
            reasons: verdict.reasons.map { .init(element: $0.element, code: $0.code, message: $0.message) },
            matches: verdict.matches.map { match in
                let currency = ledger.invoices.first { $0.id == match.invoiceID }?.currency ?? ""
                return .init(invoiceId: match.invoiceID, amount: match.amount, currency: currency)
            },
            cases: verdict.cases)
        if let fields = verdict.fields {
            record.transactionId = fields.transactionID
            record.transactionDate = fields.transactionDate
            if let amount = fields.amount, let currency = fields.currency {
                record.amount = amount
                record.currency = currency
            }
            record.payerName = fields.payerName
            record.payeeName = fields.payeeName
        }
        record.refundAmount = verdict.refundAmount
        if let shortfall = verdict.difference, shortfall != 0 { record.shortfall = shortfall }
        return record
    }
}

/// The events proof-validator reads, decoded: invoices, account status, proofs and the payment
/// events of `relance.payments` (payment.failed, payment.pending and card.replaced share that
/// topic: read and ignored; dunning's invoice.fee-added on the invoices topic adds the fee to its
/// invoice: a proof is matched against the invoice's amount and its fees).
public enum ProofValidatorInput: WorkerInput {
    case invoiceIssued(InvoiceIssued)
    case invoiceFeeAdded(InvoiceFeeAdded)
    case accountStatus(AccountStatus)
    case proofSubmitted(ProofSubmitted)
    case paymentSucceeded(PaymentSucceeded)
    case paymentFailed(PaymentFailed)
    case cardReplaced(CardReplaced)
    case paymentPending(PaymentPending)

    public static var eventTypes: [EventType] {
        [
            ProofEvents.invoiceIssued, ProofEvents.invoiceFeeAdded, ProofEvents.accountStatus,
            ProofEvents.proofSubmitted,
            PaymentEvents.paymentSucceeded, PaymentEvents.paymentFailed, PaymentEvents.cardReplaced,
            MailEvents.paymentPending,
        ]
    }

    public init(_ event: EventEnvelope) throws(EventDataError) {
        switch event.type {
        case "invoice.issued": self = .invoiceIssued(try event.decode())
        case "invoice.fee-added": self = .invoiceFeeAdded(try event.decode())
        case "account.status": self = .accountStatus(try event.decode())
        case "proof.submitted": self = .proofSubmitted(try event.decode())
        case "payment.succeeded": self = .paymentSucceeded(try event.decode())
        case "payment.failed": self = .paymentFailed(try event.decode())
        case "card.replaced": self = .cardReplaced(try event.decode())
        case "payment.pending": self = .paymentPending(try event.decode())
        default: throw EventDataError(path: "type", problem: "\"\(event.type)\" is not an event proof-validator reads")
        }
    }
}

extension ProofFields {
    /// The fields a customer typed in a submission.
    init(submitted fields: ProofSubmitted.Fields) {
        self.init(
            payerName: fields.payerName, payeeName: fields.payeeName, transactionDate: fields.transactionDate,
            amount: fields.amount, currency: fields.currency, transactionID: fields.transactionId,
            description: fields.description, payerAccount: fields.payerAccount, payeeAccount: fields.payeeAccount)
        // Booked: the bank booked it; pending or none: not (yet); absent: unknown.
        booked = fields.bankConfirmation.map { confirmation in
            switch confirmation {
            case .booked: true
            case .pending, .none: false
            }
        }
    }
}

extension StatementFormat {
    init(_ format: ProofDocumentFormat) {
        switch format {
        case .camt052: self = .camt052
        case .camt053: self = .camt053
        case .camt054: self = .camt054
        case .mt940: self = .mt940
        case .csv: self = .csv
        }
    }
}

extension ProofVerdictData.Verdict {
    init(_ outcome: ProofVerdict.Outcome) {
        switch outcome {
        case .accepted: self = .accepted
        case .rejected: self = .rejected
        case .needsReview: self = .needsReview
        }
    }
}

/// Column mappings for common CSV exports; `RELANCE_CSV_MAPPINGS` adds or replaces them.
public enum CSVPresets {
    public static let all: [String: CSVStatementMapping] = [
        // Header names in English, one signed amount column.
        "generic": CSVStatementMapping(
            columns: .init(
                bookingDate: "Date", valueDate: "Value date", amount: "Amount", currency: "Currency",
                reference: "Reference", endToEndID: "End-to-end id", counterpartyName: "Counterparty",
                counterpartyAccount: "Counterparty account", description: "Description")),
        // French bank exports: ';', decimal comma, separate Débit and Crédit columns.
        "fr-debit-credit": CSVStatementMapping(
            columns: .init(
                bookingDate: "Date opération", valueDate: "Date valeur", debit: "Débit", credit: "Crédit",
                currency: "Devise", reference: "Référence", counterpartyName: "Bénéficiaire",
                counterpartyAccount: "IBAN bénéficiaire", description: "Libellé"),
            delimiter: ";", decimalSeparator: ",", dateFormat: "dd/MM/yyyy"),
    ]
}
