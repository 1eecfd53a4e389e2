import BankStatements
import Foundation
import Testing

/// Shapes of input that once cost a reader time growing with the square of their size: a camt
/// statement list with the group header after it, many :86: fields after one :61:, many ?32/?33
/// sub-fields, many SEPA keywords, many namespace declarations. What the readers give on them
/// is pinned here, on inputs built in code; how long they take is statements-bench's
/// `--scaling` mode (docs/benchmarks.md), never a test.
@Suite struct LargeShapesTests {
    // MARK: camt: the group header's creation time

    enum HeaderPlace { case first, last, none }

    /// `count` statements; every third has a creation time of its own, the rest take the
    /// group header's (when there is one).
    static func camt(statements count: Int, header: HeaderPlace) -> [UInt8] {
        let groupHeader = "<GrpHdr><MsgId>M-1</MsgId><CreDtTm>2026-11-05T22:00:00Z</CreDtTm></GrpHdr>\n"
        var text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>

            """
        if header == .first { text += groupHeader }
        for n in 0..<count {
            let own = n % 3 == 0 ? "<CreDtTm>2026-11-04T0\(n % 10):00:00Z</CreDtTm>" : ""
            text += "<Stmt><Id>S\(n)</Id>\(own)<Acct><Id><Othr><Id>A\(n)</Id></Othr></Id></Acct></Stmt>\n"
        }
        if header == .last { text += groupHeader }
        text += "</BkToCstmrStmt></Document>\n"
        return Array(text.utf8)
    }

    static func expectedCreation(_ n: Int, header: Bool) -> String? {
        n % 3 == 0 ? "2026-11-04T0\(n % 10):00:00Z" : header ? "2026-11-05T22:00:00Z" : nil
    }

    @Test func camtGroupHeaderAfterTheStatementsStillDatesEachOfThem() throws {
        let count = 600
        let first = try CamtReader.read(Self.camt(statements: count, header: .first))
        let last = try CamtReader.read(Self.camt(statements: count, header: .last))
        #expect(last.count == count)
        for (n, statement) in last.enumerated() {
            #expect(statement.id == "S\(n)")
            #expect(statement.account.other == "A\(n)")
            #expect(statement.messageID == "M-1")
            #expect(statement.createdAt == Self.expectedCreation(n, header: true), "statement \(n)")
        }
        #expect(first == last, "where the group header stands changes nothing")
    }

    @Test func camtWithoutGroupHeaderDatesOnlyTheStatementsThatSayWhen() throws {
        let statements = try CamtReader.read(Self.camt(statements: 600, header: .none))
        #expect(statements.count == 600)
        for (n, statement) in statements.enumerated() {
            #expect(statement.messageID == nil)
            #expect(statement.createdAt == Self.expectedCreation(n, header: false), "statement \(n)")
        }
    }

    @Test func camtReadsTheFirstGroupHeaderOnly() throws {
        var text = String(decoding: Self.camt(statements: 4, header: .last), as: UTF8.self)
        text = text.replacingOccurrences(
            of: "</BkToCstmrStmt>",
            with: "<GrpHdr><MsgId>M-2</MsgId><CreDtTm>2027-01-01T00:00:00Z</CreDtTm></GrpHdr></BkToCstmrStmt>")
        let statements = try CamtReader.read(Array(text.utf8))
        #expect(statements.map(\.messageID) == ["M-1", "M-1", "M-1", "M-1"])
        #expect(statements[1].createdAt == "2026-11-05T22:00:00Z")
    }

    // MARK: MT940: many :86: fields, many sub-fields

    static let head = """
        :20:SHAPES
        :25:DE89370400440532013000
        :28C:1/1
        :60F:C261104EUR1000,00

        """

    @Test func manyInformationFieldsAfterOneStatementLineAreAllKept() throws {
        let count = 400
        var text = Self.head + ":61:2611051105D49,00NTRFNONREF//COBA-1\nDAUERAUFTRAG\n"
        var expected = ["DAUERAUFTRAG"]
        for n in 0..<count {
            if n % 2 == 0 {
                text += ":86:Zahlung \(n)\n"
                expected.append("Zahlung \(n)")
            } else {
                text += ":86:166?00GUTSCHRIFT?20SVWZ+Teil \(n)\n?32Empf\u{E4}nger \(n)\n"
                expected.append("166?00GUTSCHRIFT?20SVWZ+Teil \(n)\n?32Empf\u{E4}nger \(n)")
            }
        }
        text += ":62F:C261105EUR951,00\n-\n"
        let entries = try MT940Reader.read(text, maxBytes: 1 << 30)[0].entries
        #expect(entries.count == 1)
        #expect(entries[0].additionalInformation == expected.joined(separator: "\n"))
        // Every :86: of the entry is read, as one text in the style of the first (plain text
        // here): the first and the last are in the transaction's remittance.
        let remittance = try #require(entries[0].transactions.first).remittance.joined(separator: " ")
        #expect(remittance.hasPrefix("Zahlung 0 166?00GUTSCHRIFT?20"))
        #expect(remittance.hasSuffix("Teil \(count - 1) ?32Empf\u{E4}nger \(count - 1)"))
        #expect(entries[0].bankTransactionCode == "NTRF")
    }

    @Test func informationFieldsWithoutSupplementaryDetailsStartTheText() throws {
        let text =
            Self.head + ":61:2611051105C5,00NTRFREF\n:86:eins\n:86:zwei\ndrei\n:61:2611051105C6,00NTRFREF2\n"
            + ":86:vier\n:62F:C261105EUR1011,00\n"
        let entries = try MT940Reader.read(text)[0].entries
        #expect(entries.map(\.additionalInformation) == ["eins\nzwei\ndrei", "vier"])
        #expect(entries[0].transactions[0].remittance == ["eins zwei drei"], "every :86: of the entry is read")
    }

    @Test func manyNameSubFieldsMakeOneCounterpartyName() throws {
        let count = 500
        var text = Self.head + ":61:2611051105C120,50NTRFREF-7//COBA-7\n:86:166?00SEPA-GUTSCHRIFT?100599"
        var name = ""
        var remittance = ""
        for n in 0..<count {
            let part = n % 2 == 0 ? "Hausverwaltung \(n) " : "M\u{FC}ller-\(n)"
            text += "\n?\(n % 2 == 0 ? 32 : 33)\(part)"
            name += part
            if n % 50 == 0 {
                text += "\n?2\(n / 50 % 10)Teil \(n) "
                remittance += "Teil \(n) "
            }
        }
        text += "\n?30COBADEFFXXX\n?31DE89370400440532013000\n:62F:C261105EUR1120,50\n"
        let entry = try MT940Reader.read(text)[0].entries[0]
        let transaction = try #require(entry.transactions.first)
        #expect(transaction.debtor.name == name)
        #expect(transaction.debtor.bic == "COBADEFFXXX")
        #expect(transaction.debtor.account == "DE89370400440532013000")
        #expect(transaction.remittance == [remittance], "text without keywords is kept as it is")
        #expect(entry.bankTransactionCode == "NTRF")
    }

    @Test func manySEPAKeywordsAreReadInTheOrderTheyCome() throws {
        var text = Self.head + ":61:2611051105D49,00NTRFNONREF\n:86:166?00LASTSCHRIFT?20Vorab "
        var remittance = ["Vorab"]
        let count = 300
        for n in 0..<count {
            // Sub-fields of 27 characters at most; a keyword may straddle two of them.
            switch n % 6 {
            case 0: text += "?2\(n % 10)EREF+E\(n) "
            case 1: text += "?2\(n % 10)SVWZ+Rate \(n) "
            case 2: text += "?2\(n % 10)MREF+M\(n)BIC+X\(n)"
            case 3: text += "?2\(n % 10)SV?2\(n % 10)WZ+Rest \(n)"
            case 4: text += "?2\(n % 10)KREF+K\(n) ABWE+Firma \(n)"
            default: text += "?2\(n % 10)ABWA+Kunde \(n)IBAN+DE\(n)"
            }
            if n % 6 == 1 { remittance.append("Rate \(n)") }
            if n % 6 == 3 { remittance.append("Rest \(n)") }
        }
        text += "\n:62F:C261105EUR951,00\n"
        let transaction = try #require(try MT940Reader.read(text)[0].entries[0].transactions.first)
        let last = count - 1 - (count - 1) % 6
        #expect(transaction.endToEndID == "E\(last)")
        #expect(transaction.mandateID == "M\(last + 2)")
        #expect(transaction.instructionID == "K\(last + 4)")
        #expect(transaction.ultimateCreditor == "Firma \(last + 4)")
        #expect(transaction.ultimateDebtor == "Kunde \(last + 5)")
        #expect(transaction.remittance == remittance)
    }

    @Test func plainInformationWithKeywordsKeepsTheTextBeforeThem() throws {
        let text =
            Self.head + ":61:2611051105D49,00NTRFNONREF\n:86:Miete  EREF+E-1 SVWZ+Januar\nFebruar KREF+K-1\n"
            + ":62F:C261105EUR951,00\n"
        let transaction = try MT940Reader.read(text)[0].entries[0].transactions[0]
        #expect(transaction.remittance == ["Miete", "Januar Februar"])
        #expect(transaction.endToEndID == "E-1")
        #expect(transaction.instructionID == "K-1")
    }

    // MARK: XML: many namespace declarations

    @Test func manyNamespaceDeclarationsKeepTheRootsNamespaceAndEveryAttribute() throws {
        let count = 500
        var text = #"<c:Document xmlns:c="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08""#
        for n in 0..<count { text += #" xmlns:p\#(n)="urn:p:\#(n)""# }
        text += "><c:BkToCstmrStmt>"
        for n in 0..<count {
            text += #"<c:Stmt xmlns:s\#(n)="urn:s:\#(n)" xmlns:c="urn:other" xmlns="urn:default:\#(n)">"#
            text += "<Id>S\(n)</Id><c:Acct/></c:Stmt>"
        }
        text += "</c:BkToCstmrStmt></c:Document>"
        let document = try XDocument.read(text)
        #expect(document.namespace == "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08")
        #expect(document.root.name == "Document")
        #expect(document.root.attributes.count == count + 1)
        #expect(document.root.attributes["p7"] == "urn:p:7")
        let statements = document.root.children[0].children
        #expect(statements.count == count)
        #expect(
            statements[9].attributes == ["s9": "urn:s:9", "c": "urn:other", "xmlns": "urn:default:9"],
            "declarations are attributes under their local name")
        #expect(statements[9].value("Id") == "S9")
        let read = try CamtReader.read(document)
        #expect(read.count == count)
        #expect(read[count - 1].id == "S\(count - 1)")
    }

    @Test func aRootDeclaringItsDefaultNamespaceAfterOtherAttributesIsInIt() throws {
        let document = try XDocument.read(
            #"<Document a="1" xmlns:x="urn:x" xmlns="urn:d"><x:b xmlns="urn:e"/></Document>"#)
        #expect(document.namespace == "urn:d")
        let prefixed = try XDocument.read(#"<x:Document xmlns="urn:d" xmlns:x="urn:x"/>"#)
        #expect(prefixed.namespace == "urn:x")
        let undeclared = try XDocument.read(#"<y:Document xmlns="urn:d"/>"#)
        #expect(undeclared.namespace == nil)
    }
}
