"""relance-console's plans, recovery and dead-letter pages in headless Chromium.

Called at the end of scripts/console-browser-test.py (after Retry now resolved p-card and Ignore
dismissed p-sepa), with its helpers. scripts/console-browser-test.sh runs recovery-stats, asks for
a price change of acct-1's plan and makes payment-retry dead-letter a command without its payment
method.
"""
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def run(driver_factory, url, password, check, shot, fetch, sign_in):
    driver = driver_factory()
    try:
        wait = WebDriverWait(driver, 30, poll_frequency=0.3)
        sign_in(driver, "olivia", password)
        wait.until(lambda d: d.current_url.endswith("/items"))
        links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "header nav a")]
        check(any(h.endswith("/plans") for h in links) and any(h.endswith("/recovery") for h in links),
              f"header links to Plans and Recovery: {links}")

        # Plans: the installment of acct-1 with its attempts and both buttons, the price change.
        driver.get(url + "/plans")
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, 'tr[data-plan="plan-acct-1"]') or d.refresh())
        row = driver.find_element(By.CSS_SELECTOR, 'tr[data-payment="p-card"]')
        check(row.find_element(By.CSS_SELECTOR, "td.attempts").text.strip() != "",
              f"the plans page shows the installment p-card with its attempts "
              f"({row.find_element(By.CSS_SELECTOR, 'td.attempts').text})")
        renew = row.find_element(By.CSS_SELECTOR, "button.renew")
        hand_over = row.find_element(By.CSS_SELECTOR, "button.hand-over")
        check(renew.text == "Renew payment plan" and hand_over.text == "Hand over to collections",
              "with its buttons Renew payment plan and Hand over to collections")
        # p-card was recovered by Retry now: closed, both disabled, with the reason.
        check(not renew.is_enabled() and "closed" in row.text,
              f"disabled with the reason: {row.find_element(By.CSS_SELECTOR, '.renew-why').text}")
        update = driver.find_element(By.CSS_SELECTOR, 'tr[data-plan="plan-acct-1"]')
        deadline = update.find_element(By.CSS_SELECTOR, "td.deadline").text
        check(update.get_attribute("data-status") == "pending" and "€59.00" in update.text and deadline != "",
              f"the price update request, pending, with its deadline in Paris time ({deadline})")
        shot(driver, "plans")

        # Recovery: figures from recovery-stats and the server's SVG chart.
        driver.get(url + "/recovery")
        deadline_at = time.monotonic() + 40
        while not driver.find_elements(By.ID, "chart-amounts") and time.monotonic() < deadline_at:
            time.sleep(1)
            driver.refresh()
        charts = driver.find_elements(By.CSS_SELECTOR, "svg#chart-amounts")
        check(len(charts) == 1, "the recovery page shows an SVG chart drawn by the server")
        bars = charts[0].find_elements(By.CSS_SELECTOR, "rect.bar")
        values = {b.get_attribute("data-series"): int(b.get_attribute("data-value")) for b in bars}
        check(sum(values.values()) > 0, f"its bars carry the figures: {values}")
        check(driver.find_elements(By.ID, "periods") and "2026-W40" in driver.page_source,
              "and the table of the week of first failure (2026-W40)")
        shot(driver, "recovery")

        # Dead letters: an owner of m-1 sees m-1's; a billing user gets no page.
        driver.find_element(By.ID, "sign-out").click()
        wait.until(lambda d: d.current_url.endswith("/login"))
        sign_in(driver, "bruno", password)
        wait.until(lambda d: d.current_url.endswith("/items"))
        status, _ = fetch(driver, "GET", "/dead-letters", None)
        check(status in (403, 404), f"a billing user gets no dead-letters page ({status})")
        check(not driver.find_elements(By.CSS_SELECTOR, 'header nav a[href="/dead-letters"]'),
              "and no link to it")
        driver.find_element(By.ID, "sign-out").click()
        wait.until(lambda d: d.current_url.endswith("/login"))
        sign_in(driver, "ada", password)
        wait.until(lambda d: d.current_url.endswith("/items"))
        driver.get(url + "/dead-letters")
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#dead-letters tr[data-position]") or d.refresh())
        row = driver.find_element(By.CSS_SELECTOR, "#dead-letters tr[data-position]")
        check("missing_payment_method" in row.text and "payment-retry" in row.text,
              f"an admin sees the dead letter and its reason: {row.find_element(By.CSS_SELECTOR, '.code').text}")
        check("change_payment_method" in row.find_element(By.CSS_SELECTOR, "pre.original").text,
              "with its original record")
        shot(driver, "dead-letters")
        # Replay: refused again by payment-retry (the command still has no method), shown.
        row.find_element(By.CSS_SELECTOR, "button.replay").click()
        wait.until(lambda d: "sent=1" in d.current_url)
        WebDriverWait(driver, 30, poll_frequency=0.5).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, '.outcome[data-result="dead_lettered"]') or d.refresh())
        check(True, "Replay: payment-retry's outcome shown (refused again)")
    finally:
        driver.quit()
