extension ConsoleTemplates {
    /// The account statuses' colours (inline styles are allowed: CSP style-src 'unsafe-inline').
    static let statusStyle = """
        <style>.acct-active,.acct-reactivated{background:#d3f9d8}.acct-past_due{background:#ffe8cc}
        .acct-suspended{background:#ffd8a8}.acct-terminated,.acct-cancelled,.acct-in_collections,.acct-written_off{background:#ffc9c9}</style>
        """

    static let accounts =
        statusStyle + """
            <h1>{{t.accounts}}</h1>
            <form class="filters" method="get" action="/accounts" id="account-filters">
            {{#showMerchants}}<label>{{t.merchant}}<select name="merchant"><option value="">{{t.all}}</option>
            {{#merchants}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/merchants}}
            </select></label>{{/showMerchants}}
            <label>{{t.accountStatus}}<select name="status" id="status"><option value="">{{t.all}}</option>
            {{#statuses}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/statuses}}
            </select></label>
            <button id="apply-filters">{{t.filter}}</button>
            </form>
            {{^loaded}}<p class="notice">{{t.accountsLoading}}</p>{{/loaded}}
            <p id="count">{{countText}}</p>
            <table id="accounts">
            <thead><tr><th>{{t.customer}}</th><th>{{t.account}}</th><th>{{t.accountStatus}}</th>
            <th>{{t.openInvoices}}</th><th>{{t.totalOpen}}</th><th>{{t.stepReached}}</th><th>{{t.nextStep}}</th></tr></thead>
            <tbody>
            {{#rows}}<tr data-account="{{account}}"><td>{{customer}}</td><td><a href="{{href}}">{{account}}</a></td>
            <td><span class="state acct-{{status}}" data-status="{{status}}">{{statusLabel}}</span></td>
            <td class="num">{{openCount}}</td><td class="num">{{openTotal}}</td><td>{{reached}}</td><td>{{nextStep}}</td></tr>{{/rows}}
            {{^rows}}<tr><td colspan="7">{{t.noAccounts}}</td></tr>{{/rows}}
            </tbody>
            </table>
            <nav class="pager">{{#previous}}<a href="{{previous}}" id="previous">← {{t.previous}}</a>{{/previous}}
            <span>{{pageText}}</span>{{#next}}<a href="{{next}}" id="next">{{t.next}} →</a>{{/next}}</nav>
            """

    static let account =
        statusStyle + """
            <p><a href="/accounts">← {{t.accounts}}</a></p>
            <h1>{{customer}} · {{account}}</h1>
            {{#notice}}<p class="notice" id="notice">{{notice}}</p>{{/notice}}
            {{#errorText}}<p class="error" id="error">{{errorText}}</p>{{/errorText}}
            <p>{{t.accountStatus}}: <span class="state acct-{{status}}" id="account-status" data-status="{{status}}">{{statusLabel}}</span>
            {{#statusReason}} — {{statusReason}}{{/statusReason}}</p>
            {{#dunning}}<p class="notice" id="dunning">{{dunning}}</p>{{/dunning}}
            <dl><dt>{{t.merchant}}</dt><dd>{{merchant}}</dd><dt>{{t.account}}</dt><dd>{{account}}</dd>
            <dt>{{t.totalOpen}}</dt><dd id="total-open">{{openTotal}}</dd><dt>{{t.dunningPolicy}}</dt><dd id="policy">{{policyText}}</dd>
            <dt>{{t.timeZone}}</dt><dd>{{zone}}</dd></dl>
            <h2>{{t.openInvoices}}</h2>
            <table id="invoices"><thead><tr><th>{{t.invoiceNumber}}</th><th>{{t.amount}}</th><th>{{t.fees}}</th>
            <th>{{t.dueOn}}</th><th>{{t.invoiceState}}</th><th>{{t.openAmount}}</th><th>{{t.stepReached}}</th>
            <th>{{t.nextStep}}</th></tr></thead><tbody>
            {{#invoices}}<tr data-invoice="{{id}}"><td>{{number}}</td><td class="num">{{amount}}</td><td class="num">{{fees}}</td>
            <td>{{dueOn}}</td><td>{{status}}</td><td class="num">{{open}}</td><td class="reached">{{reached}}</td>
            <td class="next-step">{{next}}</td></tr>{{/invoices}}
            {{^invoices}}<tr><td colspan="8">{{t.noOpenInvoices}}</td></tr>{{/invoices}}
            </tbody></table>
            <h2>{{t.invoiceRecipients}}</h2>
            <ul id="recipients">{{#recipients}}<li>{{.}}</li>{{/recipients}}</ul>
            {{^hasRecipients}}<p id="no-recipients">{{t.noRecipients}}</p>{{/hasRecipients}}
            {{#pending}}<p class="notice" id="recipients-pending">{{pending}}</p>{{/pending}}
            {{#refused}}<p class="error" id="recipients-refused">{{refused}}</p>{{/refused}}
            <div class="actions">
            <form method="post" action="{{base}}/recipients"><input type="hidden" name="csrf" value="{{csrf}}">
            <label>{{t.recipientsHelp}}<br><textarea name="recipients" id="recipients-field" rows="4" cols="40"
            {{^mayChange}}disabled{{/mayChange}}>{{formText}}</textarea></label><br>
            <button id="change-recipients" {{^mayChange}}disabled{{/mayChange}}>{{t.changeRecipients}}</button>
            {{#why}}<span class="why" id="recipients-why">{{why}}</span>{{/why}}</form>
            </div>
            <h2>{{t.statusHistory}}</h2>
            <table id="status-history"><thead><tr><th>{{t.when}}</th><th>{{t.accountStatus}}</th><th>{{t.detail}}</th></tr></thead>
            <tbody>{{#statusHistory}}<tr><td>{{at}}</td><td>{{status}}</td><td>{{reason}}</td></tr>{{/statusHistory}}</tbody></table>
            <h2>{{t.emails}}</h2>
            """ + emailsTable + """
            <p class="why">{{t.accountNote}}</p>
            """

    static let emailsTable = """
        <table id="emails"><thead><tr><th>{{t.when}}</th><th>{{t.emailKind}}</th><th>{{t.emailTo}}</th>
        <th>{{t.emailSubject}}</th><th>{{t.outcome}}</th></tr></thead><tbody>
        {{#emails}}<tr><td>{{at}}</td><td>{{kind}}</td><td>{{to}}</td><td>{{subject}}</td>
        <td>{{#failed}}<span class="state state-open">{{outcome}}</span>{{/failed}}{{^failed}}{{outcome}}{{/failed}}</td></tr>{{/emails}}
        {{^emails}}<tr><td colspan="5">{{t.noEmails}}</td></tr>{{/emails}}
        </tbody></table>
        """

    static let expiringCards = """
        <h1>{{t.expiringCards}}</h1>
        <p><a href="/expiring-cards.csv?{{query}}" id="csv">{{t.exportCSV}}</a></p>
        {{^loaded}}<p class="notice">{{t.accountsLoading}}</p>{{/loaded}}
        <p id="count">{{countText}}</p>
        <table id="cards"><thead><tr><th>{{t.customer}}</th><th>{{t.account}}</th><th>{{t.card}}</th>
        <th>{{t.expires}}</th><th>{{t.schedules}}</th></tr></thead><tbody>
        {{#rows}}<tr data-account="{{account}}"><td>{{customer}}</td>
        <td>{{#href}}<a href="{{href}}">{{account}}</a>{{/href}}{{^href}}{{account}}{{/href}}</td>
        <td>{{brand}} •••• {{last4}}</td><td class="expiry">{{expiry}}</td><td>{{schedules}}</td></tr>{{/rows}}
        {{^rows}}<tr><td colspan="5">{{t.noCards}}</td></tr>{{/rows}}
        </tbody></table>
        <p class="why">{{t.expiringCardsNote}}</p>
        """

    static let acctTemplates: [(String, String)] = [
        ("accounts", accounts), ("account", account), ("expiringCards", expiringCards),
    ]
}
