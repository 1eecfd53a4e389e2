import Foundation
import RelanceDomain
import RelanceEvents
import Testing

private let day: Int64 = 86_400

@Suite("Decline codes and retry policies")
struct RetryPolicyTests {
    @Test("decline codes of the three schemes map to their categories")
    func declineCodes() {
        #expect(DeclineCodes.read("insufficient_funds", scheme: .stripe).category == .softDecline)
        #expect(DeclineCodes.read("LOST_CARD", scheme: .stripe).category == .hardDecline)
        #expect(DeclineCodes.read("expired_card", scheme: .stripe).category == .expiredCard)
        #expect(DeclineCodes.read("processing_error", scheme: .stripe).category == .technical)
        #expect(DeclineCodes.read("51", scheme: .iso8583).category == .softDecline)
        #expect(DeclineCodes.read("43", scheme: .iso8583).category == .hardDecline)
        #expect(DeclineCodes.read("54", scheme: .iso8583).category == .expiredCard)
        #expect(DeclineCodes.read("r1", scheme: .iso8583).category == .hardDecline)
        #expect(DeclineCodes.read("96", scheme: .iso8583).category == .technical)
        for code in ["AM04", "MS03"] {
            #expect(DeclineCodes.read(code, scheme: .sepa).category == .debitInsufficientFunds)
        }
        for code in ["AC01", "AC04", "AC06", "MD01", "MD07", "MS02"] {
            #expect(DeclineCodes.read(code, scheme: .sepa).category == .debitMandateOrAccount, "\(code)")
        }
        let unknown = DeclineCodes.read("XX99", scheme: .sepa)
        #expect(unknown.category == .unknown && unknown.description == "unknown sepa code")
    }

    @Test("schedules are data: days, units, Kill Bill's days, n tries within d days")
    func schedules() throws {
        #expect(try RetrySchedule("7d,7d").delays == [7 * day, 7 * day])
        #expect(try RetrySchedule("8,8,8").delays == [8 * day, 8 * day, 8 * day])
        #expect(try RetrySchedule("12h, 30m").delays == [Int64(12 * 3600), Int64(30 * 60)])
        #expect(try RetrySchedule("8 tries within 14 days").delays == Array(repeating: 14 * day / 7, count: 7))
        #expect(try RetrySchedule("none").attempts == 1)
        #expect(throws: PolicyError.self) { try RetrySchedule("7d,soon") }
        #expect(throws: PolicyError.self) { try RetrySchedule("0d") }
    }

    @Test("the seeds' defaults: smooth retries, hard declines wait, SEPA by reason, refunds never")
    func defaults() {
        let policy = RetryPolicy()
        // 003: three attempts in all, seven days apart, then the vendor is told.
        #expect(
            policy.decide(method: .card, type: .installment, category: .softDecline, attempt: 1)
                == .retry(afterSeconds: 7 * day, attempt: 2))
        #expect(
            policy.decide(method: .card, type: .installment, category: .softDecline, attempt: 2)
                == .retry(afterSeconds: 7 * day, attempt: 3))
        #expect(
            policy.decide(method: .card, type: .installment, category: .softDecline, attempt: 3) == .attemptsExhausted)
        // 000: an expired or lost card is not retried; a new card is awaited.
        #expect(
            policy.decide(method: .card, type: .payment, category: .expiredCard, attempt: 1) == .waitForNewPaymentMethod
        )
        #expect(
            policy.decide(method: .card, type: .subscription, category: .hardDecline, attempt: 1)
                == .waitForNewPaymentMethod)
        // SEPA: AM04 retried, MD01 never.
        #expect(
            policy.decide(method: .sepaDebit, type: .payment, category: .debitInsufficientFunds, attempt: 1)
                == .retry(afterSeconds: 3 * day, attempt: 2))
        guard
            case .noRetry = policy.decide(
                method: .sepaDebit, type: .payment, category: .debitMandateOrAccount, attempt: 1)
        else {
            Issue.record("MD01 must not be retried")
            return
        }
        // Refunds never.
        guard
            case .noRetry(let reason) = policy.decide(method: .card, type: .refund, category: .softDecline, attempt: 1)
        else {
            Issue.record("refunds must not be retried")
            return
        }
        #expect(reason.contains("refunds"))
        // Technical failures back off, capped, without counting as attempts; then count.
        #expect(
            policy.decide(method: .card, type: .payment, category: .technical, attempt: 1, technicalTries: 0)
                == .technicalRetry(afterSeconds: 60))
        #expect(
            policy.decide(method: .card, type: .payment, category: .technical, attempt: 1, technicalTries: 3)
                == .technicalRetry(afterSeconds: 480))
        #expect(
            policy.decide(method: .card, type: .payment, category: .technical, attempt: 1, technicalTries: 5)
                == .technicalRetry(afterSeconds: 1920))
        #expect(
            policy.decide(method: .card, type: .payment, category: .technical, attempt: 1, technicalTries: 6)
                == .retry(afterSeconds: 7 * day, attempt: 2))
    }

    @Test("a merchant's file overrides the defaults it names")
    func file() throws {
        let json = """
            {"default": {"cardSoftDecline": "8 tries within 14 days"},
             "merchants": {"m-sepa-off": {"directDebitRetries": false}, "m-bill": {"cardSoftDecline": "8,8,8"}}}
            """
        let policies = try RetryPolicies.read(Data(json.utf8))
        #expect(policies.policy(for: "anyone").cardSoftDecline.attempts == 8)
        #expect(policies.policy(for: "m-bill").cardSoftDecline.delays == [8 * day, 8 * day, 8 * day])
        let off = policies.policy(for: "m-sepa-off")
        #expect(
            off.decide(method: .sepaDebit, type: .payment, category: .debitInsufficientFunds, attempt: 1)
                == .handToCollections)
        #expect(off.cardSoftDecline.source == "7d,7d")
        #expect(throws: (any Error).self) {
            try RetryPolicies.read(Data(#"{"default": {"cardSoftDecline": "soon"}}"#.utf8))
        }
    }
}
