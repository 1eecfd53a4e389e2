// `statements-bench --scaling [--rounds R] [--scale F] [--only TEXT]`: is every reader linear in its input?
//
// For each shape of input, the reader reads an input of size N and one of size 2N, alternately;
// the line gives the CPU time of each (median of R rounds, default 3; wall-clock beside it) and
// the ratio t(2N)/t(N): about 2 when the reader is linear, about 4 when it is quadratic. The shapes are those that once were
// quadratic (a camt statement list without its group header in front, many :86: fields after
// one :61:, many ?32/?33 name sub-fields, many namespace declarations) and ordinary ones for
// comparison. `--scale F` multiplies every N (the defaults make a quadratic reader take
// seconds at N); `--only TEXT` runs the shapes whose name contains TEXT. Inputs are built in code
// before the timing.
import BankStatements
import BenchSupport

struct ScalingShape {
    let name: String
    /// What N counts.
    let unit: String
    let n: Int
    /// The input of size `n`: its length in bytes and a reader of it that checks what it read.
    let input: (_ n: Int) -> (bytes: Int, read: () throws -> Void)
}

private let scalingLimits = XMLLimits(maxBytes: 1 << 30)
private let groupHeader = "<GrpHdr><MsgId>SCALING</MsgId><CreDtTm>2026-11-05T22:00:00Z</CreDtTm></GrpHdr>\n"
private let camtHead = """
    <?xml version="1.0" encoding="UTF-8"?>
    <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>

    """

private func camtStatements(_ count: Int, header: String?, headerFirst: Bool) -> [UInt8] {
    var text = camtHead
    if headerFirst, let header { text += header }
    for n in 0..<count {
        text += "<Stmt><Id>S\(n)</Id><Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct></Stmt>\n"
    }
    if !headerFirst, let header { text += header }
    text += "</BkToCstmrStmt></Document>\n"
    return Array(text.utf8)
}

private func camtShape(_ name: String, header: String?, headerFirst: Bool) -> ScalingShape {
    ScalingShape(name: name, unit: "statements", n: 25_000) { count in
        let bytes = camtStatements(count, header: header, headerFirst: headerFirst)
        return (
            bytes.count,
            {
                let statements = try CamtReader.read(bytes, limits: scalingLimits)
                let created = header == nil ? nil : "2026-11-05T22:00:00Z"
                guard statements.count == count, statements[count - 1].createdAt == created else {
                    fail("\(name): read \(statements.count) statements")
                }
            }
        )
    }
}

private let mt940Head = """
    :20:SCALING
    :25:DE89370400440532013000
    :28C:1/1
    :60F:C261104EUR1000,00
    :61:2611051105C120,50NTRFREF-1//COBA-1

    """
private let mt940Tail = "\n:62F:C261105EUR1120,50\n-\n"

/// One statement, one :61:, and `body` after it; the reader's single entry is handed to `check`.
private func mt940Shape(
    _ name: String, unit: String, n: Int, body: @escaping (Int) -> String,
    check: @escaping (Int, StatementEntry) -> Bool
) -> ScalingShape {
    ScalingShape(name: name, unit: unit, n: n) { count in
        let text = mt940Head + body(count) + mt940Tail
        return (
            text.utf8.count,
            {
                let statements = try MT940Reader.read(text, maxBytes: 1 << 30)
                guard statements.count == 1, statements[0].entries.count == 1, check(count, statements[0].entries[0])
                else { fail("\(name): not read as expected") }
            }
        )
    }
}

func scalingShapes() -> [ScalingShape] {
    [
        camtShape("camt.053, group header after the statements", header: groupHeader, headerFirst: false),
        camtShape("camt.053, no group header", header: nil, headerFirst: false),
        camtShape("camt.053, group header first (as the schema orders it)", header: groupHeader, headerFirst: true),
        ScalingShape(
            name: "camt.053, namespace declared on the root and on every statement", unit: "of each", n: 10_000
        ) {
            count in
            var text = #"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08""#
            for n in 0..<count { text += #" xmlns:p\#(n)="urn:p""# }
            text += "><BkToCstmrStmt>" + groupHeader
            for n in 0..<count { text += #"<Stmt xmlns:s="urn:s"><Id>S\#(n)</Id><Acct/></Stmt>"# + "\n" }
            text += "</BkToCstmrStmt></Document>\n"
            let bytes = Array(text.utf8)
            return (
                bytes.count,
                {
                    let statements = try CamtReader.read(bytes, limits: scalingLimits)
                    guard statements.count == count else { fail("namespaces: read \(statements.count) statements") }
                }
            )
        },
        mt940Shape(
            "MT940, many :86: fields after one :61:", unit: ":86: fields", n: 60_000,
            body: { count in (0..<count).map { ":86:Zahlung Rechnung INV-2026-\($0)\n" }.joined() },
            check: { count, entry in
                // Every :86: of the entry is read: one text, from the first to the last.
                entry.transactions.first?.remittance.first?.hasPrefix("Zahlung Rechnung INV-2026-0 Zahlung") == true
                    && entry.transactions.first?.remittance.first?.hasSuffix("INV-2026-\(count - 1)") == true
                    && entry.additionalInformation?.hasSuffix("INV-2026-\(count - 1)") == true
            }),
        mt940Shape(
            "MT940, many ?32/?33 name sub-fields in one :86:", unit: "sub-fields", n: 50_000,
            body: { count in
                ":86:166?00SEPA-GUTSCHRIFT?20SVWZ+Rechnung INV-2026-1"
                    + (0..<count).map { "\n?3\($0 % 2 == 0 ? 2 : 3)Hausverwaltung Teil \($0)" }.joined()
            },
            check: { count, entry in
                entry.transactions.first?.debtor.name?.hasSuffix("Teil \(count - 1)") == true
            }),
        mt940Shape(
            "MT940, one :86: of many ?20-?29 continuation lines", unit: "lines", n: 100_000,
            body: { count in
                ":86:166?00SEPA-GUTSCHRIFT?20SVWZ+"
                    + (0..<count).map { "\n?2\($0 % 10)Rechnung INV-2026-\($0) " }.joined()
            },
            check: { count, entry in
                entry.transactions.first?.remittance.first?.hasSuffix("INV-2026-\(count - 1)") == true
            }),
        mt940Shape(
            "MT940, many SEPA keywords in one :86:", unit: "keywords", n: 100_000,
            body: { count in
                ":86:166?00SEPA-GUTSCHRIFT"
                    + (0..<count).map { "\n?2\($0 % 10)\($0 % 2 == 0 ? "EREF+E" : "SVWZ+Rechnung ")\($0)" }.joined()
            },
            check: { count, entry in entry.transactions.first?.remittance.count == count / 2 }),
        mt940Shape(
            "MT940, one :86: of many Dutch text lines (Knab REK:/NAAM:)", unit: "lines", n: 100_000,
            body: { count in
                ":86:REK: NL91ABNA0417164300/NAAM: Energie BV"
                    + (0..<count).map { "\nFactuur INV-2026-\($0) termijn" }.joined()
            },
            check: { count, entry in
                entry.transactions.first?.debtor.name == "Energie BV"
                    && entry.transactions.first?.remittance.first?.hasSuffix("INV-2026-\(count - 1) termijn") == true
            }),
        ScalingShape(name: "MT940, many :86: fields after the closing balance", unit: ":86: fields", n: 60_000) {
            count in
            let text =
                mt940Head + ":86:Zahlung" + mt940Tail.dropLast(2)
                + (0..<count).map { ":86:Hinweis \($0)\n" }.joined() + "-\n"
            return (
                text.utf8.count,
                {
                    let statements = try MT940Reader.read(text, maxBytes: 1 << 30)
                    guard statements.count == 1,
                        statements[0].additionalInformation?.hasSuffix("Hinweis \(count - 1)") == true,
                        statements[0].entries[0].transactions.first?.remittance == ["Zahlung"]
                    else { fail("MT940 statement information: not read as expected") }
                }
            )
        },
        ScalingShape(name: "MT940, many statements", unit: "statements", n: 40_000) { count in
            let text = (0..<count).map { n in
                mt940Head.replacingFirst(":20:SCALING", with: ":20:S\(n)")
                    + ":86:166?00SEPA-GUTSCHRIFT?20EREF+E2E-\(n)?21SVWZ+Rechnung\n?32Relance Demo SAS" + mt940Tail
            }.joined()
            return (
                text.utf8.count,
                {
                    let statements = try MT940Reader.read(text, maxBytes: 1 << 30)
                    guard statements.count == count else { fail("MT940 statements: read \(statements.count)") }
                }
            )
        },
        ScalingShape(name: "CSV, rows", unit: "rows", n: 100_000) { count in
            let mapping = CSVStatementMapping(
                columns: .init(
                    bookingDate: "Date", amount: "Montant", endToEndID: "Référence", counterpartyName: "Tiers",
                    description: "Libellé"),
                delimiter: ";", decimalSeparator: ",", dateFormat: "dd/MM/yyyy", currency: "EUR")
            var text = "Date;Libellé;Référence;Tiers;Montant\n"
            for n in 0..<count {
                text +=
                    "05/11/2026;\"Facture \"\"INV-2026-\(n)\"\"; abonnement\";E2E-\(n);Client \(n);-\(n % 9000),50\n"
            }
            return (
                text.utf8.count,
                {
                    let statement = try CSVStatementReader.read(text, mapping: mapping, maxBytes: 1 << 30)
                    guard statement.entries.count == count else { fail("CSV: read \(statement.entries.count) rows") }
                }
            )
        },
    ]
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        return self[..<range.lowerBound] + replacement + self[range.upperBound...]
    }
}

func scaling(rounds: Int, scale: Double, only: String?) throws {
    for shape in scalingShapes() where only.map({ shape.name.contains($0) }) ?? true {
        let n = max(2, Int(Double(shape.n) * scale))
        let inputs = [shape.input(n), shape.input(2 * n)]
        // The two sizes alternate within each round, so a busier moment of the shared machine
        // falls on both; the times are the process's CPU time (the reader runs on one thread),
        // which waiting for a core does not count, with the wall-clock time beside them.
        var cpu: [[Double]] = [[], []]
        var wall: [[Double]] = [[], []]
        for _ in 0..<rounds {
            for (size, input) in inputs.enumerated() {
                let start = cpuSeconds()
                wall[size].append(try measure(input.read))
                cpu[size].append(cpuSeconds() - start)
            }
        }
        func figures(_ size: Int) -> String {
            "(\(format2(Double(inputs[size].bytes) / 1_000_000)) MB) \(format2(median(cpu[size]))) s CPU "
                + "(\(format2(median(wall[size]))) s wall)"
        }
        say(
            "\(shape.name): N = \(n) \(shape.unit) \(figures(0)); 2N \(figures(1)); "
                + "ratio \(format2(median(cpu[1]) / median(cpu[0])))")
    }
}
