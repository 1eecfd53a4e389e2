import BankStatements
import Foundation
import Testing

/// Documents are untrusted: attacks are refused before any expansion or fetch, quickly.
@Suite struct UntrustedXMLTests {
    func refusal(_ text: String, limits: XMLLimits = XMLLimits()) -> XMLReadError? {
        do {
            _ = try XDocument.read(text, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func externalEntitiesAreRefused() {
        let xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><Nm>&xxe;</Nm></Document>
            """
        let error = refusal(xxe)
        #expect(error?.kind == .doctypeRefused)
        #expect(error?.line == 2)
        // Without a DOCTYPE, an entity reference is simply undefined.
        #expect(refusal("<a>&xxe;</a>")?.kind == .undefinedEntity)
        #expect(refusal(#"<a b="&xxe;"/>"#)?.kind == .undefinedEntity)
    }

    @Test func entityExpansionBombsAreRefusedBeforeAnyExpansion() {
        var bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
        for level in 1...9 {
            let previous = level == 1 ? "lol" : "lol\(level - 1)"
            bomb += " <!ENTITY lol\(level) \"" + String(repeating: "&\(previous);", count: 10) + "\">\n"
        }
        bomb += "]>\n<lolz>&lol9;</lolz>"
        #expect(refusal(bomb)?.kind == .doctypeRefused)
        // A declaration slipped inside the document is refused too.
        #expect(refusal("<a><!ENTITY x \"y\"></a>")?.kind == .doctypeRefused)
    }

    @Test func deepNestingIsRefusedAtTheLimit() {
        let deep = String(repeating: "<a>", count: 100_000) + String(repeating: "</a>", count: 100_000)
        #expect(refusal(deep)?.kind == .tooDeep)
        let fine = String(repeating: "<a>", count: 64) + String(repeating: "</a>", count: 64)
        #expect(refusal(fine) == nil)
    }

    @Test func hugeFilesAreRefusedUnread() {
        let huge = [UInt8](repeating: UInt8(ascii: " "), count: 64 << 20)
        do {
            _ = try XDocument.read(huge)
            Issue.record("a 64 MiB document was read")
        } catch {
            #expect(error.kind == .tooLarge)
            #expect(error.message.contains("67108864 bytes"))
        }
    }

    @Test func malformedDocumentsSayWhatAndWhere() {
        #expect(refusal("<a><b></a>")?.message == "</a> closes <b>")
        #expect(refusal("<a>\n\n<b>")?.line == 3)
        #expect(refusal("<a>x & y</a>")?.kind == .malformed)
        #expect(refusal("<a></a><b></b>")?.message == "content after the root element")
        #expect(refusal("")?.message == "no root element")
        #expect(refusal("<a b=c/>")?.kind == .malformed)
        #expect(refusal("<a>&#0;</a>")?.kind == .malformed)
        #expect(refusal("<a><![CDATA[open</a>")?.kind == .malformed)
        #expect(refusal(#"<?xml version="1.0" encoding="EBCDIC"?><a/>"#)?.kind == .unsupportedEncoding)
        #expect(throws: XMLReadError.self) { try XDocument.read([0xFF, 0xFE, 0x3C, 0x00]) }
    }

    @Test func latin1DocumentsAreReadAsDeclared() throws {
        var bytes = Array(#"<?xml version="1.0" encoding="ISO-8859-1"?><Nm>Zo"#.utf8)
        bytes.append(0xE9)  // é in ISO-8859-1
        bytes += Array("</Nm>".utf8)
        let document = try XDocument.read(bytes)
        #expect(document.root.text == "Zoé")
    }

    @Test func charactersAndPredefinedEntitiesAreDecoded() throws {
        let document = try XDocument.read(#"<a t="x&quot;y"><b>&lt;&#233;&#x20AC;&amp;&apos;&gt;</b><!-- c --></a>"#)
        #expect(document.root.attributes["t"] == "x\"y")
        #expect(document.root.value("b") == "<é€&'>")
    }
}
