import RelanceEvents

/// A decline code read: its category and what it says, for the action centre.
public struct DeclineReason: Sendable, Equatable, Codable {
    public var scheme: DeclineCodeScheme
    public var code: String
    public var category: FailureCategory
    public var description: String
}

/// The gateways' decline codes mapped to `FailureCategory`.
public enum DeclineCodes {
    public static func read(_ code: String, scheme: DeclineCodeScheme) -> DeclineReason {
        let key = scheme == .stripe ? code.lowercased() : code.uppercased()
        let table: [String: (FailureCategory, String)]
        switch scheme {
        case .stripe: table = stripe
        case .iso8583: table = iso8583
        case .sepa: table = sepa
        }
        let (category, description) = table[key] ?? (.unknown, "unknown \(scheme.rawValue) code")
        return DeclineReason(scheme: scheme, code: code, category: category, description: description)
    }

    static let stripe: [String: (FailureCategory, String)] = [
        "insufficient_funds": (.softDecline, "insufficient funds"),
        "card_velocity_exceeded": (.softDecline, "card velocity or spending limit exceeded"),
        "withdrawal_count_limit_exceeded": (.softDecline, "withdrawal count limit exceeded"),
        "do_not_honor": (.softDecline, "do not honour"),
        "generic_decline": (.softDecline, "declined without a reason"),
        "card_declined": (.softDecline, "declined without a reason"),
        "issuer_not_available": (.softDecline, "issuer not available"),
        "try_again_later": (.softDecline, "issuer asks to try again later"),
        "approve_with_id": (.softDecline, "cannot be authorised now"),
        "call_issuer": (.softDecline, "the payer must call the issuer"),
        "not_permitted": (.softDecline, "transaction not permitted now"),
        "reenter_transaction": (.softDecline, "re-enter the transaction"),
        "lost_card": (.hardDecline, "card reported lost"),
        "stolen_card": (.hardDecline, "card reported stolen"),
        "pickup_card": (.hardDecline, "pick up card"),
        "restricted_card": (.hardDecline, "restricted card"),
        "incorrect_number": (.hardDecline, "incorrect card number"),
        "invalid_number": (.hardDecline, "invalid card number"),
        "invalid_account": (.hardDecline, "invalid or closed account"),
        "fraudulent": (.hardDecline, "suspected fraud"),
        "merchant_blacklist": (.hardDecline, "blocked by the merchant"),
        "security_violation": (.hardDecline, "security violation"),
        "revocation_of_authorization": (.hardDecline, "payer revoked the authorisation"),
        "revocation_of_all_authorizations": (.hardDecline, "payer revoked all authorisations"),
        "stop_payment_order": (.hardDecline, "stop payment order"),
        "transaction_not_allowed": (.hardDecline, "transaction not allowed for this card"),
        "card_not_supported": (.hardDecline, "card does not support this payment"),
        "currency_not_supported": (.hardDecline, "currency not supported by the card"),
        "expired_card": (.expiredCard, "card expired"),
        "processing_error": (.technical, "processing error"),
        "authentication_required": (.softDecline, "authentication required (payer present)"),
    ]

    static let iso8583: [String: (FailureCategory, String)] = [
        "05": (.softDecline, "do not honour"),
        "51": (.softDecline, "insufficient funds"),
        "61": (.softDecline, "exceeds withdrawal amount limit"),
        "65": (.softDecline, "exceeds withdrawal frequency limit"),
        "91": (.softDecline, "issuer or switch inoperative"),
        "01": (.softDecline, "refer to card issuer"),
        "02": (.softDecline, "refer to card issuer, special condition"),
        "04": (.hardDecline, "pick up card"),
        "07": (.hardDecline, "pick up card, special condition"),
        "14": (.hardDecline, "invalid card number"),
        "15": (.hardDecline, "no such issuer"),
        "41": (.hardDecline, "lost card"),
        "43": (.hardDecline, "stolen card"),
        "57": (.hardDecline, "transaction not permitted to cardholder"),
        "59": (.hardDecline, "suspected fraud"),
        "62": (.hardDecline, "restricted card"),
        "R0": (.hardDecline, "stop payment order"),
        "R1": (.hardDecline, "revocation of authorisation"),
        "R3": (.hardDecline, "revocation of all authorisations"),
        "54": (.expiredCard, "expired card"),
        "33": (.expiredCard, "expired card, pick up"),
        "96": (.technical, "system malfunction"),
        "92": (.technical, "routing error"),
        "68": (.technical, "response received too late"),
        "19": (.technical, "re-enter transaction"),
    ]

    static let sepa: [String: (FailureCategory, String)] = [
        "AM04": (.debitInsufficientFunds, "insufficient funds"),
        "MS03": (.debitInsufficientFunds, "reason not specified"),
        "AC01": (.debitMandateOrAccount, "incorrect account number"),
        "AC04": (.debitMandateOrAccount, "closed account"),
        "AC06": (.debitMandateOrAccount, "blocked account"),
        "AC13": (.debitMandateOrAccount, "debtor account is a consumer account"),
        "AG01": (.debitMandateOrAccount, "direct debit forbidden on this account"),
        "AG02": (.debitMandateOrAccount, "invalid operation code"),
        "BE05": (.debitMandateOrAccount, "creditor not recognised"),
        "MD01": (.debitMandateOrAccount, "no valid mandate"),
        "MD02": (.debitMandateOrAccount, "mandate data missing or incorrect"),
        "MD06": (.debitMandateOrAccount, "refund requested by the debtor"),
        "MD07": (.debitMandateOrAccount, "debtor deceased"),
        "MS02": (.debitMandateOrAccount, "refused by the debtor"),
        "RR01": (.debitMandateOrAccount, "debtor account or identification missing"),
        "RR02": (.debitMandateOrAccount, "debtor name or address missing"),
        "RR03": (.debitMandateOrAccount, "creditor name or address missing"),
        "RR04": (.debitMandateOrAccount, "regulatory reason"),
        "SL01": (.debitMandateOrAccount, "specific service offered by the debtor bank"),
        "FF01": (.technical, "invalid file format"),
        "DUPL": (.technical, "duplicate collection"),
        "TM01": (.technical, "received after the cut-off time"),
        "ED05": (.technical, "settlement failed"),
    ]
}
