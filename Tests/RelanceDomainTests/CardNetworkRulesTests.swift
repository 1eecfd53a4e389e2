import Foundation
import RelanceDomain
import RelanceEvents
import RelanceTestSupport
import Testing

private let hour: Int64 = 3_600_000
private let day: Int64 = 86_400_000
private let visaLimit = "Visa excessive reattempts: 15 in 30 days"
private let t0: Int64 = 1_796_000_000_000

@Suite("Card network retry limits")
struct CardNetworkRulesTests {
    let rules = CardNetworkRules.defaults

    @Test("brands map to networks; Maestro is Mastercard's")
    func networks() {
        #expect(CardNetwork(brand: CardBrand("Visa")) == .visa)
        #expect(CardNetwork(brand: CardBrand("MC")) == .mastercard)
        #expect(CardNetwork(brand: CardBrand("Maestro")) == .mastercard)
        #expect(CardNetwork(brand: CardBrand("American Express")) == .other)
    }

    @Test("the 16th Visa reattempt within 30 days waits until the oldest leaves the window")
    func visaSixteenth() {
        var card = CardAttempts()
        card.recordDecline(network: .visa, scheme: "iso8583", code: "51", merchantAdviceCode: nil, at: t0, rules: rules)
        for n in 1...15 {
            #expect(card.check(plannedAt: t0 + Int64(n) * hour, network: .visa, rules: rules) == .allowed)
            card.recordReattempt(at: t0 + Int64(n) * hour)
            card.recordDecline(
                network: .visa, scheme: "iso8583", code: "51", merchantAdviceCode: nil, at: t0 + Int64(n) * hour,
                rules: rules)
        }
        let free = t0 + hour + 30 * day
        #expect(
            card.check(plannedAt: t0 + 16 * hour, network: .visa, rules: rules) == .deferred(to: free, rule: visaLimit))
        #expect(card.check(plannedAt: free, network: .visa, rules: rules) == .allowed)
        #expect(card.check(plannedAt: free - 1, network: .visa, rules: rules) == .deferred(to: free, rule: visaLimit))
        // Too late for the caller: stopped, and said which rule.
        #expect(
            card.check(plannedAt: t0 + 16 * hour, network: .visa, rules: rules, notAfter: free - 1)
                == .forbidden(rule: visaLimit))
        #expect(
            card.check(plannedAt: t0 + 16 * hour, network: .visa, rules: rules, notAfter: free)
                == .deferred(to: free, rule: visaLimit))
    }

    @Test("a Visa category 1 code forbids any reattempt, in ISO 8583 and Stripe's codes")
    func visaCategory1() {
        for (scheme, code) in [
            ("iso8583", "14"), ("iso8583", "r1"), ("stripe", "LOST_CARD"), ("stripe", "stop_payment_order"),
        ] {
            var card = CardAttempts()
            card.recordDecline(
                network: .visa, scheme: scheme, code: code, merchantAdviceCode: nil, at: t0, rules: rules)
            guard case .forbidden(let rule) = card.check(plannedAt: t0 + day, network: .visa, rules: rules) else {
                Issue.record("\(scheme) \(code) was not forbidden")
                continue
            }
            #expect(rule.hasPrefix("Visa") && rule.hasSuffix("no reattempt"), "\(rule)")
        }
        var card = CardAttempts()
        card.recordDecline(network: .visa, scheme: "iso8583", code: "14", merchantAdviceCode: nil, at: t0, rules: rules)
        #expect(
            card.check(plannedAt: t0 + day, network: .visa, rules: rules)
                == .forbidden(rule: "Visa category 1 code 14 (issuer will never approve): no reattempt"))
        // Soft declines, and Visa's codes on a Mastercard, do not.
        for (network, code) in [(CardNetwork.visa, "51"), (.visa, "05"), (.mastercard, "14")] {
            var card = CardAttempts()
            card.recordDecline(
                network: network, scheme: "iso8583", code: code, merchantAdviceCode: nil, at: t0, rules: rules)
            #expect(card.check(plannedAt: t0 + day, network: network, rules: rules) == .allowed, "\(code)")
        }
    }

    @Test("Mastercard merchant advice codes 03 and 21 forbid, 01 does not, 25 waits 24 hours")
    func mastercardAdvice() {
        for advice in ["03", "21", "3"] {
            var card = CardAttempts()
            card.recordDecline(
                network: .mastercard, scheme: "iso8583", code: "05", merchantAdviceCode: advice, at: t0, rules: rules)
            guard case .forbidden(let rule) = card.check(plannedAt: t0 + 30 * day, network: .mastercard, rules: rules)
            else {
                Issue.record("MAC \(advice) was not forbidden")
                continue
            }
            #expect(rule.hasPrefix("Mastercard merchant advice code"), "\(rule)")
        }
        var card = CardAttempts()
        card.recordDecline(
            network: .mastercard, scheme: "iso8583", code: "05", merchantAdviceCode: "01", at: t0, rules: rules)
        #expect(card.check(plannedAt: t0 + hour, network: .mastercard, rules: rules) == .allowed)
        card.recordDecline(
            network: .mastercard, scheme: "iso8583", code: "51", merchantAdviceCode: "25", at: t0, rules: rules)
        #expect(
            card.check(plannedAt: t0 + hour, network: .mastercard, rules: rules)
                == .deferred(to: t0 + day, rule: "Mastercard merchant advice code 25: retry after 24 hours"))
    }

    @Test("Mastercard: 9 reattempts in 24 hours after the first decline, then the window moves them")
    func mastercardDay() {
        var card = CardAttempts()
        card.recordDecline(
            network: .mastercard, scheme: "stripe", code: "insufficient_funds", merchantAdviceCode: nil, at: t0,
            rules: rules)
        for n in 1...9 {
            #expect(card.check(plannedAt: t0 + Int64(n) * 60_000, network: .mastercard, rules: rules) == .allowed)
            card.recordReattempt(at: t0 + Int64(n) * 60_000)
        }
        guard case .deferred(let to, let rule) = card.check(plannedAt: t0 + hour, network: .mastercard, rules: rules)
        else {
            Issue.record("the 10th reattempt in a day was not deferred")
            return
        }
        #expect(to == t0 + 60_000 + day && rule.hasPrefix("Mastercard excessive attempts: 10 declines in 24 hours"))
    }

    @Test("an approval restarts Visa's count, not Mastercard's")
    func approval() {
        for (network, restarts) in [(CardNetwork.visa, true), (.mastercard, false)] {
            var card = CardAttempts()
            for n in 1...15 {
                card.recordDecline(
                    network: network, scheme: "iso8583", code: "51", merchantAdviceCode: nil, at: t0, rules: rules)
                card.recordReattempt(at: t0 + Int64(n) * 60_000)
            }
            card.recordApproval(at: t0 + hour)
            card.recordDecline(
                network: network, scheme: "iso8583", code: "51", merchantAdviceCode: nil, at: t0 + 2 * hour,
                rules: rules)
            let verdict = card.check(plannedAt: t0 + 3 * hour, network: network, rules: rules)
            #expect((verdict == .allowed) == restarts, "\(network): \(verdict)")
        }
    }

    @Test("other networks are unlimited unless the table gives them limits")
    func otherNetworks() throws {
        var card = CardAttempts()
        for n in 0..<200 {
            card.recordDecline(
                network: .other, scheme: "iso8583", code: "05", merchantAdviceCode: nil, at: t0 + Int64(n), rules: rules
            )
            #expect(card.check(plannedAt: t0 + Int64(n), network: .other, rules: rules) == .allowed)
            card.recordReattempt(at: t0 + Int64(n))
        }
        let custom = try CardNetworkRules.read(
            Data(#"{"limits": {"other": [{"maxAttempts": 3, "windowSeconds": 3600, "name": "Amex: 3 an hour"}]}}"#.utf8)
        )
        var amex = CardAttempts()
        for n in 0..<3 { amex.recordReattempt(at: t0 + Int64(n)) }
        #expect(
            amex.check(plannedAt: t0 + 10, network: .other, rules: custom)
                == .deferred(to: t0 + hour, rule: "Amex: 3 an hour"))
        // The defaults' other networks are kept.
        #expect(custom.limits(for: .visa) == rules.limits(for: .visa))
        #expect(custom.neverRetry == rules.neverRetry)
    }

    @Test("a custom table is read; unknown members and invalid values are refused with where and why")
    func decoding() throws {
        let json = #"""
            {"limits": {"visa": [{"maxAttempts": 20, "windowSeconds": 2592000, "name": "Visa: 20 in 30 days",
                                  "restartsOnApproval": true}],
                        "mastercard": []},
             "neverRetry": {"mastercard:iso8583": ["41", "43"]},
             "retryAfter": {"mastercard:merchant_advice": {"02": 259200}}}
            """#
        let table = try CardNetworkRules.read(Data(json.utf8))
        #expect(
            table.limits(for: .visa) == [
                NetworkLimit(
                    maxAttempts: 20, windowSeconds: 2_592_000, name: "Visa: 20 in 30 days", restartsOnApproval: true)
            ])
        #expect(table.limits(for: .mastercard).isEmpty)
        #expect(table.neverRetry["mastercard:iso8583"] == ["41", "43"])
        #expect(table.neverRetry["visa:iso8583"] == rules.neverRetry["visa:iso8583"])
        #expect(table.retryAfter["mastercard:merchant_advice"] == ["02": 259_200])
        var card = CardAttempts()
        card.recordDecline(
            network: .mastercard, scheme: "iso8583", code: "41", merchantAdviceCode: nil, at: t0, rules: table)
        #expect(
            card.check(plannedAt: t0, network: .mastercard, rules: table)
                == .forbidden(rule: "Mastercard iso8583 code 41 (never retried): no reattempt"))

        let refused: [(String, String)] = [
            (#"{"limit": {}}"#, "limit: unknown member (expected limits, neverRetry, retryAfter)"),
            (#"{"limits": {"amex": []}}"#, "limits.amex: unknown card network (expected visa, mastercard, other)"),
            (
                #"{"limits": {"visa": [{"maxAttempts": 15, "windowSeconds": 60, "name": "x", "window": 1}]}}"#,
                "limits.visa[0].window: unknown member (expected maxAttempts, windowSeconds, name, restartsOnApproval)"
            ),
            (
                #"{"limits": {"visa": [{"maxAttempts": -1, "windowSeconds": 60, "name": "x"}]}}"#,
                "limits.visa[0].maxAttempts: expected a whole number from 0"
            ),
            (
                #"{"limits": {"visa": [{"maxAttempts": 1, "windowSeconds": 0, "name": "x"}]}}"#,
                "limits.visa[0].windowSeconds: expected seconds from 1 to 315360000 (ten years)"
            ),
            (
                #"{"limits": {"visa": [{"maxAttempts": "15", "windowSeconds": 60, "name": "x"}]}}"#,
                "limits.visa[0].maxAttempts: expected a whole number"
            ),
            (
                #"{"limits": {"visa": [{"maxAttempts": 1, "windowSeconds": 60}]}}"#,
                "limits.visa[0].name: missing (expected the rule's name (a string))"
            ),
            (
                #"{"neverRetry": {"visa:iso": ["14"]}}"#,
                "neverRetry.visa:iso: expected \"network:scheme\", network visa, mastercard or other, scheme stripe, iso8583, sepa, merchant_advice"
            ),
            (
                #"{"neverRetry": {"visa:iso8583": [""]}}"#,
                "neverRetry.visa:iso8583[0]: expected a code, not an empty string"
            ),
            (
                #"{"retryAfter": {"mastercard:merchant_advice": {"25": 0}}}"#,
                "retryAfter.mastercard:merchant_advice.25: expected seconds from 1 to 315360000"
            ),
        ]
        for (json, message) in refused {
            #expect(throws: PolicyError(message), "\(json)") { try CardNetworkRules.read(Data(json.utf8)) }
        }
        #expect(throws: PolicyError.self) { try CardNetworkRules.read(Data("[1]".utf8)) }
        #expect(throws: PolicyError.self) { try CardNetworkRules.read(Data("not json".utf8)) }
        // The defaults survive a round trip.
        #expect(try CardNetworkRules.read(JSONEncoder().encode(rules)) == rules)
    }

    @Test("extreme times and tables never trap")
    func extremes() throws {
        let huge = CardNetworkRules(
            limits: [.other: [NetworkLimit(maxAttempts: 1, windowSeconds: .max, name: "forever")]],
            neverRetry: [:], retryAfter: ["other:iso8583": ["05": .max]])
        for time in [Int64.min, -1, 0, Int64.max] {
            var card = CardAttempts()
            card.recordDecline(
                network: .other, scheme: "iso8583", code: "05", merchantAdviceCode: nil, at: time, rules: huge)
            card.recordReattempt(at: time)
            card.recordApproval(at: time)
            _ = card.check(plannedAt: time, network: .other, rules: huge, notAfter: .min)
            _ = card.check(plannedAt: .max, network: .visa, rules: rules)
            // One reattempt in a window of forever: the next is never allowed (or only at the end of time).
            #expect(card.check(plannedAt: time, network: .other, rules: huge) != .allowed, "\(time)")
        }
        let none = CardNetworkRules(limits: [.visa: [NetworkLimit(maxAttempts: 0, windowSeconds: 60, name: "none")]])
        #expect(CardAttempts().check(plannedAt: 0, network: .visa, rules: none) == .forbidden(rule: "none"))
        #expect(
            try JSONDecoder().decode(CardAttempts.self, from: JSONEncoder().encode(CardAttempts())) == CardAttempts())
    }

    @Test("no random storm of declines on random schedules exceeds a network limit or follows a never-retry code")
    func storms() {
        var random = SplitMix64(seed: 2026)
        let custom = CardNetworkRules(
            limits: CardNetworkRules.defaults.limits.merging(
                [
                    .other: [
                        NetworkLimit(maxAttempts: 3, windowSeconds: 3600, name: "test: 3 an hour"),
                        NetworkLimit(
                            maxAttempts: 5, windowSeconds: 86_400, name: "test: 5 a day", restartsOnApproval: true),
                    ]
                ], uniquingKeysWith: { $1 }),
            neverRetry: CardNetworkRules.defaults.neverRetry.merging(
                ["other:iso8583": ["14"]], uniquingKeysWith: { $1 }),
            retryAfter: CardNetworkRules.defaults.retryAfter)
        let soft: [(String, String)] = [
            ("iso8583", "51"), ("iso8583", "05"), ("iso8583", "91"), ("stripe", "insufficient_funds"),
            ("stripe", "do_not_honor"), ("stripe", "generic_decline"),
        ]
        let hard: [(String, String)] = [
            ("iso8583", "14"), ("iso8583", "41"), ("iso8583", "R0"), ("stripe", "lost_card"), ("stripe", "pickup_card"),
        ]
        let advice: [String?] = [nil, nil, nil, "01", "02", "24", "25", "27"]
        var made = 0
        var moved = 0
        var stopped = 0
        for storm in 0..<300 {
            let network = [CardNetwork.visa, .mastercard, .other][Int(random.next() % 3)]
            let table = storm % 3 == 0 ? custom : CardNetworkRules.defaults
            var card = CardAttempts()
            var now = Int64.random(in: -1_000 * day...20_000 * day, using: &random)
            var reattempts: [Int64] = []
            var approvals: [Int64] = []
            var neverRetrySeen = false
            var afterNeverRetry = 0
            for _ in 0..<Int.random(in: 1...150, using: &random) {
                // A decline, now and then one after which no retry is allowed.
                let (scheme, code) =
                    Int.random(in: 0..<100, using: &random) < 2
                    ? hard[Int.random(in: 0..<hard.count, using: &random)]
                    : soft[Int.random(in: 0..<soft.count, using: &random)]
                var mac = advice[Int.random(in: 0..<advice.count, using: &random)]
                if Int.random(in: 0..<100, using: &random) < 2 { mac = Bool.random(using: &random) ? "03" : "21" }
                card.recordDecline(
                    network: network, scheme: scheme, code: code, merchantAdviceCode: mac, at: now, rules: table)
                let key = "\(network.rawValue):"
                if table.neverRetry[key + scheme]?.contains(code) == true
                    || mac.map({ table.neverRetry[key + "merchant_advice"]?.contains($0) == true }) == true
                {
                    neverRetrySeen = true
                }
                // The scheduler plans the next reattempt: in a burst, or hours to days later.
                let gap =
                    Bool.random(using: &random)
                    ? Int64.random(in: 0...300_000, using: &random)
                    : Int64.random(in: hour...10 * day, using: &random)
                let planned = now + gap
                let notAfter: Int64? =
                    Int.random(in: 0..<10, using: &random) == 0
                    ? planned + Int64.random(in: 0...20 * day, using: &random) : nil
                var next: Int64?
                switch card.check(plannedAt: planned, network: network, rules: table, notAfter: notAfter) {
                case .allowed:
                    next = planned
                case .deferred(let to, let rule):
                    #expect(to > planned && !rule.isEmpty)
                    #expect(notAfter.map { to <= $0 } ?? true)
                    #expect(card.check(plannedAt: to, network: network, rules: table) == .allowed)
                    next = to
                    moved += 1
                case .forbidden(let rule):
                    #expect(!rule.isEmpty)
                    stopped += 1
                }
                guard let at = next else { break }
                if neverRetrySeen { afterNeverRetry += 1 }
                card.recordReattempt(at: at)
                reattempts.append(at)
                made += 1
                now = at
                if Int.random(in: 0..<100, using: &random) < 3 {
                    now += Int64.random(in: 1...day, using: &random)
                    card.recordApproval(at: now)
                    approvals.append(now)
                }
            }
            #expect(afterNeverRetry == 0, "storm \(storm): a reattempt after a never-retry code")
            for limit in table.limits(for: network) {
                var segments: [[Int64]] = [reattempts]
                if limit.restartsOnApproval {
                    segments = []
                    var start = Int64.min
                    for end in approvals + [Int64.max] {
                        segments.append(reattempts.filter { $0 > start && $0 <= end })
                        start = end
                    }
                }
                let window = limit.windowSeconds * 1000
                for segment in segments where segment.count > limit.maxAttempts {
                    let sorted = segment.sorted()
                    for i in 0..<(sorted.count - limit.maxAttempts) {
                        #expect(
                            sorted[i + limit.maxAttempts] - sorted[i] >= window,
                            "storm \(storm): \(limit.maxAttempts + 1) reattempts within \(limit.name)")
                    }
                }
            }
        }
        // The storms did exercise the rules.
        #expect(made > 3000 && moved > 100 && stopped > 10, "made \(made), moved \(moved), stopped \(stopped)")
    }
}
