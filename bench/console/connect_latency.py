#!/usr/bin/env python3
"""Connect latency of the web console (issue 5's speed goal: p50 <= 500 ms, unattended).

Headless Chromium, a live server with its embedded relay and an unattended agent on Xvfb
(an xterm and a clock), all on loopback. Each round clicks Connect in the console's dialog
and reads the viewer's own timings (performance.now() at the click, at "paired", and when
noVNC finished drawing its first framebuffer update, the full first frame), then ends the
session from the toolbar. Prints min / p50 / p90 / max over N rounds (default 20).

    TSUNAGU_BIN_DIR=.build/debug python3 bench/console/connect_latency.py [--rounds 20]
"""

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Tests", "ConsoleTests", "browser"))
from tsunagu_stack import Stack, browser, wait_until, wait_value  # noqa: E402

from selenium.webdriver.common.by import By  # noqa: E402


def wait(driver, condition, timeout=30):
    return wait_value(lambda: condition(driver), timeout, "the page")


def percentile(values, p):
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    stack = Stack("console-bench")
    driver = None
    first, paired = [], []
    try:
        stack.start_server()
        stack.company("BENCH")
        display = stack.desktop(clock=True)
        stack.agent("BENCH", "bench-pc", display, password="pc-password", mode="unattended")
        token = stack.login_token("BENCH")
        wait_until(lambda: any(d["online"] for d in stack.http("GET", "/api/v1/devices", token=token)[1]), 30, "agent online")
        driver = browser(1440, 900)
        driver.get(stack.base + "/")
        wait(driver, lambda d: d.find_element(By.ID, "login-company"))
        driver.find_element(By.ID, "login-company").send_keys("BENCH")
        driver.find_element(By.ID, "login-login").send_keys("admin")
        driver.find_element(By.ID, "login-password").send_keys("admin-password\n")
        for i in range(args.rounds + 1):
            button = wait(driver, lambda d: (b := d.find_element(By.CSS_SELECTOR, 'button[data-device="bench-pc"]')) and b.is_enabled() and b)
            button.click()
            wait(driver, lambda d: d.find_element(By.ID, "connect-password").is_displayed())
            driver.find_element(By.ID, "connect-password").send_keys("pc-password")
            driver.find_element(By.ID, "connect-submit").click()
            ms = float(wait(driver, lambda d: d.find_element(By.ID, "viewer").get_attribute("data-first-frame-ms")))
            pms = float(driver.find_element(By.ID, "viewer").get_attribute("data-paired-ms"))
            if i > 0:  # the first round warms caches (modules, JIT)
                first.append(ms)
                paired.append(pms)
                print(f"round {i:2d}: paired {pms:6.0f} ms, first full frame {ms:6.0f} ms", flush=True)
            driver.find_element(By.ID, "viewer-end").click()
            wait(driver, lambda d: not d.find_elements(By.ID, "viewer"))
            time.sleep(0.3)
    finally:
        if driver:
            driver.quit()
        stack.close()
    print()
    print(f"connect → paired at the relay: p50 {statistics.median(paired):.0f} ms")
    print(f"connect → first full frame drawn ({len(first)} connects): "
          f"min {min(first):.0f} / p50 {percentile(first, 0.5):.0f} / p90 {percentile(first, 0.9):.0f} / max {max(first):.0f} ms "
          f"(goal p50 ≤ 500 ms)")


if __name__ == "__main__":
    main()
