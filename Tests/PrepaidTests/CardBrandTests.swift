import Foundation
import GatewaySandboxService
import PrepaidService
import RelanceDomain
import RelanceEvents
import RelanceRuntime
import RelanceTestSupport
import Testing

/// Seed 002: the merchant's accepted card brands (Visa, Mastercard, American Express, JCB) are
/// enforced on recharges (issue 20, item 5).
@Suite("prepaid: accepted card brands")
struct CardBrandWorkerTests {
    static func card(_ harness: KitHarness<PrepaidWorker>, _ account: String, _ id: String, brand: String)
        async throws
    {
        try await harness.publish(
            "card.replaced", to: PaymentEvents.paymentsTopic, account: account, id: id,
            data: .object([
                "brand": .string(brand), "last4": .string("0004"), "expMonth": .integer(4), "expYear": .integer(2030),
            ]))
    }

    @Test("a recharge on a diners card is not charged and the customer is asked for another card; a Visa is charged")
    func dinersIsNotCharged() async throws {
        var harness = try await KitHarness(
            PrepaidWorker(policy: PrepaidWorkerTests.policy), alsoReading: [PaymentEvents.paymentsTopic])
        let gateway = try await harness.start(GatewaySandbox())
        try await harness.tick(PrepaidWorkerTests.date("2026-11-01T00:00:00.000Z"))
        try await Self.card(harness, "acct-d", "card-diners", brand: "Diners Club")
        try await harness.stateWritten("acct-d")
        // Automatic recharge on, balance 0 under the threshold: a recharge of 50.00 is due.
        try await PrepaidWorkerTests.settings(harness, "acct-d", threshold: 1_000, amount: 5_000)
        let notices = try await harness.records(PaymentEvents.notificationsTopic, count: 1)
        #expect(notices[0]["kind"]?.stringValue == "card_not_accepted")
        #expect(notices[0]["audience"]?.stringValue == "customer")
        #expect(notices[0]["brand"]?.stringValue == "diners")
        #expect(notices[0]["acceptedBrands"] == .array(["visa", "mastercard", "amex", "jcb"].map(JSONValue.string)))
        #expect(notices[0]["amount"]?.integerValue == 5_000 && notices[0]["currency"]?.stringValue == "AUD")
        let waiting = try await harness.records(PrepaidEvents.balancesTopic, count: 1)
        #expect(waiting[0]["waitingForCard"] == .bool(true) && waiting[0]["recharging"] == .bool(false))
        // More usage asks for nothing more while the top-up waits for a card.
        try await PrepaidWorkerTests.usage(harness, "acct-d", "u-1", 500)
        _ = try await PrepaidWorkerTests.balance(&harness, -500)
        #expect(try await harness.settle(PaymentEvents.chargeRequestsTopic).isEmpty, "the diners card is never charged")
        #expect(try await harness.settle(PaymentEvents.notificationsTopic).count == 1)

        // Another card, of a brand the merchant takes: the top-up is charged and paid.
        try await Self.card(harness, "acct-d", "card-visa", brand: "visa")
        _ = try await PrepaidWorkerTests.balance(&harness, 4_500)
        let charges = try await harness.settle(PaymentEvents.chargeRequestsTopic)
        #expect(charges.count == 1 && charges[0]["amount"]?.integerValue == 5_000)
        #expect(charges[0]["attempt"]?.integerValue == 1, "the diners card was never charged")
        try await gateway.stop()
        try await harness.stop()
    }
}

@Suite("card brands")
struct CardBrandRuleTests {
    @Test("brands as platforms write them are one brand each")
    func names() {
        #expect(CardBrand("American Express") == CardBrand("amex"))
        #expect(CardBrand("american_express").name == "amex")
        #expect(CardBrand("Diners Club").name == "diners" && CardBrand("diners").displayName == "Diners Club")
        #expect(CardBrand("MasterCard").name == "mastercard" && CardBrand("JCB").name == "jcb")
        #expect(CardBrand("Elo").name == "elo", "a brand no table knows is kept as written")
    }

    @Test("per merchant, the seed's four by default; the file refuses unknown members and wrong types")
    func configuration() throws {
        let defaults = AcceptedCardBrands()
        #expect(defaults.brands(for: "m-any").map(\.name) == ["visa", "mastercard", "amex", "jcb"])
        #expect(!defaults.accepts(CardBrand("diners"), merchantID: "m-any"))
        let file = try AcceptedCardBrands.read(
            Array(#"{"default":["Visa","Mastercard"],"merchants":{"m-sms":["visa","diners club"]}}"#.utf8))
        #expect(file.accepts(CardBrand("diners"), merchantID: "m-sms"))
        #expect(!file.accepts(CardBrand("amex"), merchantID: "m-other"))
        for (bad, message) in [
            (#"{"defaults":["visa"]}"#, "defaults: unknown member"),
            (#"{"default":"visa"}"#, "default: expected a non-empty list"),
            (#"{"default":[]}"#, "default: expected a non-empty list"),
            (#"{"merchants":{"m-1":[1]}}"#, "merchants.m-1[0]: expected a card brand name"),
        ] {
            #expect(throws: PolicyError.self) { try AcceptedCardBrands.read(Array(bad.utf8)) }
            do {
                _ = try AcceptedCardBrands.read(Array(bad.utf8))
            } catch {
                #expect(error.description.hasPrefix(message), "\(error.description)")
            }
        }
    }

    @Test("the rule: a top-up on a card not accepted waits for another card, as a failed one does")
    func rule() {
        var account = PrepaidAccount()
        _ = account.cardReplaced(brand: CardBrand("diners"))
        let accepted = AcceptedCardBrands.seed
        var effects = account.onlyAcceptedCards(
            account.configure(
                RechargeSettings(automatic: true, threshold: 1_000, amount: 5_000), currency: "AUD",
                policy: TopUpPolicy()), accepted: accepted)
        #expect(effects.count == 2)
        guard case .cardNotAccepted(let topUp, let brand) = effects[1] else {
            Issue.record("\(effects)")
            return
        }
        #expect(brand.name == "diners" && account.failed?.number == topUp.number && account.charging == nil)
        effects = account.onlyAcceptedCards(account.cardReplaced(brand: CardBrand("JCB")), accepted: accepted)
        #expect(effects.count == 1)
        guard case .charge(let charged) = effects[0] else {
            Issue.record("\(effects)")
            return
        }
        // The diners card was never charged: the Visa's charge is the top-up's first attempt.
        #expect(charged.number == topUp.number && charged.attempt == 1 && account.charging == charged)
    }
}
