"""Reconciliation and proofs of payment in the browser (called by console-browser-test.py).

console-browser-test.sh runs reconciliation and proof-validator beside payment-retry and publishes
acct-rec (an open invoice and a credit note of the same amount: reconcilable) and acct-proof (an
open invoice payable to the merchant's IBAN) for merchant m-1; the users are bruno (billing, in
French) and rita (owner with manage_reconciliations).
"""
import os
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "camt053-acct-proof.xml")


def run(driver, url, password, check, shot, fetch, sign_in):
    wait = WebDriverWait(driver, 30, poll_frequency=0.3)

    def sign_in_as(user):
        if driver.find_elements(By.ID, "sign-out"):
            driver.find_element(By.ID, "sign-out").click()
            wait.until(lambda d: d.current_url.endswith("/login"))
        sign_in(driver, user, password)
        wait.until(lambda d: d.current_url.endswith("/items"))

    def listed(d):
        d.get(url + "/reconciliation")
        return d.find_elements(By.CSS_SELECTOR, '#accounts tr[data-account="acct-rec"]')

    # A billing user: the account is listed, Reconcile is disabled with the reason, and a post
    # with the page's own CSRF token is refused all the same.
    sign_in_as("bruno")
    wait.until(listed)
    check("Comptes à concilier" in driver.page_source, "the reconcilable accounts, in French for the billing user")
    driver.get(url + "/reconciliation/m-1/acct-rec")
    button = driver.find_element(By.ID, "reconcile")
    why = driver.find_element(By.ID, "reconcile-why").text
    check(not button.is_enabled() and "manage_reconciliations" in why,
          f"billing: Reconcile disabled, saying why ({why})")
    shot(driver, "recon-billing-fr")
    token = driver.find_element(By.NAME, "csrf").get_attribute("value")
    status, text = fetch(driver, "POST", "/reconciliation/m-1/acct-rec/reconcile", "csrf=" + token)
    check(status == 403 and "manage_reconciliations" in text,
          f"billing: a forged Reconcile post (with a valid CSRF token) is refused ({status})")

    # A user with manage_reconciliations: Reconcile, pending, then the allocation.
    sign_in_as("rita")
    wait.until(listed)
    rows = [r.get_attribute("data-account") for r in driver.find_elements(By.CSS_SELECTOR, "#accounts tr[data-account]")]
    check(rows == ["acct-rec"], f"m-1's reconcilable accounts: {rows}")
    check("€120.00" in driver.find_element(By.ID, "accounts").text, "its unreconciled debit and credit: €120.00")
    shot(driver, "reconciliation")
    driver.get(url + "/reconciliation/m-1/acct-rec")
    driver.find_element(By.ID, "reconcile").click()
    wait.until(lambda d: "sent=reconcile" in d.current_url)
    started = time.monotonic()
    WebDriverWait(driver, 30, poll_frequency=0.5).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#allocations tr.allocation"))
    allocation = driver.find_element(By.CSS_SELECTOR, "#allocations tr.allocation").text
    check("cn-rec" in allocation and "inv-rec" in allocation and "€120.00" in allocation,
          f"Reconcile: the allocation shows in {time.monotonic() - started:.1f} s ({allocation})")
    WebDriverWait(driver, 30, poll_frequency=0.5).until(
        lambda d: d.refresh() or d.find_elements(By.CSS_SELECTOR, '#invoices tr[data-status="paid"]'))
    check(not driver.find_elements(By.ID, "recon-pending"), "no longer pending; the invoice is paid")
    shot(driver, "recon-account")

    # A proof of payment: the camt.053 statement for acct-proof, judged by proof-validator.
    WebDriverWait(driver, 30, poll_frequency=0.5).until(
        lambda d: d.get(url + "/reconciliation/m-1/acct-proof") or d.find_elements(By.ID, "proof-file"))
    driver.find_element(By.ID, "proof-invoices").send_keys("inv-201")
    driver.find_element(By.ID, "proof-file").send_keys(FIXTURE)
    driver.find_element(By.ID, "submit-proof").click()
    wait.until(lambda d: "/proofs/pr-" in d.current_url)
    WebDriverWait(driver, 30, poll_frequency=0.5).until(
        lambda d: d.find_element(By.ID, "verdict").get_attribute("data-verdict") != "pending")
    verdict = driver.find_element(By.ID, "verdict").text
    matches = driver.find_element(By.ID, "matches").text if driver.find_elements(By.ID, "matches") else ""
    check(verdict == "accepted" and "inv-201" in matches and "€490.00" in matches,
          f"the camt.053 proof: {verdict}, matched {matches!r}")
    shot(driver, "proof")
    driver.get(url + "/proofs")
    check("accepted" in driver.find_element(By.ID, "proofs").text, "the recent proofs list it as accepted")

    # Another merchant's account and proofs are not found.
    status, _ = fetch(driver, "GET", "/reconciliation/m-2/acct-9", None)
    check(status == 404, f"another merchant's account is not found ({status})")
