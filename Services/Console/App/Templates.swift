import Mustache

/// The pages, as Mustache templates compiled into the binary (the image needs no resource
/// bundle). `{{t.…}}` is the page's text in its language (`ConsoleText`); `{{ }}` escapes HTML,
/// `{{{ }}}` is only used for HTML the console rendered itself.
enum ConsoleTemplates {
    static let layout = """
        <!doctype html>
        <html lang="{{lang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        {{#refresh}}<meta http-equiv="refresh" content="{{refresh}}">{{/refresh}}
        <title>{{title}} · Relance</title>
        <style>
        body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
        header{display:flex;gap:1em;align-items:center;padding:.6em 1.2em;background:#1d3557;color:#fff}
        header a{color:#fff}header nav a{margin-right:.8em}header .who{margin-left:auto}header form{display:inline;margin:0}
        main{padding:1em 1.2em}table{border-collapse:collapse;width:100%;background:#fff}
        th,td{border-bottom:1px solid #dde1e6;padding:.35em .5em;text-align:left;vertical-align:top}
        th{background:#eef1f5}td.num{text-align:right;white-space:nowrap}
        .state{padding:.1em .45em;border-radius:.3em;font-size:.9em;white-space:nowrap}
        .state-open{background:#ffe8cc}.state-pending{background:#d0ebff}.state-resolved{background:#d3f9d8}
        .state-dismissed{background:#e9ecef}
        .filters{display:flex;flex-wrap:wrap;gap:.6em;align-items:end;margin-bottom:1em}
        .filters label{display:flex;flex-direction:column;font-size:.85em}
        .actions{display:flex;flex-wrap:wrap;gap:1em;margin:1em 0}
        .actions form{background:#fff;padding:.6em;border:1px solid #dde1e6;border-radius:.3em}
        .why{display:block;color:#6c757d;font-size:.85em;max-width:22em}
        .notice{padding:.6em;border-radius:.3em;background:#d0ebff;margin:.6em 0}
        .error{padding:.6em;border-radius:.3em;background:#ffe3e3;margin:.6em 0}
        dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;background:#fff;padding:.8em}
        dt{color:#495057}dd{margin:0}.pager{margin:.8em 0;display:flex;gap:1em}
        button{cursor:pointer}button[disabled]{cursor:not-allowed}
        </style>
        </head>
        <body>
        <header>
        <strong>Relance</strong>
        {{#signedIn}}<nav>{{#nav}}<a href="{{href}}">{{label}}</a> {{/nav}}</nav>{{/signedIn}}
        <span class="who">{{#signedIn}}{{userName}} · {{/signedIn}}
        <form method="post" action="/language"><input type="hidden" name="csrf" value="{{csrf}}">
        <button name="language" value="fr" {{#isFr}}disabled{{/isFr}}>FR</button>
        <button name="language" value="en" {{#isEn}}disabled{{/isEn}}>EN</button></form>
        {{#signedIn}}<form method="post" action="/logout"><input type="hidden" name="csrf" value="{{csrf}}">
        <button id="sign-out">{{t.signOut}}</button></form>{{/signedIn}}</span>
        </header>
        <main>
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let login = """
        <h1>{{t.signIn}}</h1>
        {{#failed}}<p class="error" id="sign-in-failed">{{t.signInFailed}}</p>{{/failed}}
        {{#throttled}}<p class="error" id="sign-in-throttled">{{throttled}}</p>{{/throttled}}
        {{#expired}}<p class="notice">{{t.sessionExpired}}</p>{{/expired}}
        <form method="post" action="/login">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <p><label>{{t.user}}<br><input name="user" id="user" autocomplete="username" required></label></p>
        <p><label>{{t.password}}<br><input name="password" id="password" type="password"
        autocomplete="current-password" required></label></p>
        <p><button id="sign-in">{{t.signIn}}</button></p>
        </form>
        """

    static let items = """
        <h1>{{t.failedTransactions}}</h1>
        <form class="filters" method="get" action="/items" id="filters">
        {{#showMerchants}}<label>{{t.merchant}}<select name="merchant"><option value="">{{t.all}}</option>
        {{#merchants}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/merchants}}
        </select></label>{{/showMerchants}}
        <label>{{t.paymentMethod}}<select name="method" id="method"><option value="">{{t.all}}</option>
        {{#methods}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/methods}}
        </select></label>
        <label>{{t.transactionType}}<select name="type" id="type"><option value="">{{t.all}}</option>
        {{#types}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/types}}
        </select></label>
        <label>{{t.failureReason}}<select name="reason" id="reason"><option value="">{{t.all}}</option>
        {{#reasons}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/reasons}}
        </select></label>
        <label>{{t.state}}<select name="state" id="state"><option value="">{{t.activeStates}}</option>
        {{#states}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/states}}
        </select></label>
        <label>{{t.sortBy}}<select name="sort" id="sort">
        {{#sorts}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/sorts}}
        </select></label>
        <label>{{t.order}}<select name="dir" id="dir">
        <option value="desc" {{#desc}}selected{{/desc}}>{{t.descending}}</option>
        <option value="asc" {{^desc}}selected{{/desc}}>{{t.ascending}}</option></select></label>
        <button id="apply-filters">{{t.filter}}</button>
        <a href="/items.csv?{{query}}" id="csv">{{t.exportCSV}}</a>
        </form>
        {{^loaded}}<p class="notice">{{t.loading}}</p>{{/loaded}}
        <p id="count">{{countText}}</p>
        <table id="items">
        <thead><tr><th>{{t.customer}}</th><th>{{t.payment}}</th><th>{{t.transactionType}}</th>
        <th>{{t.paymentMethod}}</th><th>{{t.failureReason}}</th><th>{{t.amount}}</th><th>{{t.state}}</th>
        <th>{{t.attempts}}</th><th>{{t.firstFailed}}</th><th>{{t.nextAttempt}}</th></tr></thead>
        <tbody>
        {{#rows}}<tr data-payment="{{paymentID}}"><td>{{customer}}</td><td><a href="{{href}}">{{paymentID}}</a></td>
        <td>{{type}}</td><td>{{method}}</td><td>{{reason}}</td><td class="num">{{amount}}</td>
        <td><span class="state state-{{stateClass}}">{{stateLabel}}</span></td><td class="num">{{attempts}}</td>
        <td>{{firstFailed}}</td><td>{{nextAttempt}}</td></tr>{{/rows}}
        {{^rows}}<tr><td colspan="10">{{t.noItems}}</td></tr>{{/rows}}
        </tbody>
        </table>
        <nav class="pager">{{#previous}}<a href="{{previous}}" id="previous">← {{t.previous}}</a>{{/previous}}
        <span>{{pageText}}</span>{{#next}}<a href="{{next}}" id="next">{{t.next}} →</a>{{/next}}</nav>
        """

    static let item = """
        <p><a href="/items">← {{t.failedTransactions}}</a></p>
        <h1>{{customer}} · {{paymentID}}</h1>
        {{#notice}}<p class="notice" id="notice">{{notice}}</p>{{/notice}}
        {{#errorText}}<p class="error" id="error">{{errorText}}</p>{{/errorText}}
        <p>{{t.state}}: <span class="state state-{{stateClass}}" id="item-state" data-state="{{state}}">{{stateLabel}}</span>
        {{#awaiting}}<span id="awaiting">{{awaiting}}</span>{{/awaiting}}</p>
        <dl>
        <dt>{{t.merchant}}</dt><dd>{{merchant}}</dd><dt>{{t.account}}</dt><dd>{{account}}</dd>
        <dt>{{t.invoice}}</dt><dd>{{invoice}}</dd><dt>{{t.amount}}</dt><dd>{{amount}}</dd>
        <dt>{{t.transactionType}}</dt><dd>{{type}}</dd><dt>{{t.paymentMethod}}</dt><dd>{{method}}</dd>
        <dt>{{t.failureReason}}</dt><dd>{{reason}} ({{declineCode}}, {{category}})</dd>
        <dt>{{t.attempts}}</dt><dd id="attempts">{{attempts}}</dd>
        <dt>{{t.firstFailed}}</dt><dd>{{firstFailed}}</dd>
        <dt>{{t.nextAttempt}}</dt><dd>{{nextAttempt}}{{#nextAttemptReason}} — {{nextAttemptReason}}{{/nextAttemptReason}}</dd>
        {{#retryBlockedBy}}<dt>{{t.retryBlockedBy}}</dt><dd>{{retryBlockedBy}}</dd>{{/retryBlockedBy}}
        {{#dunning}}<dt>{{t.dunning}}</dt><dd>{{dunning}}</dd>{{/dunning}}
        {{#outcome}}<dt>{{t.outcome}}</dt><dd>{{outcome}}</dd>{{/outcome}}
        <dt>{{t.timeZone}}</dt><dd>{{zone}}</dd>
        </dl>
        <h2>{{t.actions}}</h2>
        <div class="actions">
        <form method="post" action="{{base}}/retry-now"><input type="hidden" name="csrf" value="{{csrf}}">
        <button id="retry-now" {{^retry.allowed}}disabled{{/retry.allowed}}>{{t.retryNow}}</button>
        {{#retry.why}}<span class="why">{{retry.why}}</span>{{/retry.why}}</form>
        <form method="post" action="{{base}}/dismiss"><input type="hidden" name="csrf" value="{{csrf}}">
        <label>{{t.note}}<br><input name="note" id="note" maxlength="500" {{^dismiss.allowed}}disabled{{/dismiss.allowed}}></label>
        <button id="dismiss" {{^dismiss.allowed}}disabled{{/dismiss.allowed}}>{{t.ignore}}</button>
        {{#dismiss.why}}<span class="why">{{dismiss.why}}</span>{{/dismiss.why}}</form>
        <form method="post" action="{{base}}/change-payment-method"><input type="hidden" name="csrf" value="{{csrf}}">
        <select name="method" id="new-method" {{^change.allowed}}disabled{{/change.allowed}}>
        {{#methodChoices}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/methodChoices}}
        </select>
        <button id="change-payment-method" {{^change.allowed}}disabled{{/change.allowed}}>{{t.changePaymentMethod}}</button>
        {{#change.why}}<span class="why">{{change.why}}</span>{{/change.why}}</form>
        </div>
        <h2>{{t.history}}</h2>
        <table id="history"><thead><tr><th>{{t.when}}</th><th>{{t.event}}</th><th>{{t.state}}</th>
        <th>{{t.attempts}}</th><th>{{t.nextAttempt}}</th><th>{{t.detail}}</th></tr></thead><tbody>
        {{#history}}<tr><td>{{at}}</td><td>{{kind}}</td><td>{{state}}</td><td class="num">{{attempts}}</td>
        <td>{{nextAttempt}}</td><td>{{detail}}</td></tr>{{/history}}
        </tbody></table>
        <p class="why">{{t.historyNote}}</p>
        <h2>{{t.emails}}</h2>
        """ + emailsTable

    static let message = """
        <h1>{{heading}}</h1>
        <p class="error" id="message">{{text}}</p>
        <p><a href="/items">{{t.backToList}}</a></p>
        """

    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in [
            ("layout", layout), ("login", login), ("items", items), ("item", item), ("message", message),
            ("plans", plans), ("recovery", recovery), ("deadLetters", deadLetters),
        ] + acctTemplates + reconTemplates {
            // The templates are constants of this file: a test renders each.
            if let template = try? MustacheTemplate(string: text) { library.register(template, named: name) }
        }
        return library
    }()
}
