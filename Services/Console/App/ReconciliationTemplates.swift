/// The reconciliation and proof pages' templates (registered by `ConsoleTemplates.library`).
extension ConsoleTemplates {
    static let reconTemplates: [(String, String)] = [
        ("reconciliation", reconciliation), ("reconAccount", reconAccount), ("proofs", proofs), ("proof", proof),
        ("proofForm", proofForm),
    ]

    static let reconciliation = """
        <h1>{{t.reconTitle}}</h1>
        <p style="color:#495057">{{t.reconIntro}}</p>
        {{^loaded}}<p class="notice">{{t.loading}}</p>{{/loaded}}
        <p id="recon-count">{{countText}} · {{t.reconDebit}} <span id="total-debit">{{totalDebit}}</span>
        · {{t.reconCredit}} <span id="total-credit">{{totalCredit}}</span></p>
        <table id="accounts">
        <thead><tr>{{#showMerchant}}<th>{{t.merchant}}</th>{{/showMerchant}}<th>{{t.account}}</th>
        <th>{{t.reconItems}}</th><th>{{t.reconDebit}}</th><th>{{t.reconCredit}}</th><th>{{t.reconOpenItems}}</th>
        </tr></thead>
        <tbody>
        {{#rows}}<tr data-account="{{account}}">{{#showMerchant}}<td>{{merchant}}</td>{{/showMerchant}}
        <td><a href="{{href}}">{{account}}</a>{{#customer}}<br>{{customer}}{{/customer}}{{#zeroBalance}} <span class="state state-resolved">{{t.reconZeroBalance}}</span>{{/zeroBalance}}
        {{#pending}} <span class="state state-pending">{{t.reconPendingShort}}</span>{{/pending}}</td>
        <td class="num">{{items}}</td><td class="num">{{debit}}</td><td class="num">{{credit}}</td>
        <td>{{#openItems}}<div>{{side}} · {{kind}} {{id}} · {{open}}{{#reference}} ({{reference}}){{/reference}} · {{date}}</div>{{/openItems}}</td>
        </tr>{{/rows}}
        {{^rows}}<tr><td colspan="6">{{t.reconNoAccounts}}</td></tr>{{/rows}}
        </tbody></table>
        """

    static let reconAccount = """
        <p><a href="/reconciliation">← {{t.reconTitle}}</a></p>
        <h1>{{t.reconAccount}} {{account}}</h1>
        {{#notice}}<p class="notice" id="notice">{{notice}}</p>{{/notice}}
        {{#pending}}<p class="notice" id="recon-pending" data-state="pending">{{pending}}</p>{{/pending}}
        {{#pendingLate}}<p class="error" id="recon-late">{{pendingLate}}</p>{{/pendingLate}}
        {{#refusal}}<p class="error" id="recon-refusal">{{refusal}}</p>{{/refusal}}
        <dl>
        <dt>{{t.merchant}}</dt><dd>{{merchant}}</dd>
        <dt>{{t.state}}</dt><dd id="recon-listed" data-listed="{{listed}}">{{#listed}}{{t.reconListed}}{{/listed}}{{^listed}}{{t.reconNotListed}}{{/listed}}</dd>
        {{#items}}<dt>{{t.reconItems}}</dt><dd id="recon-items">{{items}}</dd>{{/items}}
        {{#debit}}<dt>{{t.reconDebit}}</dt><dd id="recon-debit">{{debit}}</dd>{{/debit}}
        {{#credit}}<dt>{{t.reconCredit}}</dt><dd id="recon-credit">{{credit}}</dd>{{/credit}}
        {{#zeroBalance}}<dt></dt><dd>{{t.reconZeroBalanceText}}</dd>{{/zeroBalance}}
        </dl>
        <div class="actions">
        <form method="post" action="{{base}}/reconcile"><input type="hidden" name="csrf" value="{{csrf}}">
        <button id="reconcile" {{^reconcile.allowed}}disabled{{/reconcile.allowed}}>{{t.reconReconcile}}</button>
        {{#reconcile.why}}<span class="why" id="reconcile-why">{{reconcile.why}}</span>{{/reconcile.why}}
        <span class="why">{{t.reconReconcileHelp}}</span></form>
        </div>
        <h2>{{t.reconOpenItems}}</h2>
        <table id="open-items"><thead><tr><th>{{t.reconSide}}</th><th>{{t.reconKindCol}}</th><th>{{t.reconId}}</th>
        <th>{{t.reconReference}}</th><th>{{t.reconDate}}</th><th>{{t.amount}}</th><th>{{t.reconOpen}}</th></tr></thead><tbody>
        {{#openItems}}<tr><td>{{side}}</td><td>{{kind}}</td><td>{{id}}</td><td>{{reference}}</td><td>{{date}}</td>
        <td class="num">{{amount}}</td><td class="num">{{open}}</td></tr>{{/openItems}}
        {{^openItems}}<tr><td colspan="7">{{t.reconNoOpenItems}}</td></tr>{{/openItems}}
        </tbody></table>
        <h2>{{t.reconAllocations}}</h2>
        <table id="allocations"><thead><tr><th>{{t.when}}</th><th>{{t.reconCreditCol}}</th><th>{{t.reconDebitCol}}</th>
        <th>{{t.amount}}</th><th>{{t.reconTrigger}}</th><th>{{t.reconDebitOpen}}</th></tr></thead><tbody>
        {{#allocations}}<tr class="allocation"><td>{{at}}</td><td>{{creditKind}} {{credit}}</td><td>{{debitKind}} {{debit}}</td>
        <td class="num">{{amount}}</td><td>{{trigger}}</td><td class="num">{{debitOpen}}</td></tr>{{/allocations}}
        {{^allocations}}<tr><td colspan="6">{{t.reconNoAllocations}}</td></tr>{{/allocations}}
        </tbody></table>
        <h2>{{t.reconInvoices}}</h2>
        <table id="invoices"><thead><tr><th>{{t.invoice}}</th><th>{{t.state}}</th><th>{{t.amount}}</th>
        <th>{{t.reconStillOwed}}</th></tr></thead><tbody>
        {{#invoices}}<tr data-invoice="{{id}}" data-status="{{status}}"><td>{{id}}</td><td>{{statusLabel}}</td>
        <td class="num">{{amount}}</td><td class="num">{{open}}</td></tr>{{/invoices}}
        {{^invoices}}<tr><td colspan="4">{{t.reconNoInvoices}}</td></tr>{{/invoices}}
        </tbody></table>
        <h2>{{t.proofTitle}}</h2>
        <table id="account-proofs"><thead><tr><th>{{t.proofId}}</th><th>{{t.proofKind}}</th><th>{{t.proofFormat}}</th>
        <th>{{t.proofSubmitted}}</th><th>{{t.proofVerdict}}</th></tr></thead><tbody>
        {{#proofs}}<tr><td><a href="{{href}}">{{id}}</a></td><td>{{kind}}</td><td>{{format}}</td><td>{{submitted}}</td>
        <td><span class="verdict-{{verdict}}">{{verdictLabel}}</span></td></tr>{{/proofs}}
        {{^proofs}}<tr><td colspan="5">{{t.proofNoProofs}}</td></tr>{{/proofs}}
        </tbody></table>
        {{#proofForm}}{{> proofForm}}{{/proofForm}}
        """

    static let proofForm = """
        <h2>{{t.proofForm}}</h2>
        <form method="post" action="/proofs" enctype="multipart/form-data" id="proof-form" class="actions">
        <input type="hidden" name="csrf" value="{{csrf}}">
        {{#chooseMerchant}}<label>{{t.merchant}}<br><select name="merchant" id="proof-merchant">
        {{#merchants}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/merchants}}
        </select></label>{{/chooseMerchant}}
        {{^chooseMerchant}}<input type="hidden" name="merchant" value="{{fixedMerchant}}">{{/chooseMerchant}}
        {{#fixedAccount}}<input type="hidden" name="account" value="{{account}}">{{/fixedAccount}}
        {{^fixedAccount}}<label>{{t.account}}<br><input name="account" id="proof-account" required maxlength="200"></label>{{/fixedAccount}}
        <label>{{t.proofKind}}<br><select name="kind" id="proof-kind">
        {{#kinds}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/kinds}}</select></label>
        <label>{{t.proofInvoiceIds}}<br><input name="invoiceIds" id="proof-invoices" placeholder="inv-1, inv-2"></label>
        <fieldset><legend>{{t.proofFile}}</legend>
        <input type="file" name="document" id="proof-file" accept=".xml,.sta,.mt940,.txt,.csv">
        <label>{{t.proofFormat}} <select name="format" id="proof-format"><option value="">{{t.proofDetect}}</option>
        {{#formats}}<option value="{{value}}">{{label}}</option>{{/formats}}</select></label>
        <label>{{t.proofCsvMapping}} <select name="csvMapping" id="proof-mapping">
        {{#mappings}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/mappings}}</select></label>
        <span class="why">{{maxText}}</span></fieldset>
        <details><summary>{{t.proofTyped}}</summary>
        <p class="why">{{t.proofTypedHelp}}</p>
        <label>{{t.proofPayerName}} <input name="payerName"></label>
        <label>{{t.proofPayeeName}} <input name="payeeName"></label>
        <label>{{t.proofTransactionDate}} <input name="transactionDate" type="date"></label>
        <label>{{t.amount}} <input name="amount" inputmode="decimal" placeholder="49.00"></label>
        <label>{{t.proofCurrency}} <input name="currency" maxlength="3" placeholder="EUR"></label>
        <label>{{t.proofTransactionId}} <input name="transactionId"></label>
        <label>{{t.proofDescription}} <input name="description"></label>
        <label>{{t.proofPayerAccount}} <input name="payerAccount"></label>
        <label>{{t.proofPayeeAccount}} <input name="payeeAccount"></label>
        <label>{{t.proofBankConfirmation}} <select name="bankConfirmation"><option value=""></option>
        {{#confirmations}}<option value="{{value}}">{{label}}</option>{{/confirmations}}</select></label>
        </details>
        <p><button id="submit-proof" {{^allowed}}disabled{{/allowed}}>{{t.proofSubmit}}</button>
        {{#why}}<span class="why">{{why}}</span>{{/why}}</p>
        </form>
        """

    static let proofs = """
        <style>.verdict-accepted{background:#d3f9d8}.verdict-rejected{background:#ffe3e3}
        .verdict-needs_review{background:#ffe8cc}.verdict-pending{background:#d0ebff}</style>
        <h1>{{t.proofTitle}}</h1>
        <p style="color:#495057">{{t.proofIntro}}</p>
        {{^loaded}}<p class="notice">{{t.loading}}</p>{{/loaded}}
        <h2>{{t.proofRecent}}</h2>
        <table id="proofs"><thead><tr><th>{{t.proofId}}</th>{{#showMerchant}}<th>{{t.merchant}}</th>{{/showMerchant}}
        <th>{{t.account}}</th><th>{{t.proofKind}}</th><th>{{t.proofFormat}}</th><th>{{t.proofSubmitted}}</th>
        <th>{{t.proofVerdict}}</th></tr></thead><tbody>
        {{#rows}}<tr data-proof="{{id}}"><td><a href="{{href}}">{{id}}</a></td>{{#showMerchant}}<td>{{merchant}}</td>{{/showMerchant}}
        <td><a href="{{accountHref}}">{{account}}</a></td><td>{{kind}}</td><td>{{format}}</td><td>{{submitted}}</td>
        <td><span class="verdict-{{verdict}}">{{verdictLabel}}</span></td></tr>{{/rows}}
        {{^rows}}<tr><td colspan="7">{{t.proofNoProofs}}</td></tr>{{/rows}}
        </tbody></table>
        {{#proofForm}}{{> proofForm}}{{/proofForm}}
        """

    static let proof = """
        <style>.verdict-accepted{background:#d3f9d8}.verdict-rejected{background:#ffe3e3}
        .verdict-needs_review{background:#ffe8cc}.verdict-pending{background:#d0ebff}</style>
        <p><a href="/proofs">← {{t.proofTitle}}</a></p>
        <h1>{{t.proofOne}} {{id}}</h1>
        {{#notice}}<p class="notice" id="notice">{{notice}}</p>{{/notice}}
        <p>{{t.proofVerdict}}: <span class="state verdict-{{verdict}}" id="verdict" data-verdict="{{verdict}}">{{verdictLabel}}</span></p>
        {{#pendingText}}<p class="notice" id="proof-pending">{{pendingText}}</p>{{/pendingText}}
        {{#verdictText}}<p id="verdict-text">{{verdictText}}</p>{{/verdictText}}
        {{#hasReasons}}<h2>{{t.proofReasons}}</h2>
        <ul id="reasons">{{#reasons}}<li data-code="{{code}}"><strong>{{text}}</strong>
        <span class="why">{{t.proofWorkerSaid}} {{message}}</span></li>{{/reasons}}</ul>{{/hasReasons}}
        {{#hasCases}}<h2>{{t.proofCases}}</h2>
        <ul id="cases">{{#cases}}<li data-case="{{case}}">{{text}}</li>{{/cases}}</ul>{{/hasCases}}
        {{#hasMatches}}<h2>{{t.proofMatches}}</h2>
        <table id="matches"><thead><tr><th>{{t.invoice}}</th><th>{{t.amount}}</th></tr></thead><tbody>
        {{#matches}}<tr><td>{{invoice}}</td><td class="num">{{amount}}</td></tr>{{/matches}}</tbody></table>{{/hasMatches}}
        <dl>
        <dt>{{t.merchant}}</dt><dd>{{merchant}}</dd>
        <dt>{{t.account}}</dt><dd><a href="{{accountHref}}">{{account}}</a></dd>
        <dt>{{t.proofKind}}</dt><dd>{{kind}}</dd>
        {{#format}}<dt>{{t.proofFormat}}</dt><dd>{{format}}</dd>{{/format}}
        {{#invoices}}<dt>{{t.proofInvoiceIds}}</dt><dd>{{invoices}}</dd>{{/invoices}}
        <dt>{{t.proofSubmitted}}</dt><dd>{{submitted}}</dd>
        {{#decided}}<dt>{{t.proofDecided}}</dt><dd>{{decided}}</dd>{{/decided}}
        {{#details}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/details}}
        </dl>
        """
}
