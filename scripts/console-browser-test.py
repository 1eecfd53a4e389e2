#!/usr/bin/env python3
"""relance-console in headless Chromium (Debian's chromium and chromium-driver, Selenium).

Run by scripts/console-browser-test.sh, which starts the cluster, payment-retry, the gateway
sandbox and the console on simulated time and publishes the failed payments this script expects.
Each check prints one line; the first failure stops the run with exit code 1.
"""
import argparse
import csv
import io
import os
import re
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

import console_browser_recon

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--password", required=True)
parser.add_argument("--screenshots", default="docs/console")
parser.add_argument("--expect-rows", type=int, default=3)
args = parser.parse_args()
os.makedirs(args.screenshots, exist_ok=True)

checks = 0


def check(condition, what):
    global checks
    checks += 1
    if not condition:
        print(f"FAIL  {what}")
        sys.exit(1)
    print(f"ok    {what}")


def shot(driver, name):
    """The whole page, 1280 px wide."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1280, "height": max(600, height), "deviceScaleFactor": 1, "mobile": False})
    driver.save_screenshot(os.path.join(args.screenshots, f"{name}.png"))
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def fetch(driver, method, path, body=None):
    """A request from the page (same origin, the browser's cookies): (status, text)."""
    return driver.execute_async_script(
        """
        const [method, path, body, done] = arguments;
        const init = {method, credentials: 'same-origin'};
        if (body !== null) {
            init.body = body;
            init.headers = {'Content-Type': 'application/x-www-form-urlencoded'};
        }
        fetch(path, init).then(r => r.text().then(t => done([r.status, t]))).catch(e => done([0, String(e)]));
        """,
        method, path, body)


def state(driver):
    return driver.find_element(By.ID, "item-state").get_attribute("data-state")


def sign_in(driver, user, password):
    driver.get(args.url + "/login")
    driver.find_element(By.ID, "user").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
    button = driver.find_element(By.ID, "sign-in")
    button.click()
    # The answer is a new page (the list, or the form again): wait until this one is gone.
    WebDriverWait(driver, 30, poll_frequency=0.1).until(expected_conditions.staleness_of(button))


def new_driver():
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=en-GB"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_script_timeout(20)
    # The console's pages allow no script and no fetch (Content-Security-Policy); the test's own
    # requests from the page (a forged post, the CSV) need the browser to let them through.
    driver.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
    return driver


started = time.monotonic()
driver = new_driver()
try:
    wait = WebDriverWait(driver, 30, poll_frequency=0.2)
    # Sign in: a wrong password first.
    sign_in(driver, "olivia", "not-the-password")
    check(driver.find_elements(By.ID, "sign-in-failed"), "a wrong password is refused")
    shot(driver, "sign-in")
    sign_in(driver, "olivia", args.password)
    wait.until(lambda d: d.current_url.endswith("/items"))
    check("Olivia Owner" in driver.page_source, "signed in as the owner, on the failed transactions")
    rows = driver.find_elements(By.CSS_SELECTOR, "#items tbody tr[data-payment]")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#items tbody tr[data-payment]")) >= args.expect_rows
               or d.refresh())
    rows = [r.get_attribute("data-payment") for r in driver.find_elements(By.CSS_SELECTOR, "#items tbody tr[data-payment]")]
    check(sorted(rows) == ["p-card", "p-refund", "p-sepa"], f"the list shows m-1's three items only: {rows}")
    shot(driver, "failed-transactions")

    # Filter: card payments only, then card refunds.
    Select(driver.find_element(By.ID, "method")).select_by_value("card")
    driver.find_element(By.ID, "apply-filters").click()
    wait.until(lambda d: "method=card" in d.current_url)
    rows = [r.get_attribute("data-payment") for r in driver.find_elements(By.CSS_SELECTOR, "#items tbody tr[data-payment]")]
    check(sorted(rows) == ["p-card", "p-refund"], f"filtered by payment method card: {rows}")
    Select(driver.find_element(By.ID, "type")).select_by_value("refund")
    driver.find_element(By.ID, "apply-filters").click()
    wait.until(lambda d: "type=refund" in d.current_url)
    rows = [r.get_attribute("data-payment") for r in driver.find_elements(By.CSS_SELECTOR, "#items tbody tr[data-payment]")]
    check(rows == ["p-refund"], f"and by transaction type refund: {rows}")
    shot(driver, "filtered")

    # CSV export: the rows and their values.
    status, text = fetch(driver, "GET", "/items.csv?sort=amount&dir=desc", None)
    table = list(csv.DictReader(io.StringIO(text)))
    check(status == 200 and [r["paymentId"] for r in table] == ["p-sepa", "p-card", "p-refund"],
          f"CSV export: three rows by amount: {[r['paymentId'] for r in table]}")
    sepa = table[0]
    check(sepa["amount"] == "1234.56" and sepa["currency"] == "EUR" and sepa["customerName"] == "Jean Dupont"
          and sepa["transactionType"] == "subscription" and sepa["failureReason"] != "",
          f"CSV row: {sepa['amount']} {sepa['currency']} {sepa['customerName']}")
    check(table[1]["firstFailedAt"].endswith("+02:00"), "CSV times in the merchant's time zone (Paris, +02:00)")

    # The refund: its payment method cannot change.
    driver.get(args.url + "/merchants/m-1/items/p-refund")
    check(not driver.find_element(By.ID, "change-payment-method").is_enabled(),
          "Change payment method is disabled on a refund")

    # Retry now: pending, then resolved (the sandbox pays), the page refreshing itself.
    driver.get(args.url + "/merchants/m-1/items/p-card")
    check(state(driver) == "open", "the card item is open")
    shot(driver, "item-open")
    driver.find_element(By.ID, "retry-now").click()
    wait.until(lambda d: "sent=retry_now" in d.current_url)
    seen = [state(driver)]
    shot(driver, "item-pending")
    deadline = time.monotonic() + 30
    while seen[-1] != "resolved" and time.monotonic() < deadline:
        time.sleep(0.3)
        try:
            current = state(driver)
        except Exception:
            continue  # the page was reloading
        if current != seen[-1]:
            seen.append(current)
    check(seen[0] == "pending" and seen[-1] == "resolved", f"Retry now: {' → '.join(seen)}")
    shot(driver, "item-resolved")

    # Ignore with a note.
    driver.get(args.url + "/merchants/m-1/items/p-sepa")
    driver.find_element(By.ID, "note").send_keys("paid by bank transfer on 30 September")
    driver.find_element(By.ID, "dismiss").click()
    wait.until(lambda d: "sent=dismiss" in d.current_url)
    WebDriverWait(driver, 30, poll_frequency=0.5).until(lambda d: d.refresh() or state(d) == "dismissed")
    check("paid by bank transfer" in driver.page_source, "Ignore: dismissed with its note")
    shot(driver, "item-dismissed")

    # A forged post: the session's cookie goes along (same site) but not its CSRF token.
    status, text = fetch(driver, "POST", "/merchants/m-1/items/p-refund/retry-now", "csrf=forged")
    check(status == 403 and "CSRF" in text, f"a form post without the CSRF token is refused ({status})")
    status, text = fetch(driver, "POST", "/merchants/m-1/items/p-refund/retry-now", "")
    check(status == 403, f"a form post with no token at all is refused ({status})")
    driver.get(args.url + "/merchants/m-1/items/p-refund")
    check(state(driver) == "open", "and nothing was sent: the refund is still open")

    # Another merchant's item by URL.
    status, _ = fetch(driver, "GET", "/merchants/m-2/items/q-other", None)
    check(status == 404, f"another merchant's item is not found ({status})")
    driver.get(args.url + "/merchants/m-2/items/q-other")
    check("Not found" in driver.page_source and "Someone Else" not in driver.page_source,
          "its page says not found and shows nothing of it")
    shot(driver, "not-found")

    # A billing user, in French: may retry, may not change the payment method.
    driver.find_element(By.ID, "sign-out").click()
    wait.until(lambda d: d.current_url.endswith("/login"))
    sign_in(driver, "bruno", args.password)
    wait.until(lambda d: d.current_url.endswith("/items"))
    check("Transactions échouées" in driver.page_source, "the billing user's pages are in French")
    driver.get(args.url + "/merchants/m-1/items/p-refund")
    check(driver.find_element(By.ID, "retry-now").is_enabled()
          and not driver.find_element(By.ID, "change-payment-method").is_enabled(),
          "billing: Retry now enabled, Change payment method disabled")
    amount = driver.find_element(By.CSS_SELECTOR, "dl").text
    check(re.search("25,00[\u00a0 ]€", amount) is not None, "amounts in French format (25,00 €)")
    shot(driver, "item-billing-fr")
    console_browser_recon.run(driver, args.url, args.password, check, shot, fetch, sign_in)
finally:
    driver.quit()
__import__("console_browser_acct").run(new_driver, args.url, args.password, check, shot, fetch, sign_in)
__import__("console_browser_plans").run(new_driver, args.url, args.password, check, shot, fetch, sign_in)
print(f"{checks} checks passed in {time.monotonic() - started:.1f} s")
