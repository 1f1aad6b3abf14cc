#!/usr/bin/env python3
"""End-to-end test of the web console in a real browser (headless Chromium + selenium).

Starts a server, two companies, an unattended agent on Xvfb with an xterm and a clock and an
attended agent that declines; then, through the console's own forms and buttons: logs in,
sees the device online, fails with a wrong connection password, connects, types a command
into the xterm, sends text to the remote clipboard (checked with xclip on the agent's
display) and receives text back, survives an ended session with Reconnect, ends the
session and finds it in the connection log, sees "waiting for the customer" and the
refusal of an attended device, checks that another company cannot see or reach the
device, switches the language, and logs out. Screenshots go to .test-artifacts/console/.

Exit status 0 when every check passed; each check prints one line.
"""

import json
import os
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tsunagu_stack import REPO, Stack, browser, wait_until  # noqa: E402

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

ARTIFACTS = os.path.join(REPO, ".test-artifacts", "console")
failures = []


def check(name, condition, detail=""):
    print(("PASS " if condition else "FAIL ") + name + (f" — {detail}" if detail and not condition else ""), flush=True)
    if not condition:
        failures.append(name)
    return condition


def wait(driver, condition, timeout=20, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            value = condition(driver)
            if value:
                return value
        except Exception as error:  # noqa: BLE001 - retried until the deadline
            last = error
        time.sleep(0.1)
    raise TimeoutError(f"timed out waiting for {what} ({last})")


def by_id(driver, element_id):
    return driver.find_element(By.ID, element_id)


def visible(driver, element_id):
    elements = driver.find_elements(By.ID, element_id)
    return elements[0] if elements and elements[0].is_displayed() else None


def shot(driver, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, name)
    driver.save_screenshot(path)
    print(f"     screenshot {os.path.relpath(path, REPO)}", flush=True)


def log_in(driver, base, company, login, password):
    driver.get(base + "/")
    wait(driver, lambda d: visible(d, "login-company"), what="login form")
    for element_id, value in (("login-company", company), ("login-login", login), ("login-password", password)):
        field = by_id(driver, element_id)
        field.clear()
        field.send_keys(value)
    by_id(driver, "login-submit").click()


def device_row(driver, name):
    rows = driver.find_elements(By.CSS_SELECTOR, f'#device-table tr[data-device="{name}"]')
    return rows[0] if rows else None


def open_connect(driver, name):
    row = wait(driver, lambda d: device_row(d, name), what=f"row {name}")
    row.find_element(By.CSS_SELECTOR, "button[data-device]").click()
    return wait(driver, lambda d: visible(d, "connect-password"), what="connect dialog")


def in_page_fetch(driver, method, path, body=None):
    """A fetch from the page, with the page's cookie and CSRF token; returns (status, json)."""
    script = """
      const [method, path, body, done] = arguments;
      const headers = {'Content-Type': 'application/json'};
      const csrf = sessionStorage.getItem('tsunagu.csrf');
      if (csrf) headers['X-CSRF-Token'] = csrf;
      fetch(path, {method, headers, body: body === null ? undefined : JSON.stringify(body), credentials: 'same-origin'})
        .then(async (r) => done([r.status, await r.text()]))
        .catch((e) => done([0, String(e)]));
    """
    status, text = driver.execute_async_script(script, method, path, body)
    try:
        return status, json.loads(text) if text else None
    except ValueError:
        return status, text


SHIFTED = dict(zip('~!@#$%^&*()_+{}|:"<>?', "`1234567890-=[]\\;',./"))


def type_like_a_keyboard(driver, text):
    """Types `text` as a US keyboard would: Shift pressed and released around shifted
    characters (ChromeDriver's send_keys sends "A" without a Shift key event, which a
    scancode-based VNC session cannot see)."""
    from selenium.webdriver.common.keys import Keys

    chain = ActionChains(driver)
    for ch in text:
        if ch in SHIFTED or ch.isupper():
            chain.key_down(Keys.SHIFT).send_keys(SHIFTED.get(ch, ch.lower())).key_up(Keys.SHIFT)
        elif ch == "\n":
            chain.send_keys(Keys.ENTER)
        else:
            chain.send_keys(ch)
    chain.perform()


def xclip_out(display):
    r = subprocess.run(["xclip", "-o", "-selection", "clipboard"], env={**os.environ, "DISPLAY": display}, capture_output=True, timeout=5)
    return r.stdout.decode(errors="replace")


def main():
    stack = Stack("console-e2e")
    driver = None
    marker = os.path.join(stack.dir, "typed-through-viewer.txt")
    try:
        stack.start_server()
        stack.company("ACME")
        stack.company("OTHER")
        display = stack.desktop(clock=True)
        stack.agent("ACME", "pc-1", display, password="pc-password", mode="unattended")
        att_display = stack.desktop()
        token = stack.enroll_token("ACME")
        agent = os.path.join(stack.bins, "tsunagu-agent")
        stack.start(
            [agent, "run", "--server", stack.base, "--company", "ACME", "--name", "front-desk", "--enroll-token", token,
             "--display", att_display, "--mode", "attended", "--state-dir", os.path.join(stack.dir, "agent-front"),
             "--password-stdin", "--consent-command", "sleep 2; exit 1"],
            "agent-front-desk.log", env={"DISPLAY": att_display}, stdin="desk-password\n")

        # Headers of the console itself.
        status, _, headers = stack.http("GET", "/")
        csp = headers.get("Content-Security-Policy", "") if headers else ""
        check("console served with a strict CSP", status == 200 and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp, csp)
        check("nosniff and no-referrer", headers.get("X-Content-Type-Options") == "nosniff" and headers.get("Referrer-Policy") == "no-referrer")
        status, _, headers = stack.http("GET", "/novnc/core/rfb.js")
        check("noVNC served as JavaScript", status == 200 and headers.get("Content-Type", "").startswith("text/javascript"))
        status, _, _ = stack.http("GET", "/console/%2e%2e/Package.swift")
        status2, _, _ = stack.http("GET", "/novnc/..%2f..%2fetc/passwd")
        check("no path traversal", status == 404 and status2 == 404, f"{status} {status2}")

        driver = browser(1440, 900, "en-US")
        base = stack.base

        # A wrong operator password is said plainly.
        log_in(driver, base, "ACME", "admin", "not-the-password")
        error = wait(driver, lambda d: visible(d, "login-error"), what="login error")
        check("wrong login password shows a clear message", "wrong" in error.text.lower(), error.text)

        log_in(driver, base, "ACME", "admin", "admin-password")
        row = wait(driver, lambda d: (r := device_row(d, "pc-1")) and r.get_attribute("data-online") == "true" and r, 30, "pc-1 online")
        check("device list shows pc-1 online", row is not None)
        shot(driver, "devices.png")

        # Search filters by name, OS and mode.
        search = by_id(driver, "device-search")
        search.send_keys("attended")
        time.sleep(0.3)
        names = [r.get_attribute("data-device") for r in driver.find_elements(By.CSS_SELECTOR, "#device-table tbody tr")]
        check("search by mode", names == ["front-desk"], str(names))
        search.clear()
        search.send_keys("debian pc")
        time.sleep(0.3)
        names = [r.get_attribute("data-device") for r in driver.find_elements(By.CSS_SELECTOR, "#device-table tbody tr")]
        check("search by OS and name", names == ["pc-1"], str(names))
        search.clear()
        search.send_keys(" ")
        search.clear()

        # Wrong connection password.
        password = open_connect(driver, "pc-1")
        password.send_keys("wrong-password")
        by_id(driver, "connect-submit").click()
        error = wait(driver, lambda d: visible(d, "connect-error"), what="connect error")
        check("wrong connection password shows a clear message", "connection password is wrong" in error.text, error.text)
        by_id(driver, "connect-cancel").click()

        # Attended device: waiting, then the customer declines.
        password = open_connect(driver, "front-desk")
        password.send_keys("desk-password")
        by_id(driver, "connect-submit").click()
        waiting = wait(driver, lambda d: visible(d, "connect-waiting"), what="waiting")
        wait(driver, lambda d: "customer to accept" in by_id(d, "connect-waiting").text, 10, "waiting text")
        check("attended device shows waiting for the customer", True)
        shot(driver, "waiting-for-customer.png")
        error = wait(driver, lambda d: visible(d, "connect-error"), 30, "declined")
        check("a declined session is said plainly", "declined" in error.text, error.text)
        by_id(driver, "connect-cancel").click()

        # Connect for real.
        password = open_connect(driver, "pc-1")
        password.send_keys("pc-password")
        by_id(driver, "connect-submit").click()
        viewer = wait(driver, lambda d: (v := visible(d, "viewer")) and v.get_attribute("data-state") == "connected" and v, 30, "viewer connected")
        first_frame = wait(driver, lambda d: by_id(d, "viewer").get_attribute("data-first-frame-ms"), 20, "first frame")
        check("viewer connects and draws a frame", viewer is not None, "")
        print(f"     connect to first frame: {first_frame} ms", flush=True)
        time.sleep(1.0)
        shot(driver, "viewer.png")

        # Tablet-sized layout of the viewer.
        driver.set_window_size(820, 1180)
        time.sleep(1.0)
        shot(driver, "viewer-tablet.png")
        driver.set_window_size(1440, 900)
        time.sleep(0.5)

        # Type into the xterm (no window manager: the pointer must be over it).
        canvas = driver.find_element(By.CSS_SELECTOR, "#viewer-screen canvas")
        box = canvas.size
        ActionChains(driver).move_to_element_with_offset(canvas, -box["width"] // 2 + int(box["width"] * 0.15), -box["height"] // 2 + int(box["height"] * 0.15)).click().perform()
        time.sleep(0.3)
        type_like_a_keyboard(driver, f"echo hi > {marker}\n")
        try:
            wait_until(lambda: open(marker).read().strip() == "hi", 15, "marker file")
            typed = True
        except TimeoutError:
            typed = False
        check("typing through the viewer runs a command in the xterm", typed, marker)

        # Clipboard, remote → browser.
        by_id(driver, "clipboard-panel-button").click()
        wait(driver, lambda d: visible(d, "clipboard-text"), what="clipboard panel")
        subprocess.run(["xclip", "-selection", "clipboard"], input=b"copied-on-remote", env={**os.environ, "DISPLAY": display}, timeout=5)
        try:
            wait(driver, lambda d: by_id(d, "clipboard-text").get_attribute("value") == "copied-on-remote", 10, "remote clipboard")
            back = True
        except TimeoutError:
            back = False
        check("remote clipboard appears in the console", back, by_id(driver, "clipboard-text").get_attribute("value"))

        # Clipboard, browser → remote.
        text_box = by_id(driver, "clipboard-text")
        text_box.clear()
        text_box.send_keys("つなぐ clipboard 123")
        by_id(driver, "clipboard-send").click()
        try:
            wait_until(lambda: xclip_out(display) == "つなぐ clipboard 123", 10, "X clipboard")
            reached = True
        except TimeoutError:
            reached = False
        check("clipboard text reaches the remote X clipboard", reached, repr(xclip_out(display)))

        shot(driver, "viewer-clipboard.png")
        if visible(driver, "clipboard-text"):
            by_id(driver, "clipboard-panel-button").click()

        # Toolbar toggles.
        by_id(driver, "viewer-scale").click()
        check("1:1 scale toggles", by_id(driver, "viewer-scale").get_attribute("aria-pressed") == "true")
        by_id(driver, "viewer-scale").click()
        by_id(driver, "keys-menu-button").click()
        check("special keys menu opens", visible(driver, "keys-cad") is not None)
        by_id(driver, "keys-cad").click()


        # The session is ended elsewhere (an admin through the API): a clear message and Reconnect.
        session_id = by_id(driver, "viewer").get_attribute("data-session")
        api_token = stack.login_token("ACME")
        stack.http("DELETE", f"/api/v1/sessions/{session_id}", token=api_token)
        title = wait(driver, lambda d: (e := visible(d, "viewer-overlay-title")) and visible(d, "viewer-reconnect") and e, 20, "ended overlay")
        check("a session ended elsewhere shows a message and Reconnect", bool(title.text), title.text)
        shot(driver, "viewer-ended.png")
        by_id(driver, "viewer-reconnect").click()
        wait(driver, lambda d: by_id(d, "viewer").get_attribute("data-state") == "connected" and by_id(d, "viewer").get_attribute("data-session") != session_id, 30, "reconnected")
        check("Reconnect opens a new session", True)

        # End the session from the toolbar and find it in the log.
        by_id(driver, "viewer-end").click()
        wait(driver, lambda d: not d.find_elements(By.ID, "viewer"), 10, "viewer closed")
        driver.get(base + "/#/log")
        wait(driver, lambda d: [r for r in d.find_elements(By.CSS_SELECTOR, "#log-table tbody tr") if "pc-1" in r.text and "Ended by an operator" in r.text], 30, "log row")
        rows = [r for r in driver.find_elements(By.CSS_SELECTOR, "#log-table tbody tr") if "pc-1" in r.text]
        check("ended sessions appear in the connection log", len(rows) >= 2, str(len(rows)))
        device = by_id(driver, "log-device")
        device.send_keys("front-desk")
        by_id(driver, "log-apply").click()
        wait(driver, lambda d: all("front-desk" in r.text for r in d.find_elements(By.CSS_SELECTOR, "#log-table tbody tr")) and d.find_elements(By.CSS_SELECTOR, "#log-table tbody tr"), 10, "filtered log")
        check("log filter by device", "declined" in driver.find_element(By.ID, "log-table").text)
        href = by_id(driver, "log-export").get_attribute("href")
        status, csv, _ = stack.http("GET", href.replace(base, ""), token=api_token)
        check("CSV export link", status == 200 and b"front-desk" in csv, f"{status}")
        shot(driver, "connection-log.png")

        # Admin pages.
        driver.get(base + "/#/admin/operators")
        wait(driver, lambda d: "1" in by_id(d, "seats").text, 10, "seats")
        by_id(driver, "new-operator-login").send_keys("helper")
        by_id(driver, "new-operator-password").send_keys("helper-password")
        by_id(driver, "new-operator-submit").click()
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '#operator-table tr[data-login="helper"]'), 10, "new operator")
        check("admin adds an operator; seats count it", "2" in by_id(driver, "seats").text, by_id(driver, "seats").text)
        shot(driver, "operators.png")
        driver.get(base + "/#/admin/devices")
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '#device-admin-table tr[data-device="front-desk"]'), 10, "device admin")
        by_id(driver, "enroll-submit").click()
        command = wait(driver, lambda d: visible(d, "enroll-command"), 10, "enroll command").text
        check("enrollment token with a one-line agent command", "tsunagu-agent run" in command and "--enroll-token" in command and "--company ACME" in command, command)
        shot(driver, "device-admin.png")

        # Tablet-sized devices page.
        driver.set_window_size(820, 1180)
        driver.get(base + "/#/devices")
        wait(driver, lambda d: device_row(d, "pc-1"), 10, "devices")
        time.sleep(0.5)
        shot(driver, "devices-tablet.png")
        driver.set_window_size(1440, 900)

        # Japanese, remembered.
        driver.find_element(By.CSS_SELECTOR, '.lang-switch__button[lang="ja"]').click()
        wait(driver, lambda d: "デバイス" in d.find_element(By.CSS_SELECTOR, ".shell__nav").text, 10, "Japanese")
        driver.refresh()
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".shell__nav") and "デバイス" in d.find_element(By.CSS_SELECTOR, ".shell__nav").text, 10, "Japanese after reload")
        check("language switch to Japanese is remembered", driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja")
        shot(driver, "devices-ja.png")

        # Logout ends the login on the server.
        by_id(driver, "main")  # signed in
        driver.find_element(By.CSS_SELECTOR, ".shell__logout").click()
        wait(driver, lambda d: visible(d, "login-company"), 10, "login after logout")
        status, _ = in_page_fetch(driver, "GET", "/api/v1/auth/me")
        check("logout invalidates the login", status == 401, str(status))

        # Another company sees nothing and reaches nothing.
        log_in(driver, base, "OTHER", "admin", "admin-password")
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".devices .empty") and visible(d, "main"), 15, "OTHER devices")
        time.sleep(2.5)
        check("another company does not see the device", device_row(driver, "pc-1") is None)
        status, body = in_page_fetch(driver, "POST", "/api/v1/sessions", {"device": "pc-1", "password": "pc-password", "channel": "desktop"})
        check("another company cannot reach the device", status == 404 and body["error"]["code"] == "device_not_found", f"{status} {body}")
        status, body = in_page_fetch(driver, "PATCH", "/api/v1/devices/pc-1", {"mode": "attended"})
        check("another company cannot change the device", status == 404, f"{status} {body}")
        status, body = in_page_fetch(driver, "DELETE", "/api/v1/devices/pc-1")
        check("another company cannot remove the device", status == 404, f"{status} {body}")
        status, body = in_page_fetch(driver, "GET", "/api/v1/connection-log")
        check("another company's log is empty", status == 200 and body == [], f"{status} {body}")
        status, body = in_page_fetch(driver, "POST", "/api/v1/enrollment-tokens", {})
        check("state changes work with the page's CSRF token", status == 201, f"{status} {body}")
        status, body = driver.execute_async_script(
            "const done = arguments[0]; fetch('/api/v1/enrollment-tokens', {method: 'POST', credentials: 'same-origin', headers: {'Content-Type': 'application/json'}, body: '{}'}).then(r => done([r.status, '']));"
        ), None
        check("a cookie request without the CSRF token is refused", status[0] == 403, str(status))

        # No CSP violations or script errors in the whole run.
        problems = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE" and "/api/v1/" not in e["message"]]
        check("no script errors or CSP violations", not problems, "; ".join(problems[:5]))
    except Exception:  # noqa: BLE001 - reported as a failure with the logs
        traceback.print_exc()
        failures.append("exception")
        if driver:
            try:
                shot(driver, "failure.png")
            except Exception:  # noqa: BLE001
                pass
    finally:
        if driver:
            driver.quit()
        if failures:
            for name in ("server.log", "agent-pc-1.log", "agent-front-desk.log"):
                print(f"---- {name} (tail)\n" + stack.log(name)[-4000:])
        stack.close()
    print(f"{'FAILED' if failures else 'OK'}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
