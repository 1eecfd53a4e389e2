/// The pages of installment plans, recovery figures and dead letters.
extension ConsoleTemplates {
    static let plans = """
        <h1>{{t.plans_title}}</h1>
        <p>{{t.plans_intro}}</p>
        {{^loaded}}<p class="notice">{{t.loading}}</p>{{/loaded}}
        {{#notice}}<p class="notice" id="notice">{{notice}}</p>{{/notice}}
        <p class="why" id="renewed-note">{{t.plans_renewedNote}}</p>
        {{#groups}}<section class="plan" data-account="{{account}}">
        <h2>{{customer}} · {{t.account}} {{account}} <small>({{merchant}})</small></h2>
        {{#hasItems}}<table class="plan-items">
        <thead><tr><th>{{t.payment}}</th><th>{{t.invoice}}</th><th>{{t.amount}}</th><th>{{t.paymentMethod}}</th>
        <th>{{t.state}}</th><th>{{t.attempts}}</th><th>{{t.firstFailed}}</th><th>{{t.nextAttempt}}</th>
        <th>{{t.outcome}}</th><th>{{t.actions}}</th></tr></thead><tbody>
        {{/hasItems}}{{#items}}<tr data-payment="{{paymentID}}"><td><a href="{{href}}">{{paymentID}}</a></td><td>{{invoice}}</td>
        <td class="num">{{amount}}</td><td>{{method}}</td>
        <td><span class="state state-{{state}}" data-state="{{state}}">{{stateLabel}}</span>
        {{#awaiting}}<span class="why">{{awaiting}}</span>{{/awaiting}}</td>
        <td class="num attempts">{{attempts}}</td><td>{{firstFailed}}</td>
        <td>{{nextAttempt}}{{#nextAttemptReason}} — {{nextAttemptReason}}{{/nextAttemptReason}}</td><td>{{outcome}}</td>
        <td><form method="post" action="{{base}}/renew-payment-plan"><input type="hidden" name="csrf" value="{{csrf}}">
        <button class="renew" {{^renew.allowed}}disabled{{/renew.allowed}}>{{t.plans_renew}}</button>
        {{#renew.why}}<span class="why renew-why">{{renew.why}}</span>{{/renew.why}}</form>
        <form method="post" action="{{base}}/hand-over-to-collections"><input type="hidden" name="csrf" value="{{csrf}}">
        <button class="hand-over" {{^handOver.allowed}}disabled{{/handOver.allowed}}>{{t.plans_handOver}}</button>
        {{#handOver.why}}<span class="why hand-over-why">{{handOver.why}}</span>{{/handOver.why}}</form></td></tr>
        {{/items}}{{#hasItems}}</tbody></table>{{/hasItems}}
        {{#hasUpdates}}<h3>{{t.plans_priceUpdates}}</h3>
        <table class="price-updates"><thead><tr><th>{{t.plans_plan}}</th><th>{{t.state}}</th><th>{{t.plans_newAmount}}</th>
        <th>{{t.plans_deadline}}</th><th>{{t.plans_effectiveFrom}}</th></tr></thead><tbody>{{/hasUpdates}}
        {{#updates}}<tr data-plan="{{plan}}" data-status="{{status}}"><td>{{plan}}</td><td>{{statusLabel}}</td>
        <td class="num">{{newAmount}}</td><td class="deadline">{{deadline}}</td><td>{{effectiveFrom}}</td></tr>{{/updates}}
        {{#hasUpdates}}</tbody></table>{{/hasUpdates}}
        <p class="why">{{t.timeZone}} {{zone}}</p>
        </section>{{/groups}}
        {{^groups}}<p id="no-plans">{{t.plans_none}}</p>{{/groups}}
        """

    static let recovery = """
        <h1>{{t.recovery_title}}</h1>
        <form class="filters" method="get" action="/recovery" id="recovery-filters">
        <label>{{t.merchant}}<select name="merchant" id="merchant">
        {{#merchants}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/merchants}}
        </select></label>
        <label>{{t.recovery_currency}}<select name="currency" id="currency">
        {{#currencies}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/currencies}}
        </select></label>
        <label>{{t.recovery_period}}<select name="period" id="period">
        <option value="week" {{#weekly}}selected{{/weekly}}>{{t.recovery_weeks}}</option>
        <option value="day" {{^weekly}}selected{{/weekly}}>{{t.recovery_days}}</option></select></label>
        <button id="apply-filters">{{t.filter}}</button>
        </form>
        {{^loaded}}<p class="notice">{{t.loading}}</p>{{/loaded}}
        <p class="why">{{t.recovery_intro}}</p>
        {{^hasFigures}}<p id="no-figures">{{t.recovery_none}}</p>{{/hasFigures}}
        {{#hasFigures}}
        <div class="charts">{{{amountsChart}}}
        {{{attemptChart}}}
        {{{reasonChart}}}</div>
        <h2>{{t.recovery_byPeriod}}</h2>
        <table id="periods"><thead><tr><th>{{t.recovery_periodColumn}}</th><th>{{t.recovery_opened}}</th>
        <th>{{t.recovery_recovered}}</th><th>{{t.recovery_rate}}</th><th>{{t.recovery_lost}}</th><th>{{t.recovery_open}}</th>
        <th>{{t.recovery_medianDays}}</th><th>{{t.recovery_p90Days}}</th><th>{{t.recovery_within}}</th>
        <th>{{t.recovery_churn}}</th></tr></thead><tbody>
        {{#periods}}<tr><td>{{period}}</td><td class="num">{{opened}} · {{openedAmount}}</td>
        <td class="num">{{recovered}} · {{recoveredAmount}}</td><td class="num rate">{{rate}}</td>
        <td class="num">{{lost}} · {{lostAmount}}</td><td class="num">{{open}} · {{openAmount}}</td>
        <td class="num">{{median}}</td><td class="num">{{p90}}</td>
        <td class="num">{{within7}} / {{within14}} / {{within30}}</td>
        <td class="num">{{churnAccounts}} · {{churnAmount}}</td></tr>{{/periods}}
        </tbody></table>
        <p class="why">{{t.recovery_sumNote}}</p>
        <div class="tables">
        <table id="by-decline-code"><thead><tr><th>{{t.recovery_declineCode}}</th><th>{{t.recovery_failed}}</th>
        <th>{{t.recovery_recovered}}</th><th>{{t.recovery_rate}}</th></tr></thead><tbody>
        {{#declineCodes}}<tr><td>{{label}}</td><td class="num">{{failed}}</td><td class="num">{{recovered}}</td>
        <td class="num">{{rate}}</td></tr>{{/declineCodes}}</tbody></table>
        <table id="by-method"><thead><tr><th>{{t.paymentMethod}}</th><th>{{t.recovery_failed}}</th>
        <th>{{t.recovery_recovered}}</th><th>{{t.recovery_rate}}</th></tr></thead><tbody>
        {{#methods}}<tr><td>{{label}}</td><td class="num">{{failed}}</td><td class="num">{{recovered}}</td>
        <td class="num">{{rate}}</td></tr>{{/methods}}</tbody></table>
        <table id="by-type"><thead><tr><th>{{t.transactionType}}</th><th>{{t.recovery_failed}}</th>
        <th>{{t.recovery_recovered}}</th><th>{{t.recovery_rate}}</th></tr></thead><tbody>
        {{#types}}<tr><td>{{label}}</td><td class="num">{{failed}}</td><td class="num">{{recovered}}</td>
        <td class="num">{{rate}}</td></tr>{{/types}}</tbody></table>
        <table id="by-channel"><thead><tr><th>{{t.recovery_channel}}</th><th>{{t.recovery_count}}</th>
        <th>{{t.amount}}</th></tr></thead><tbody>
        {{#channels}}<tr><td>{{label}}</td><td class="num">{{count}}</td><td class="num">{{amount}}</td></tr>{{/channels}}
        </tbody></table>
        <table id="by-attempt"><thead><tr><th>{{t.recovery_attempt}}</th><th>{{t.recovery_count}}</th>
        <th>{{t.amount}}</th></tr></thead><tbody>
        {{#attempts}}<tr><td>{{label}}</td><td class="num">{{count}}</td><td class="num">{{amount}}</td></tr>{{/attempts}}
        </tbody></table>
        <table id="by-loss-reason"><thead><tr><th>{{t.recovery_lossReason}}</th><th>{{t.recovery_count}}</th>
        <th>{{t.amount}}</th></tr></thead><tbody>
        {{#reasons}}<tr><td>{{label}}</td><td class="num">{{count}}</td><td class="num">{{amount}}</td></tr>{{/reasons}}
        </tbody></table>
        <table id="days-to-recover"><thead><tr><th>{{t.recovery_daysToRecover}}</th><th>{{t.recovery_count}}</th>
        </tr></thead><tbody>
        {{#days}}<tr><td class="num">{{days}}</td><td class="num">{{count}}</td></tr>{{/days}}</tbody></table>
        </div>
        {{/hasFigures}}
        """

    static let deadLetters = """
        <h1>{{t.deadLetters_title}}</h1>
        <p class="why">{{t.dl_intro}}</p>
        {{^loaded}}<p class="notice">{{t.loading}}</p>{{/loaded}}
        {{#notice}}<p class="notice" id="notice">{{notice}}</p>{{/notice}}
        <form class="filters" method="get" action="/dead-letters" id="dead-letter-filters">
        <label>{{t.dl_reason}}<select name="reason" id="reason"><option value="">{{t.all}}</option>
        {{#reasons}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/reasons}}
        </select></label>
        <label>{{t.dl_worker}}<select name="worker" id="worker"><option value="">{{t.all}}</option>
        {{#workers}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/workers}}
        </select></label>
        <label>{{t.dl_sourceTopic}}<select name="topic" id="topic"><option value="">{{t.all}}</option>
        {{#topics}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/topics}}
        </select></label>
        <button id="apply-filters">{{t.filter}}</button>
        </form>
        <p id="count">{{countText}}</p>
        <table id="dead-letters"><thead><tr><th>{{t.when}}</th><th>{{t.dl_reason}}</th><th>{{t.dl_worker}}</th>
        <th>{{t.dl_source}}</th><th>{{t.merchant}}</th><th>{{t.dl_original}}</th><th>{{t.dl_replay}}</th></tr></thead><tbody>
        {{#rows}}<tr data-position="{{position}}"><td>{{when}} <small>({{zone}})</small></td>
        <td><strong class="code">{{code}}</strong><br>{{message}}</td><td>{{worker}}</td><td>{{source}}</td>
        <td>{{merchant}}</td>
        <td><pre class="original" style="white-space:pre-wrap;word-break:break-all;max-width:32em;margin:0">{{value}}</pre>
        {{#key}}<small>{{t.dl_key}}: {{key}}</small>{{/key}}{{#redacted}}<br><small>{{t.dl_redacted}}</small>{{/redacted}}</td>
        <td><form method="post" action="{{action}}"><input type="hidden" name="csrf" value="{{csrf}}">
        <button class="replay" {{^allowed}}disabled{{/allowed}}>{{t.dl_replay}}</button>
        {{#why}}<span class="why">{{why}}</span>{{/why}}</form>
        {{#pending}}<span class="state state-pending pending">{{pending}}</span>{{/pending}}
        {{#outcome}}<p class="outcome" data-result="{{outcomeResult}}">{{outcome}}</p>{{/outcome}}</td></tr>{{/rows}}
        {{^rows}}<tr><td colspan="7">{{t.dl_none}}</td></tr>{{/rows}}
        </tbody></table>
        """
}
