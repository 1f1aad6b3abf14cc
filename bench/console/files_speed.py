#!/usr/bin/env python3
"""Upload and download speed of the console's files panel (issue 10's goal: >= 100 MB/s each).

Headless Chromium, a live server with its embedded relay and an unattended agent whose files
root is in /dev/shm, all on loopback. An upload is a file made in the page and dropped on the
panel (a DataTransfer, as a user's drag and drop); a download is a file of random bytes in the
root, fetched with the row's button and saved by the browser. Each is timed from the drop or
the click to the transfer row's "done" (the SHA-256 of the whole file checked), and the bytes
on disk are compared with the page's or the source's. Prints MB/s (10^6 bytes/s) per run and
the median over N runs (default 3).

    TSUNAGU_BIN_DIR=/tmp/release-build/release python3 bench/console/files_speed.py [--mib 128] [--runs 3]
"""

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Tests", "ConsoleTests", "browser"))
from tsunagu_stack import Stack, browser, wait_until, wait_value  # noqa: E402

from selenium.webdriver.common.by import By  # noqa: E402

# A file of deterministic bytes made in the page (outside the timing), its SHA-256, a drop.
PAGE = r"""
window.makeFile = (name, size, seed) => {
  const bytes = new Uint8Array(size);
  const words = new Uint32Array(bytes.buffer);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; words[i] = x; }
  return new File([bytes], name, { type: 'application/octet-stream' });
};
window.sha256Hex = async (blob) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())), (b) => b.toString(16).padStart(2, '0')).join('');
window.dropFiles = (target, files) => {
  const dt = new DataTransfer();
  for (const f of files) dt.items.add(f);
  for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
};
"""


def wait(driver, condition, timeout=60):
    return wait_value(lambda: condition(driver), timeout, "the page")


def row(driver, name):
    return driver.execute_script(
        "const r = [...document.querySelectorAll('#files-transfers .transfer')].find((r) => r.dataset.name === arguments[0]);"
        "return r ? { state: r.dataset.state, sha: r.dataset.sha256 || '' } : null;", name)


def finished(driver, name):
    state = row(driver, name)
    return state if state and state["state"] in ("done", "failed", "cancelled") else None


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=128)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    size = args.mib << 20
    stack = Stack("files-bench")
    root = tempfile.mkdtemp(prefix="tsunagu-files-speed-", dir="/dev/shm")
    downloads = tempfile.mkdtemp(prefix="tsunagu-files-saved-", dir="/dev/shm")
    driver = None
    up, down = [], []
    try:
        stack.start_server()
        stack.company("BENCH")
        display = stack.desktop()
        token = stack.enroll_token("BENCH")
        stack.start(
            [os.path.join(stack.bins, "tsunagu-agent"), "run", "--server", stack.base, "--company", "BENCH",
             "--name", "bench-pc", "--enroll-token", token, "--display", display, "--mode", "unattended",
             "--state-dir", os.path.join(stack.dir, "agent-state"), "--files-root", root, "--password-stdin"],
            "agent.log", env={"DISPLAY": display}, stdin="pc-password\n")
        api = stack.login_token("BENCH")
        wait_until(lambda: any(d["online"] for d in stack.http("GET", "/api/v1/devices", token=api)[1]), 30, "agent online")
        source = os.path.join(root, "download.bin")
        with open(source, "wb") as f:
            for _ in range(args.mib):
                f.write(os.urandom(1 << 20))
        expected_download = sha256(source)

        driver = browser(1440, 900)
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
        driver.set_script_timeout(300)
        driver.get(stack.base + "/")
        wait(driver, lambda d: d.find_element(By.ID, "login-company"))
        driver.find_element(By.ID, "login-company").send_keys("BENCH")
        driver.find_element(By.ID, "login-login").send_keys("admin")
        driver.find_element(By.ID, "login-password").send_keys("admin-password\n")
        wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, 'button[data-files-device="bench-pc"]').is_enabled())
        driver.find_element(By.CSS_SELECTOR, 'button[data-files-device="bench-pc"]').click()
        wait(driver, lambda d: d.find_element(By.ID, "connect-password").is_displayed())
        driver.find_element(By.ID, "connect-password").send_keys("pc-password")
        driver.find_element(By.ID, "connect-submit").click()
        wait(driver, lambda d: d.find_element(By.ID, "viewer").get_attribute("data-panel") == "files"
             and d.find_element(By.ID, "viewer").get_attribute("data-state") == "connected")
        driver.execute_script(PAGE)
        wait(driver, lambda d: d.execute_script("return document.querySelector(`#files-table tr[data-name='${arguments[0]}']`)", root))
        driver.execute_script("document.querySelector(`#files-table tr[data-name='${arguments[0]}'] button`).click()", root)
        wait(driver, lambda d: d.execute_script("const p = document.getElementById('viewer-panel-files'); return p.dataset.folder === arguments[0] && p.dataset.listing === 'ready'", root))

        for run in range(args.runs):
            name = f"upload-{run}.bin"
            expected = driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "window.benchFile = window.makeFile(arguments[0], arguments[1], arguments[2] + 1);"
                "window.sha256Hex(window.benchFile).then(done);", name, size, run)
            start = time.perf_counter()
            driver.execute_script("window.dropFiles(document.getElementById('viewer-panel-files'), [window.benchFile]);")
            state = wait(driver, lambda d: finished(d, name), 300)
            seconds = time.perf_counter() - start
            ok = state["state"] == "done" and sha256(os.path.join(root, name)) == expected
            up.append(size / seconds / 1e6)
            print(f"upload   {run + 1}: {up[-1]:7.1f} MB/s ({seconds:.2f} s){'' if ok else '  HASH OR STATE WRONG: ' + str(state)}", flush=True)
            os.remove(os.path.join(root, name))

            rows = "return [...document.querySelectorAll('#files-transfers .transfer')].filter((r) => r.dataset.name === 'download.bin').map((r) => r.dataset.state)"
            before = len(driver.execute_script(rows))
            start = time.perf_counter()
            driver.execute_script("document.querySelector('#files-table tr[data-name=\"download.bin\"] .files__download').click()")
            saved = os.path.join(downloads, "download.bin")
            # Every row of this name is over, one more than before: the new download's "done"
            # comes once every byte arrived and the hash matched; the save to disk follows.
            wait(driver, lambda d: (states := d.execute_script(rows)) and len(states) == before + 1
                 and all(state in ("done", "failed", "cancelled") for state in states), 300)
            seconds = time.perf_counter() - start
            try:
                wait_until(lambda: os.path.exists(saved) and not os.path.exists(saved + ".crdownload") and os.path.getsize(saved) == size, 60, "saved")
            except TimeoutError:
                sys.exit(f"the browser did not save the download: rows {driver.execute_script(rows)}, folder {os.listdir(downloads)}")
            ok = sha256(saved) == expected_download
            down.append(size / seconds / 1e6)
            print(f"download {run + 1}: {down[-1]:7.1f} MB/s ({seconds:.2f} s){'' if ok else '  HASH WRONG'}", flush=True)
            os.remove(saved)
    finally:
        if driver:
            driver.quit()
        stack.close()
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(downloads, ignore_errors=True)
    print()
    for name, values in (("upload", up), ("download", down)):
        median = statistics.median(values)
        print(f"browser {name} of {args.mib} MiB through the embedded relay: median {median:.1f} MB/s over {len(values)} runs "
              f"(goal >= 100: {'met' if median >= 100 else 'NOT met'})")


if __name__ == "__main__":
    main()
