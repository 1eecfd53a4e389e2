// Bank statement parsing and proof validation speed.
//
//   swift run -c release statements-bench [--entries N] [--statements S] [--proofs P] [--rounds R] [--instances K]
//   swift run -c release statements-bench --evaluate [--statements S] [--entries N] [--invoices I] [--rounds R]
//   swift run -c release statements-bench --scaling [--rounds R] [--scale F] [--only TEXT]
//
// `--scaling` (Scaling.swift) only times each reader on inputs of size N and 2N, shape by shape,
// and prints the ratio (2 when linear, 4 when quadratic). Otherwise:
// 1. camt.053 entries parsed per second and MB/s, against libxml2's SAX parser (FoundationXML's
//    XMLParser, callbacks only, no tree) reading the same bytes in the same run.
// 2. MT940 statements per second and MB/s, against splitting the same text into lines.
// 3. Proofs validated per second through proof-validator, exactly-once on the mock cluster,
//    against the same events through a worker that only echoes them (the runtime's own cost).
// Each line gives the median of the rounds; the ratios are what to compare across machines.
//
// --evaluate: only `ProofValidator.evaluate`, on a large MT940 and a large camt.053 statement
// (read once, not timed), against an account with one open invoice and with I (200); the
// paying entry is the last one, so every entry is examined. The ratio (time with I invoices /
// time with one) is what matters: near 1 when a proof costs its entries, not entries × invoices.
import BankStatements
import BenchSupport
import Foundation
import FoundationXML
import ProofValidatorService
import RelanceDomain
import RelanceEvents
import RelanceKafka
import RelanceRuntime

if CommandLine.arguments.contains("--scaling") {
    let arguments = CommandLine.arguments
    let scale = arguments.firstIndex(of: "--scale").flatMap {
        $0 + 1 < arguments.count ? Double(arguments[$0 + 1]) : nil
    }
    let only = arguments.firstIndex(of: "--only").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
    try scaling(rounds: option("--rounds", 3), scale: scale ?? 1, only: only)
    exit(0)
}

let entryCount = option("--entries", 10_000)
let statementCount = option("--statements", 20_000)
let proofCount = option("--proofs", 5_000)
let rounds = option("--rounds", 5)

if CommandLine.arguments.contains("--evaluate") {
    evaluateBench(invoices: option("--invoices", 200))
    exit(0)
}

/// An account with `count` open invoices (FAC-2026-0000…), none of whose numbers or amounts the
/// bench statements' entries carry but the last one, which pays FAC-2026-0000 in full.
func openInvoices(_ count: Int) -> ProofLedger {
    var ledger = ProofLedger()
    for k in 0..<count {
        ledger.issued(
            ProofInvoice(
                id: "i-\(k)", number: "FAC-2026-\(k < 10 ? "000" : k < 100 ? "00" : "0")\(k)",
                amount: k == 0 ? 77_700 : 1_000_000 + Int64(k) * 7, currency: "EUR", issuedOn: "2026-10-01",
                payeeAccount: "FR7630006000011234567890189"))
    }
    return ledger
}

func evaluateBench(invoices invoiceCount: Int) {
    let payingMT940 = """
        :20:STMT-PAY
        :25:DE89370400440532013000
        :28C:1/1
        :60F:C261104EUR1000,00
        :61:2611051105D777,00NTRFNONREF//COBA-PAY
        :86:166?00SEPA-UEBERWEISUNG?100599?20EREF+E2E-PAY?21SVWZ+Facture FAC-2026-0000?30AGRIFRPPXXX
        ?31FR7630006000011234567890189?32Relance Demo SAS
        :62F:C261105EUR223,00
        -

        """
    let mt940Text = (0..<statementCount).map(mt940Statement).joined() + payingMT940
    let payingCamt = camtEntry(0).replacingOccurrences(
        of: "<Amt Ccy=\"EUR\">10.00</Amt>", with: "<Amt Ccy=\"EUR\">777.00</Amt>"
    )
    .replacingOccurrences(of: "INV-2026-0", with: "FAC-2026-0000").replacingOccurrences(of: "E2E-0", with: "E2E-PAY")
    .replacingOccurrences(
        of: "<Cdtr><Pty><Nm>Relance Demo SAS</Nm></Pty></Cdtr>",
        with:
            "<Cdtr><Pty><Nm>Relance Demo SAS</Nm></Pty></Cdtr><CdtrAcct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></CdtrAcct>"
    )
    var camtText = String(decoding: camtDocument(entries: entryCount), as: UTF8.self)
    camtText = camtText.replacingOccurrences(of: "</Stmt>", with: payingCamt + "</Stmt>")
    let documents: [(name: String, bytes: Int, read: () throws -> [BankStatement])] = [
        ("MT940", mt940Text.utf8.count, { try MT940Reader.read(mt940Text, maxBytes: 1 << 30) }),
        (
            "camt.053", camtText.utf8.count,
            { try CamtReader.read(Array(camtText.utf8), limits: XMLLimits(maxBytes: 1 << 30)) }
        ),
    ]
    let typed = ProofFields(payerName: "Zoé Lefèvre")
    for document in documents {
        let candidates: [ProofFields]
        do {
            candidates = ProofFields.candidates(in: try document.read())
        } catch {
            fail("\(document.name): \(error)")
        }
        var seconds: [Int: Double] = [:]
        for count in [1, invoiceCount] {
            let ledger = openInvoices(count)
            var times: [Double] = []
            for _ in 0..<rounds {
                var copy = ledger
                times.append(
                    measure {
                        let verdict = ProofValidator().evaluate(
                            proofID: "p", candidates: candidates, typed: typed, claimedInvoices: [], ledger: &copy)
                        guard verdict.outcome == .accepted, verdict.matches.map(\.invoiceID) == ["i-0"] else {
                            fail("\(document.name), \(count) invoices: \(verdict.outcome) \(verdict.reasons)")
                        }
                    })
            }
            seconds[count] = median(times)
        }
        let one = seconds[1] ?? 0
        let many = seconds[invoiceCount] ?? 0
        say(
            "evaluate \(document.name) (\(format2(Double(document.bytes) / 1_048_576)) MiB, \(candidates.count) entries): "
                + "1 open invoice \(format2(one * 1000)) ms, \(invoiceCount) open invoices \(format2(many * 1000)) ms; "
                + "ratio \(format2(many / one)); \(format2(many / Double(candidates.count) * 1e6)) µs per entry")
    }
}

// MARK: camt.053

func camtEntry(_ n: Int) -> String {
    """
        <Ntry>
          <NtryRef>\(n)</NtryRef><Amt Ccy="EUR">\(n % 9000 + 10).\(n % 100 < 10 ? "0" : "")\(n % 100)</Amt>
          <CdtDbtInd>\(n % 3 == 0 ? "DBIT" : "CRDT")</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
          <BookgDt><Dt>2026-11-05</Dt></BookgDt><ValDt><Dt>2026-11-05</Dt></ValDt>
          <AcctSvcrRef>BANK-\(n)</AcctSvcrRef>
          <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
          <NtryDtls><TxDtls>
            <Refs><EndToEndId>E2E-\(n)</EndToEndId><TxId>TX-\(n)</TxId></Refs>
            <RltdPties>
              <Dbtr><Pty><Nm>Client n°\(n) Lefèvre</Nm></Pty></Dbtr>
              <DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>
              <Cdtr><Pty><Nm>Relance Demo SAS</Nm></Pty></Cdtr>
            </RltdPties>
            <RltdAgts><DbtrAgt><FinInstnId><BICFI>COBADEFFXXX</BICFI></FinInstnId></DbtrAgt></RltdAgts>
            <RmtInf><Ustrd>Facture INV-2026-\(n)</Ustrd></RmtInf>
          </TxDtls></NtryDtls>
        </Ntry>

    """
}

func camtDocument(entries: Int) -> [UInt8] {
    var text = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
        <GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2026-11-05T22:00:00Z</CreDtTm></GrpHdr>
        <Stmt><Id>S1</Id><Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>

        """
    for n in 0..<entries { text += camtEntry(n) }
    text += "</Stmt></BkToCstmrStmt></Document>\n"
    return Array(text.utf8)
}

final class CountingDelegate: NSObject, XMLParserDelegate {
    var elements = 0
    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) { elements += 1 }
}

let camt = camtDocument(entries: entryCount)
let camtMB = Double(camt.count) / 1_000_000
var ours: [Double] = []
var sax: [Double] = []
let limits = XMLLimits(maxBytes: 1 << 30)
for _ in 0..<rounds {
    ours.append(
        try measure {
            let statements = try CamtReader.read(camt, limits: limits)
            guard statements[0].entries.count == entryCount else { fail("camt: read \(statements[0].entries.count)") }
        })
    sax.append(
        measure {
            let parser = XMLParser(data: Data(camt))
            let delegate = CountingDelegate()
            parser.delegate = delegate
            let parsed = parser.parse()
            guard parsed, delegate.elements > entryCount else {
                fail(
                    "libxml2 SAX: parsed \(parsed), \(delegate.elements) elements, \(String(describing: parser.parserError))"
                )
            }
        })
}
let camtSeconds = median(ours)
let saxSeconds = median(sax)
say(
    "camt.053: \(entryCount) entries, \(format2(camtMB)) MB: \(format(Double(entryCount) / camtSeconds)) entries/s, "
        + "\(format2(camtMB / camtSeconds)) MB/s; libxml2 SAX (no tree) \(format2(camtMB / saxSeconds)) MB/s; "
        + "ratio \(format2(saxSeconds / camtSeconds))")

// MARK: MT940

func mt940Statement(_ n: Int) -> String {
    """
    :20:STMT\(n)
    :25:DE89370400440532013000
    :28C:\(n % 1000)/1
    :60F:C261104EUR1000,00
    :61:2611051105D49,00NTRFNONREF//COBA-\(n)
    :86:166?00SEPA-UEBERWEISUNG?100599?20EREF+E2E-\(n)?21SVWZ+Rechnung INV-2026-\(n)?22 Abo November?30AGRIFRPPXXX
    ?31FR7630006000011234567890189?32Relance Demo SAS
    :61:2611051105C120,50NTRFREF\(n)//COBA-B\(n)
    :86:/EREF/E2E-B\(n)//CNTP/BE68539007547034/GKCCBEBB/Jan Peeters/Brussel//REMI/USTD//Factuur \(n)/
    :62F:C261105EUR1071,50
    -

    """
}

let mt940 = (0..<statementCount).map(mt940Statement).joined()
let mt940MB = Double(mt940.utf8.count) / 1_000_000
var mtOurs: [Double] = []
var mtLines: [Double] = []
for _ in 0..<rounds {
    mtOurs.append(
        try measure {
            let statements = try MT940Reader.read(mt940, maxBytes: 1 << 30)
            guard statements.count == statementCount else { fail("mt940: read \(statements.count)") }
        })
    mtLines.append(
        measure {
            let lines = mt940.split(separator: "\n")
            guard lines.count > statementCount else { fail("line split") }
        })
}
let mtSeconds = median(mtOurs)
let lineSeconds = median(mtLines)
say(
    "MT940: \(statementCount) statements, \(format2(mt940MB)) MB: \(format(Double(statementCount) / mtSeconds)) "
        + "statements/s, \(format2(mt940MB / mtSeconds)) MB/s; line split alone \(format2(mt940MB / lineSeconds)) MB/s; "
        + "ratio \(format2(lineSeconds / mtSeconds))")

// MARK: Proofs through the worker

/// Account n's invoice and its proof: a camt.053 statement of the payer with the debit.
func proofEvents(_ n: Int) -> (invoice: JSONValue, proof: JSONValue) {
    let account = "acct-\(n)"
    let invoice = JSONValue.object([
        "eventId": .string("inv-\(n)"), "type": .string("invoice.issued"), "schemaVersion": .integer(1),
        "occurredAt": .string("2026-11-01T00:00:00Z"), "accountId": .string(account), "merchantId": .string("m-1"),
        "data": .object([
            "invoiceId": .string("i-\(n)"), "number": .string("INV-2026-\(n)"),
            "amount": .integer(Int64(n % 9000 + 10) * 100 + Int64(n % 100)), "currency": .string("EUR"),
            "issuedOn": .string("2026-10-01"), "payeeAccount": .string("FR7630006000011234567890189"),
        ]),
    ])
    let document = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
        <GrpHdr><MsgId>P\(n)</MsgId><CreDtTm>2026-11-05T22:00:00Z</CreDtTm></GrpHdr>
        <Stmt><Id>S\(n)</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy>
        <Ownr><Nm>Client \(n)</Nm></Ownr></Acct>
        \(camtEntry(n).replacingOccurrences(of: "CRDT", with: "DBIT").replacingOccurrences(of: "<Cdtr><Pty><Nm>Relance Demo SAS</Nm></Pty></Cdtr>", with: "<Cdtr><Pty><Nm>Relance Demo SAS</Nm></Pty></Cdtr><CdtrAcct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></CdtrAcct>"))
        </Stmt></BkToCstmrStmt></Document>
        """
    let proof = JSONValue.object([
        "eventId": .string("proof-\(n)"), "type": .string("proof.submitted"), "schemaVersion": .integer(1),
        "occurredAt": .string("2026-11-06T00:00:00Z"), "accountId": .string(account), "merchantId": .string("m-1"),
        "data": .object([
            "proofId": .string("pr-\(n)"), "kind": .string("bank_statement"),
            "document": .object(["format": .string("camt.053"), "content": .string(document)]),
        ]),
    ])
    return (invoice, proof)
}

// Per proof, without Kafka: what the runtime does to every event (size check, card-number
// scan, JSON, envelope, schema) and what the validator does (read the document, judge it).
let samples = (0..<1000).map { proofEvents($0) }
let eventValidator = EventValidator(types: ProofValidatorWorker().eventTypes)
let proofBytes = samples.map(\.proof.jsonBytes)
let envelopes = proofBytes.map { bytes -> EventEnvelope in
    guard case .success(let envelope) = eventValidator.read(bytes) else { fail("a bench proof is invalid") }
    return envelope
}
var envelopeRounds: [Double] = []
var judgeRounds: [Double] = []
for _ in 0..<rounds {
    envelopeRounds.append(
        measure {
            for bytes in proofBytes {
                guard case .success = eventValidator.read(bytes) else { fail("invalid") }
            }
        })
    judgeRounds.append(
        try measure {
            for (n, envelope) in envelopes.enumerated() {
                var ledger = ProofLedger()
                ledger.issued(
                    ProofInvoice(
                        id: "i-\(n)", number: "INV-2026-\(n)", amount: Int64(n % 9000 + 10) * 100 + Int64(n % 100),
                        currency: "EUR", issuedOn: "2026-10-01", payeeAccount: "FR7630006000011234567890189"))
                let content = Array(envelope.data["document"]!["content"]!.stringValue!.utf8)
                let candidates = ProofFields.candidates(in: try CamtReader.read(content))
                let verdict = ProofValidator().evaluate(
                    proofID: "p", candidates: candidates, typed: nil, claimedInvoices: [], ledger: &ledger)
                guard verdict.outcome == .accepted else { fail("bench proof \(n): \(verdict.reasons)") }
            }
        })
}
let averageBytes = proofBytes.reduce(0) { $0 + $1.count } / proofBytes.count
say(
    "per proof event (\(averageBytes) bytes): runtime input checks \(format2(median(envelopeRounds) * 1000)) µs, "
        + "document read + verdict \(format2(median(judgeRounds) * 1000)) µs")

let bench = try await WorkerBench(clock: Date(timeIntervalSince1970: 1_794_268_800))
// Invoices and proofs on one topic, so each proof comes after its invoice.
let events = (0..<proofCount).flatMap { n -> [(key: String, value: [UInt8])] in
    let (invoice, proof) = proofEvents(n)
    return [("acct-\(n)", invoice.jsonBytes), ("acct-\(n)", proof.jsonBytes)]
}
var validated: [Double] = []
var echoed: [Double] = []
for _ in 0..<max(1, rounds / 2) {
    validated.append(
        try await bench.run(events) { input, output in
            var worker = ProofValidatorWorker()
            worker.inputTopics = [input]
            worker.verdictsTopic = output
            return worker
        })
    echoed.append(
        try await bench.run(events) {
            WorkerBench.EchoWorker(inputTopics: [$0], outputTopics: [$1], eventTypes: ProofValidatorWorker().eventTypes)
        })
}
let validatedSeconds = median(validated)
let echoSeconds = median(echoed)
say(
    "proof-validator: \(proofCount) camt.053 proofs (+ \(proofCount) invoices), exactly-once: "
        + "\(format(Double(proofCount) / validatedSeconds)) proofs/s; echo worker on the same events "
        + "\(format(Double(proofCount) / echoSeconds)) proofs/s; ratio \(format2(echoSeconds / validatedSeconds))")
