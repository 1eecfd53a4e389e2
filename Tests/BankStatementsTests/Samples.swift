/// Statements written for these tests from the standards' message definitions, in the styles
/// of several banks. Names, IBANs and BICs are made up (the IBANs carry valid check digits).
enum Samples {
    /// camt.053.001.02 (2009 schema): BIC, plain <Sts>, AmtDtls/TxAmt; two statements in one
    /// message, a batch entry of two credit transfers, a debit entry, a non-ASCII name.
    static let camt053v02 = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
          <BkToCstmrStmt>
            <GrpHdr><MsgId>STMT-2026-11-03-0001</MsgId><CreDtTm>2026-11-03T06:12:00+01:00</CreDtTm></GrpHdr>
            <Stmt>
              <Id>FR76-2026-11-02</Id>
              <ElctrncSeqNb>211</ElctrncSeqNb>
              <CreDtTm>2026-11-03T06:12:00+01:00</CreDtTm>
              <Acct>
                <Id><IBAN>FR7630006000011234567890189</IBAN></Id>
                <Ccy>EUR</Ccy>
                <Ownr><Nm>Société Générale de Bûcheronnage</Nm></Ownr>
                <Svcr><FinInstnId><BIC>AGRIFRPPXXX</BIC></FinInstnId></Svcr>
              </Acct>
              <Bal>
                <Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp>
                <Amt Ccy="EUR">10500.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
                <Dt><Dt>2026-11-02</Dt></Dt>
              </Bal>
              <Bal>
                <Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>
                <Amt Ccy="EUR">11234.50</Amt><CdtDbtInd>CRDT</CdtDbtInd>
                <Dt><Dt>2026-11-02</Dt></Dt>
              </Bal>
              <Ntry>
                <NtryRef>0001</NtryRef>
                <Amt Ccy="EUR">1000.00</Amt>
                <CdtDbtInd>CRDT</CdtDbtInd>
                <Sts>BOOK</Sts>
                <BookgDt><Dt>2026-11-02</Dt></BookgDt>
                <ValDt><Dt>2026-11-02</Dt></ValDt>
                <AcctSvcrRef>2026110200451</AcctSvcrRef>
                <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
                <NtryDtls>
                  <Btch><NbOfTxs>2</NbOfTxs></Btch>
                  <TxDtls>
                    <Refs><EndToEndId>E2E-ZO-88231</EndToEndId><TxId>TX-88231</TxId></Refs>
                    <AmtDtls><TxAmt><Amt Ccy="EUR">600.00</Amt></TxAmt></AmtDtls>
                    <RltdPties>
                      <Dbtr><Nm>Zoé Lefèvre-Øster</Nm></Dbtr>
                      <DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>
                      <Cdtr><Nm>Société Générale de Bûcheronnage</Nm></Cdtr>
                    </RltdPties>
                    <RltdAgts><DbtrAgt><FinInstnId><BIC>COBADEFFXXX</BIC></FinInstnId></DbtrAgt></RltdAgts>
                    <RmtInf><Ustrd>Facture INV-2026-0042</Ustrd><Ustrd>abonnement octobre</Ustrd></RmtInf>
                  </TxDtls>
                  <TxDtls>
                    <Refs><EndToEndId>NOTPROVIDED</EndToEndId><TxId>TX-88232</TxId></Refs>
                    <AmtDtls><TxAmt><Amt Ccy="EUR">400.00</Amt></TxAmt></AmtDtls>
                    <RltdPties><Dbtr><Nm>ACME &amp; Fils</Nm></Dbtr></RltdPties>
                    <RmtInf><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf>
                  </TxDtls>
                </NtryDtls>
              </Ntry>
              <Ntry>
                <Amt Ccy="EUR">265.50</Amt>
                <CdtDbtInd>DBIT</CdtDbtInd>
                <Sts>BOOK</Sts>
                <BookgDt><DtTm>2026-11-02T14:03:11</DtTm></BookgDt>
                <ValDt><Dt>2026-11-03</Dt></ValDt>
                <BkTxCd><Prtry><Cd>NTRF</Cd><Issr>AGRI</Issr></Prtry></BkTxCd>
                <AddtlNtryInf>PRLV SEPA ENERGIE</AddtlNtryInf>
              </Ntry>
            </Stmt>
            <Stmt>
              <Id>FR76-USD-2026-11-02</Id>
              <Acct><Id><Othr><Id>000123456789</Id></Othr></Id><Ccy>USD</Ccy></Acct>
              <Ntry>
                <Amt Ccy="USD">12.34567</Amt>
                <CdtDbtInd>CRDT</CdtDbtInd>
                <Sts>PDNG</Sts>
                <ValDt><Dt>2026-11-04</Dt></ValDt>
              </Ntry>
            </Stmt>
          </BkToCstmrStmt>
        </Document>
        """

    /// camt.053.001.08 (2019 schema): BICFI, <Sts><Cd>, <Dbtr><Pty><Nm>, TxDtls/Amt, a prefix
    /// on every element (as some banks write it), a payer's statement with the debit to a
    /// merchant.
    static let camt053v08 = """
        <?xml version="1.0" encoding="UTF-8"?>
        <c:Document xmlns:c="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
          <c:BkToCstmrStmt>
            <c:GrpHdr><c:MsgId>20261105-STMT-77</c:MsgId><c:CreDtTm>2026-11-05T22:00:00Z</c:CreDtTm></c:GrpHdr>
            <c:Stmt>
              <c:Id>77-2026-11-05</c:Id>
              <c:Acct>
                <c:Id><c:IBAN>DE89370400440532013000</c:IBAN></c:Id>
                <c:Ccy>EUR</c:Ccy>
                <c:Ownr><c:Nm>Zoé Lefèvre-Øster</c:Nm></c:Ownr>
                <c:Svcr><c:FinInstnId><c:BICFI>COBADEFFXXX</c:BICFI></c:FinInstnId></c:Svcr>
              </c:Acct>
              <c:Ntry>
                <c:NtryRef>N-4411</c:NtryRef>
                <c:Amt Ccy="EUR">49.00</c:Amt>
                <c:CdtDbtInd>DBIT</c:CdtDbtInd>
                <c:Sts><c:Cd>BOOK</c:Cd></c:Sts>
                <c:BookgDt><c:Dt>2026-11-05</c:Dt></c:BookgDt>
                <c:ValDt><c:Dt>2026-11-05</c:Dt></c:ValDt>
                <c:AcctSvcrRef>COBA-20261105-4411</c:AcctSvcrRef>
                <c:BkTxCd><c:Domn><c:Cd>PMNT</c:Cd><c:Fmly><c:Cd>ICDT</c:Cd><c:SubFmlyCd>ESCT</c:SubFmlyCd></c:Fmly></c:Domn></c:BkTxCd>
                <c:NtryDtls>
                  <c:TxDtls>
                    <c:Refs><c:InstrId>INSTR-1</c:InstrId><c:EndToEndId>E2E-INV-2026-0042</c:EndToEndId></c:Refs>
                    <c:Amt Ccy="EUR">49.00</c:Amt>
                    <c:CdtDbtInd>DBIT</c:CdtDbtInd>
                    <c:RltdPties>
                      <c:Dbtr><c:Pty><c:Nm>Zoé Lefèvre-Øster</c:Nm></c:Pty></c:Dbtr>
                      <c:DbtrAcct><c:Id><c:IBAN>DE89370400440532013000</c:IBAN></c:Id></c:DbtrAcct>
                      <c:Cdtr><c:Pty><c:Nm>Relance Demo SAS</c:Nm></c:Pty></c:Cdtr>
                      <c:CdtrAcct><c:Id><c:IBAN>FR7630006000011234567890189</c:IBAN></c:Id></c:CdtrAcct>
                    </c:RltdPties>
                    <c:RltdAgts><c:CdtrAgt><c:FinInstnId><c:BICFI>AGRIFRPPXXX</c:BICFI><c:Nm>Crédit Agricole</c:Nm></c:FinInstnId></c:CdtrAgt></c:RltdAgts>
                    <c:RmtInf><c:Ustrd><![CDATA[Invoice INV-2026-0042 <October>]]></c:Ustrd></c:RmtInf>
                  </c:TxDtls>
                </c:NtryDtls>
              </c:Ntry>
            </c:Stmt>
          </c:BkToCstmrStmt>
        </c:Document>
        """

    /// camt.054.001.04: a debit notification (no balances), BICFI, a reversal.
    static let camt054v04 = """
        <?xml version="1.0"?>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.04">
        <BkToCstmrDbtCdtNtfctn>
        <GrpHdr><MsgId>NTF-9</MsgId><CreDtTm>2026-11-06T08:00:00</CreDtTm></GrpHdr>
        <Ntfctn>
        <Id>NTF-9-1</Id>
        <Acct><Id><IBAN>BE68539007547034</IBAN></Id><Ownr><Nm>Jan Peeters</Nm></Ownr></Acct>
        <Ntry>
        <Amt Ccy="EUR">120.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>true</RvslInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-11-06</Dt></BookgDt><ValDt><Dt>2026-11-06</Dt></ValDt>
        <NtryDtls><TxDtls>
        <Refs><EndToEndId>E2E-RET-1</EndToEndId><MndtId>MNDT-77</MndtId></Refs>
        <Amt Ccy="EUR">120.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
        <RltdPties><Cdtr><Nm>Fitness Club</Nm></Cdtr><CdtrAcct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></CdtrAcct></RltdPties>
        <RltdAgts><CdtrAgt><FinInstnId><BICFI>ABNANL2AXXX</BICFI></FinInstnId></CdtrAgt></RltdAgts>
        <RmtInf><Ustrd>Return AM04 contribution November</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
        </Ntry>
        </Ntfctn>
        </BkToCstmrDbtCdtNtfctn>
        </Document>
        """

    /// camt.052.001.01 (2008 schema): BkToCstmrAcctRptV01, Bal/Tp/Cd, Ntry/TxDtls without
    /// NtryDtls, Acct/Id/PrtryAcct, agents by CmbndId and NmAndAdr.
    static let camt052v01 = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.01">
          <BkToCstmrAcctRptV01>
            <GrpHdr><MsgId>RPT-2026-11-05</MsgId><CreDtTm>2026-11-05T14:00:00+01:00</CreDtTm></GrpHdr>
            <Rpt>
              <Id>RPT-2026-11-05-1</Id>
              <CreDtTm>2026-11-05T14:00:00+01:00</CreDtTm>
              <Acct>
                <Id><PrtryAcct><Id>0532013000</Id></PrtryAcct></Id>
                <Ccy>EUR</Ccy>
                <Svcr><FinInstnId><BIC>COBADEFFXXX</BIC></FinInstnId></Svcr>
              </Acct>
              <Bal>
                <Tp><Cd>ITBD</Cd></Tp>
                <Amt Ccy="EUR">1049.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
                <Dt><DtTm>2026-11-05T14:00:00+01:00</DtTm></Dt>
              </Bal>
              <Ntry>
                <Amt Ccy="EUR">49.00</Amt>
                <CdtDbtInd>CRDT</CdtDbtInd>
                <Sts>BOOK</Sts>
                <BookgDt><Dt>2026-11-05</Dt></BookgDt>
                <ValDt><Dt>2026-11-05</Dt></ValDt>
                <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
                <TxDtls>
                  <Refs><EndToEndId>E2E-V01-1</EndToEndId></Refs>
                  <RltdPties>
                    <Dbtr><Nm>Zoé Lefèvre</Nm></Dbtr>
                    <DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>
                  </RltdPties>
                  <RltdAgts>
                    <DbtrAgt><FinInstnId><CmbndId><BIC>COBADEFFXXX</BIC><Nm>Commerzbank</Nm></CmbndId></FinInstnId></DbtrAgt>
                    <CdtrAgt><FinInstnId><NmAndAdr><Nm>Crédit Agricole</Nm><PstlAdr><Ctry>FR</Ctry></PstlAdr></NmAndAdr></FinInstnId></CdtrAgt>
                  </RltdAgts>
                  <RmtInf><Ustrd>Facture INV-2026-0042</Ustrd></RmtInf>
                </TxDtls>
              </Ntry>
              <AddtlRptInf>Zwischenbericht 14:00</AddtlRptInf>
            </Rpt>
          </BkToCstmrAcctRptV01>
        </Document>
        """

    /// MT940 in SWIFT blocks, German style: :86: with GVC and ?-sub-fields over several lines,
    /// two statements in one file, an entry date across the year end.
    static let mt940German = """
        {1:F01COBADEFFAXXX0000000000}{2:O9401200261231COBADEFFAXXX00000000002612311200N}{4:
        :20:STARTUMS
        :25:37040044/0532013000
        :28C:00252/001
        :60F:C261230EUR2500,00
        :61:2612311231D49,00NTRFNONREF//COBA-88120
        :86:166?00SEPA-UEBERWEISUNG?100599?20EREF+E2E-INV-2026-0042?21SVWZ+Rechnung INV-2026-0042?22 Abo Dezember?30AGRIFRPPXXX?31FR763000600001123456789
        0189?32Relance Demo SAS
        :61:2612310102C1500,50NTRFKREF-77//COBA-88121
        DAUERAUFTRAG
        :86:152?00DAUERAUFTRAG?20Miete Januar?32Hausverwaltung Müller?33GmbH
        :62F:C270102EUR3951,50
        -}
        {1:F01COBADEFFAXXX0000000000}{2:O9401200270103COBADEFFAXXX00000000002701031200N}{4:
        :20:STARTUMS
        :25:37040044/0532013000
        :28C:00001/001
        :60F:C270102EUR3951,50
        :61:270103D12,5NMSCNONREF
        :86:Kontofuehrung
        :62F:C270103EUR3939,00
        -}
        """

    /// MT940 without blocks, Dutch/Belgian "/CODE/" style :86: over three lines, an IBAN in :25:.
    static let mt940Dutch = """
        :20:940S261104
        :25:NL91ABNA0417164300
        :28C:308/1
        :60F:C261103EUR1000,00
        :61:261104C250,00NTRFINV-2026-0057
        :86:/EREF/E2E-77-0057//CNTP/BE68539007547034/GKCCBEBB/Jan Peeters
        /Brussel//REMI/USTD//Factuur INV-2026-0057 en INV-2026-0058 deelbet
        aling/
        :61:261104D35,20NDDTMNDT-55//ABN-20261104-9
        :86:/EREF/E2E-DD-55//MARF/MNDT-55//BENM//NAME/Energie BV//REMI/USTD//Voorschot november/
        :62F:C261104EUR1214,80
        -
        """

    static let csvFrench = """
        Date opération;Date valeur;Libellé;Référence;Débit;Crédit;Devise
        02/11/2026;02/11/2026;"VIR SEPA Zoé Lefèvre; Facture INV-2026-0042";E2E-ZO-88231;;1 000,00;EUR
        03/11/2026;04/11/2026;PRLV ENERGIE;PRLV-4;265,50;;EUR
        """

    static let csvEnglish = #"""
        Booked,Amount,Payee,Payee account,Details,Status
        2026-11-05,-49.00,Relance Demo SAS,FR7630006000011234567890189,"Invoice INV-2026-0042, ""October""",Booked
        2026-11-06,-12.00,Coffee,,card payment,Pending
        """#
}
