"""relance-console's accounts, invoice recipients, expiring cards and emails in headless Chromium.

Called at the end of scripts/console-browser-test.py; scripts/console-browser-test.sh started
reminder-mailer (mail to a folder) and published the accounts, invoices and expiring cards
read here. acct-1's first invoice is overdue since 20 September: reminder-mailer decided its
first two notices, which wait for the account's invoice recipients.
"""
import csv
import io
import re
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def run(new_driver, url, password, check, shot, fetch, sign_in):
    driver = new_driver()
    try:
        wait = WebDriverWait(driver, 40, poll_frequency=0.5)

        def texts(selector):
            return [e.text for e in driver.find_elements(By.CSS_SELECTOR, selector)]

        sign_in(driver, "olivia", password)
        wait.until(lambda d: d.current_url.endswith("/items"))
        check(driver.find_elements(By.LINK_TEXT, "Accounts") and driver.find_elements(By.LINK_TEXT, "Expiring cards"),
              "the header links to Accounts and Expiring cards")

        # The list: m-1's accounts only, acct-1 past due (reminder-mailer's status).
        driver.get(url + "/accounts")
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, 'tr[data-account="acct-1"] [data-status="past_due"]')
                   or d.refresh())
        rows = [r.get_attribute("data-account") for r in driver.find_elements(By.CSS_SELECTOR, "#accounts tr[data-account]")]
        # m-1's: acct-1 and acct-2 here, acct-rec and acct-proof of the reconciliation checks; never
        # acct-9 (m-2's).
        check({"acct-1", "acct-2"} <= set(rows) and "acct-9" not in rows
              and set(rows) <= {"acct-1", "acct-2", "acct-rec", "acct-proof"},
              f"the accounts list shows m-1's accounts only: {rows}")
        row = driver.find_element(By.CSS_SELECTOR, 'tr[data-account="acct-1"]').text
        check("Camille Martin" in row and "past due" in row and "€129.00" in row,
              f"acct-1: name, past due, open total €80.00 + €49.00: {row}")
        driver.get(url + "/accounts?status=past_due")
        shot(driver, "accounts")

        # The account: open invoices, no recipients yet, notices waiting.
        driver.get(url + "/merchants/m-1/accounts/acct-1")
        invoices = texts("#invoices tbody tr")
        check(len(invoices) == 2 and "F-2026-0042" in invoices[0] and "partially paid" in invoices[0]
              and "€80.00" in invoices[0], f"open invoices with their status and open amount: {invoices}")
        check("suspended" in driver.find_element(By.ID, "policy").text,
              "the dunning policy is m-1's (the last step keeps the account suspended)")
        check(driver.find_elements(By.ID, "no-recipients"), "no invoice recipients yet")

        # Bad input: a 400 page saying what.
        field = driver.find_element(By.ID, "recipients-field")
        field.clear()
        field.send_keys("compta@camille.test\nnot an address")
        driver.find_element(By.ID, "change-recipients").click()
        wait.until(lambda d: d.find_elements(By.ID, "error"))
        check("not an address" in driver.find_element(By.ID, "error").text, "a bad address is refused, named")

        # The owner sets two recipients: pending, then applied once reminder-mailer sends to them.
        field = driver.find_element(By.ID, "recipients-field")
        field.clear()
        field.send_keys("compta@camille.test\nceo@camille.test")
        driver.find_element(By.ID, "change-recipients").click()
        wait.until(lambda d: "sent=change_recipients" in d.current_url)
        first = "pending" if driver.find_elements(By.ID, "recipients-pending") else "applied"
        WebDriverWait(driver, 60, poll_frequency=1).until(
            lambda d: d.refresh() or (not d.find_elements(By.ID, "recipients-pending")
                                      and texts("#recipients li") == ["compta@camille.test", "ceo@camille.test"]))
        check(True, f"the owner's change: {first} → applied, the list is the new one")
        WebDriverWait(driver, 60, poll_frequency=1).until(
            lambda d: d.refresh() or "2 · second notice" in d.find_element(By.ID, "invoices").text)
        invoices = texts("#invoices tbody tr")
        check("2 · second notice" in invoices[0] and "3 · third notice · 2026-10-05" in invoices[0],
              f"step reached and the next step on the policy's day: {invoices[0]}")
        emails = driver.find_element(By.ID, "emails").text
        check("first overdue notice" in emails and "ceo@camille.test" in emails,
              "the notices went to the new recipients (the email log)")
        shot(driver, "account")

        # The failed card payment's history: its email.
        driver.get(url + "/merchants/m-1/items/p-card")
        WebDriverWait(driver, 60, poll_frequency=1).until(
            lambda d: d.refresh() or "payment failed (to the customer)" in d.find_element(By.ID, "emails").text)
        check("compta@camille.test" in driver.find_element(By.ID, "emails").text,
              "the failed transaction's history shows the payment-failed email and its recipients")

        # Expiring cards: soonest first, m-1's only; the CSV.
        driver.get(url + "/expiring-cards")
        rows = [r.get_attribute("data-account") for r in driver.find_elements(By.CSS_SELECTOR, "#cards tr[data-account]")]
        check(rows == ["acct-2", "acct-1"], f"expiring cards by expiry, m-1's only: {rows}")
        check("mastercard •••• 5454" in driver.page_source and "Jean Dupont" in driver.page_source,
              "brand, last four and customer")
        shot(driver, "expiring-cards")
        status, text = fetch(driver, "GET", "/expiring-cards.csv", None)
        table = list(csv.DictReader(io.StringIO(text)))
        check(status == 200 and [r["cardId"] for r in table] == ["card-2", "card-1"]
              and table[0]["schedules"] == "sch-sub-monthly sch-addon" and table[1]["customerName"] == "Camille Martin",
              f"expiring cards CSV: {[(r['cardId'], r['expMonth'], r['expYear']) for r in table]}")

        # A billing user: sees the list, the form disabled with the reason; a forged post is refused.
        driver.find_element(By.ID, "sign-out").click()
        wait.until(lambda d: d.current_url.endswith("/login"))
        sign_in(driver, "bruno", password)
        wait.until(lambda d: d.current_url.endswith("/items"))
        driver.get(url + "/merchants/m-1/accounts/acct-1")
        check(texts("#recipients li") == ["compta@camille.test", "ceo@camille.test"], "billing sees the recipients")
        check(not driver.find_element(By.ID, "change-recipients").is_enabled()
              and not driver.find_element(By.ID, "recipients-field").is_enabled(),
              "billing: the recipients form is disabled")
        check("Seul un propriétaire" in driver.find_element(By.ID, "recipients-why").text, "and says why, in French")
        token = driver.find_element(By.CSS_SELECTOR, 'form[action$="/recipients"] input[name="csrf"]').get_attribute("value")
        status, text = fetch(driver, "POST", "/merchants/m-1/accounts/acct-1/recipients",
                             f"csrf={token}&recipients=evil%40example.test")
        check(status == 403, f"billing's post with a valid CSRF token is refused ({status})")
        driver.get(url + "/merchants/m-1/accounts/acct-1")
        check("evil@example.test" not in driver.page_source, "and nothing changed")
        status, _ = fetch(driver, "GET", "/merchants/m-2/accounts/acct-9", None)
        check(status == 404, f"another merchant's account is not found ({status})")
    finally:
        driver.quit()
