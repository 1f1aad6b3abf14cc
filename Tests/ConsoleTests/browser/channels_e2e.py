#!/usr/bin/env python3
"""The console's files and terminal panels in a real browser (headless Chromium + selenium).

Part 1, without an agent: the pure codecs (terminal, files, incremental SHA-256 against
crypto.subtle) checked inside the page; xterm.js served from its folder under the strict
CSP; the files and terminal panels driven against scripted agents (codec-level peers in the
page): windowed upload with late acks, download with hash check, drag and drop with a
DataTransfer built in the page, cancel, reattach by token, exit status.

Part 2, live: an agent on Xvfb with a files root. A files-only session from the device list:
the roots, a Japanese folder, an upload by drag and drop and a download at the same time
(hashes compared with the files on disk, progress bar seen), a cancelled upload. Then the
terminal panel: a command's output read back from xterm.js's buffer, `stty size` equal to
the panel's size, a dropped connection reattached to the same shell, the exit status.

Exit status 0 when every check passed; each check prints one line. A missing agent service
fails its checks (the agent refuses the channel); nothing is skipped.
"""

import base64
import hashlib
import os
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tsunagu_stack import REPO, Stack, browser, wait_until  # noqa: E402

from selenium.webdriver.common.by import By  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ARTIFACTS = os.path.join(REPO, ".test-artifacts", "console-channels")
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


def attempt(name, action):
    """Runs one group of checks; an exception fails it by name and the run goes on."""
    try:
        action()
    except Exception:  # noqa: BLE001 - reported as a failure
        traceback.print_exc()
        check(name, False, "exception (see above)")


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


def js(driver, body, *args):
    """Runs `body` as an async function of `args` in the page; returns its value or raises."""
    script = (
        "const done = arguments[arguments.length - 1];"
        "const args = Array.from(arguments).slice(0, -1);"
        f"(async (...args) => {{ {body} }})(...args).then((v) => done({{ ok: v === undefined ? null : v }}), (e) => done({{ error: String(e && e.stack || e) }}));"
    )
    result = driver.execute_async_script(script, *args)
    if "error" in result:
        raise RuntimeError(result["error"])
    return result["ok"]


def define(driver, filename, name):
    """Defines the function `name` of a script in this folder on `window`."""
    with open(os.path.join(HERE, filename), encoding="utf-8") as f:
        source = f.read()
    driver.execute_script(source + f"\nwindow.{name} = {name};")


def log_in(driver, base, company, login, password):
    driver.get(base + "/")
    wait(driver, lambda d: visible(d, "login-company"), what="login form")
    for element_id, value in (("login-company", company), ("login-login", login), ("login-password", password)):
        field = by_id(driver, element_id)
        field.clear()
        field.send_keys(value)
    by_id(driver, "login-submit").click()


# Page helpers: files made in the page (deterministic bytes), dropped on an element with a
# DataTransfer, their SHA-256 by crypto.subtle; a watcher that notes a progress bar seen
# part-filled while its transfer runs.
PAGE_HELPERS = r"""
window.makeFile = (name, size, seed) => {
  const bytes = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; bytes[i] = x & 0xff; }
  return new File([bytes], name, { type: 'application/octet-stream', lastModified: 1764700000000 });
};
window.sha256Hex = async (blob) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())), (b) => b.toString(16).padStart(2, '0')).join('');
window.dropFiles = (target, fileList) => {
  const dt = new DataTransfer();
  for (const f of fileList) dt.items.add(f);
  for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
};
window.progressSeen = new Set();
window.watchProgress = (root) => {
  const note = () => {
    for (const row of root.querySelectorAll('.transfer')) {
      const bar = row.querySelector('progress');
      if (bar && row.dataset.state === 'running' && bar.value > 0 && bar.value < bar.max) window.progressSeen.add(row.dataset.name);
    }
  };
  new MutationObserver(note).observe(root, { subtree: true, attributes: true, childList: true });
};
"""


def row_state(driver, name):
    return driver.execute_script(
        "const r = [...document.querySelectorAll('#files-transfers .transfer')].find((r) => r.dataset.name === arguments[0]);"
        "return r ? { state: r.dataset.state, sha: r.dataset.sha256 || '', error: r.dataset.error || '', text: r.textContent } : null;",
        name,
    )


def wait_rows(driver, names, timeout, what):
    def all_over(d):
        states = [row_state(d, n) for n in names]
        return states if all(s and s["state"] in ("done", "failed", "cancelled", "skipped") for s in states) else None

    return wait(driver, all_over, timeout, what)


def terminal_text(driver, panel="viewer-panel-terminal"):
    return "\n".join(driver.execute_script(f"return document.getElementById('{panel}').readTerminal();") or [])


def type_in_terminal(driver, text):
    area = driver.find_element(By.CSS_SELECTOR, "#terminal-screen textarea")
    area.send_keys(text)


# ---------------------------------------------------------------------------------------
def part_one(driver, stack):
    """Codecs and panels against scripted agents: no agent service needed."""
    status, body, headers = stack.http("GET", "/xterm/xterm.mjs")
    csp = headers.get("Content-Security-Policy", "") if headers else ""
    check("xterm.js served as JavaScript with the strict CSP", status == 200 and headers.get("Content-Type", "").startswith("text/javascript") and "unsafe-inline" not in csp and b"Terminal" in body, f"{status}")
    status, _, headers = stack.http("GET", "/xterm/xterm.css")
    check("xterm.css served", status == 200 and headers.get("Content-Type", "").startswith("text/css"), f"{status}")
    status, _, _ = stack.http("GET", "/xterm/..%2f..%2fetc/passwd")
    check("no path traversal under /xterm", status == 404, f"{status}")

    define(driver, "codec_checks.js", "codecChecks")
    result = js(driver, "return await window.codecChecks((p) => import(p));")
    for name in result["passed"]:
        check(f"codec: {name}", True)
    for line in result["failed"]:
        check(f"codec: {line}", False, line)
    check("codec checks ran", len(result["passed"]) >= 25, str(len(result["passed"])))

    define(driver, "scripted_agents.js", "installScriptedAgents")
    driver.execute_script(PAGE_HELPERS)
    js(driver, "await window.installScriptedAgents((p) => import(p));")

    # Files panel against the scripted agent.
    js(driver, """
      const { FilesPanel } = await import('/console/js/viewer/files-panel.js');
      const agent = window.scripted.filesAgent;
      agent.put('/srv/共有/ダウンロード.bin', new Uint8Array(await window.makeFile('x', 6 << 20, 7).arrayBuffer()));
      agent.tree.set('/srv/共有/書類', { kind: 'folder' });
      const { ctx, events } = window.scripted.context('files');
      const panel = FilesPanel({ primary: false, ctx });
      const host = document.createElement('div');
      host.className = 'viewer';
      host.id = 'scripted-files';
      host.append(panel.tools, panel.el);
      document.body.append(host);
      panel.el.hidden = false;
      panel.activate();
      window.scriptedFiles = { panel, events };
      window.watchProgress(panel.el);
    """)
    wait(driver, lambda d: d.execute_script("return document.querySelector('#files-table tr[data-name=\"/srv/共有\"]')"), 10, "scripted roots")
    check("files panel lists the roots first", True)
    driver.find_element(By.CSS_SELECTOR, '#files-table tr[data-name="/srv/共有"] button').click()
    wait(driver, lambda d: d.execute_script("return document.getElementById('viewer-panel-files').dataset.folder") == "/srv/共有", 10, "into the root")
    names = driver.execute_script("return [...document.querySelectorAll('#files-table tbody tr')].map((r) => r.dataset.name)")
    check("folder listing over two entries frames, folders first", names == ["書類", "ダウンロード.bin"], str(names))

    js(driver, """
      const big = window.makeFile('大きいファイル.bin', 40 << 20, 11);
      const small = window.makeFile('メモ.txt', 12345, 5);
      window.scriptedHashes = { big: await window.sha256Hex(big), small: await window.sha256Hex(small) };
      window.dropFiles(document.getElementById('viewer-panel-files'), [big, small]);
      document.querySelector('#files-table tr[data-name="ダウンロード.bin"] .files__download').click();
    """)
    states = wait_rows(driver, ["大きいファイル.bin", "メモ.txt", "ダウンロード.bin"], 60, "scripted transfers")
    check("scripted: two uploads and a download at once all finish", all(s["state"] == "done" for s in states), str(states))
    stored = js(driver, """
      const agent = window.scripted.filesAgent;
      const hashOf = async (bytes) => window.sha256Hex(new Blob([bytes]));
      return { big: await hashOf(agent.tree.get('/srv/共有/大きいファイル.bin').bytes), small: await hashOf(agent.tree.get('/srv/共有/メモ.txt').bytes),
               maxUnacked: agent.maxUnacked, acks: agent.acks, download: await hashOf(agent.tree.get('/srv/共有/ダウンロード.bin').bytes),
               downloadDone: [...agent.downloads.values()].length };
    """)
    hashes = driver.execute_script("return window.scriptedHashes")
    check("scripted: uploaded bytes arrive intact (Japanese names)", stored["big"] == hashes["big"] == states[0]["sha"] and stored["small"] == hashes["small"] == states[1]["sha"], f"{stored} {hashes} {states}")
    check("scripted: the sender streams ahead of acks but keeps within the 16 MiB window", (4 << 20) < stored["maxUnacked"] <= (16 << 20) and stored["acks"] >= 2, str(stored))
    check("scripted: the download's hash is checked and shown", states[2]["sha"] == stored["download"], f"{states[2]} {stored['download']}")
    check("scripted: a progress bar was seen part-filled", "大きいファイル.bin" in driver.execute_script("return [...window.progressSeen]"))
    listed = driver.execute_script("return [...document.querySelectorAll('#files-table tbody tr')].map((r) => r.dataset.name)")
    check("scripted: the folder is listed again after the upload", "大きいファイル.bin" in listed, str(listed))

    # The file picker.
    picked = os.path.join(stack.dir, "選んだファイル.txt")
    with open(picked, "wb") as f:
        f.write("ピッカーで選んだファイル\n".encode() * 100)
    by_id(driver, "files-picker").send_keys(picked)
    state = wait_rows(driver, ["選んだファイル.txt"], 20, "picker upload")[0]
    with open(picked, "rb") as f:
        picked_hash = hashlib.sha256(f.read()).hexdigest()
    check("scripted: an upload from the file picker", state["state"] == "done" and state["sha"] == picked_hash, str(state))

    # Cancel a running upload.
    js(driver, "window.dropFiles(document.getElementById('viewer-panel-files'), [window.makeFile('取り消し.bin', 64 << 20, 3)]);")
    wait(driver, lambda d: (s := row_state(d, "取り消し.bin")) and s["state"] == "running", 20, "cancel row running")
    driver.execute_script("[...document.querySelectorAll('#files-transfers .transfer')].find((r) => r.dataset.name === '取り消し.bin').querySelector('.transfer__cancel').click()")
    state = wait_rows(driver, ["取り消し.bin"], 20, "cancelled")[0]
    told = driver.execute_script("return window.scripted.filesAgent.cancelled || 0")
    check("scripted: cancel stops the upload and tells the agent", state["state"] == "cancelled" and told >= 1, f"{state} {told}")

    # An existing name is not overwritten without asking: refuse-if-exists is the default.
    js(driver, "window.dropFiles(document.getElementById('viewer-panel-files'), [window.makeFile('メモ.txt', 10, 1)]);")
    asked = wait(driver, lambda d: visible(d, "ask-dialog"), 10, "overwrite question")
    check("scripted: an upload over an existing file asks first", asked is not None)
    shot(driver, "scripted-files.png")
    asked.find_element(By.CSS_SELECTOR, "button[value='cancel'], button:not([value='ok'])").click()
    driver.execute_script("document.getElementById('scripted-files').remove()")

    # Terminal panel against the scripted agent.
    js(driver, """
      const { TerminalPanel } = await import('/console/js/viewer/terminal-panel.js');
      const { ctx, events } = window.scripted.context('terminal');
      const panel = TerminalPanel({ primary: false, ctx });
      const host = document.createElement('div');
      host.className = 'viewer';
      host.id = 'scripted-terminal';
      const stage = document.createElement('div');
      stage.className = 'viewer__stage';
      stage.append(panel.el);
      host.append(panel.tools, stage);
      document.body.append(host);
      panel.el.hidden = false;
      panel.activate();
      window.scriptedTerminal = { panel, events };
    """)
    wait(driver, lambda d: by_id(d, "viewer-panel-terminal").get_attribute("data-state") == "open", 15, "scripted terminal open")
    type_in_terminal(driver, "hello 日本\n")
    wait(driver, lambda d: "out:hello 日本" in terminal_text(d), 10, "scripted echo")
    check("scripted terminal: typed input reaches the agent and output shows in xterm.js", True)
    size = driver.execute_script("return document.getElementById('viewer-panel-terminal').terminalSize()")
    agent_size = driver.execute_script("return window.scripted.terminalState.size")
    check("scripted terminal: the agent knows the panel's size", agent_size == f"{size['columns']}x{size['rows']}" and size["columns"] > 80, f"{agent_size} {size}")
    driver.execute_script("document.getElementById('viewer-panel-terminal').dropConnection()")
    wait(driver, lambda d: d.execute_script("return window.scripted.terminalState.attaches") >= 1 and by_id(d, "viewer-panel-terminal").get_attribute("data-state") == "open", 15, "reattached")
    type_in_terminal(driver, "again\n")
    wait(driver, lambda d: "out:again" in terminal_text(d), 10, "echo after reattach")
    opens = driver.execute_script("return window.scripted.terminalState.opens")
    check("scripted terminal: a dropped socket reattaches with the token (no new terminal)", opens == 1, f"opens {opens}")
    type_in_terminal(driver, "exit 3\n")
    wait(driver, lambda d: by_id(d, "viewer-panel-terminal").get_attribute("data-exit-code") == "3", 10, "exit code")
    text = by_id(driver, "terminal-notice-text").text
    check("scripted terminal: the exit status is shown", "3" in text, text)
    shot(driver, "scripted-terminal.png")
    driver.execute_script("document.getElementById('scripted-terminal').remove()")


# ---------------------------------------------------------------------------------------
def part_two(driver, stack, base, root, downloads):
    """The live stack: files-only session, then the terminal panel of the same session."""
    driver.get(base + "/")
    row = wait(driver, lambda d: (r := d.find_elements(By.CSS_SELECTOR, '#device-table tr[data-device="pc-1"]')) and r[0].get_attribute("data-online") == "true" and r[0], 30, "pc-1 online")
    row.find_element(By.CSS_SELECTOR, 'button[data-files-device="pc-1"]').click()
    wait(driver, lambda d: visible(d, "connect-password"), 10, "connect dialog").send_keys("pc-password")
    by_id(driver, "connect-submit").click()
    try:
        wait(driver, lambda d: (v := visible(d, "viewer")) and v.get_attribute("data-state") == "connected" and v.get_attribute("data-panel") == "files", 30, "files session")
        opened = True
    except TimeoutError:
        opened = False
    error = visible(driver, "connect-error")
    check("a files-only session opens from the device list", opened, error.text if error else "no files panel (is the agent's files service there?)")
    if not opened:
        shot(driver, "live-files-failed.png")
        raise RuntimeError("files session did not open")
    driver.execute_script(PAGE_HELPERS)
    driver.execute_script("window.watchProgress(document.getElementById('viewer-panel-files'))")

    wait(driver, lambda d: d.execute_script("return document.querySelector(`#files-table tr[data-name='${arguments[0]}']`)", root), 15, "root listed")
    check("the agent's files root is listed first", True)
    driver.execute_script("document.querySelector(`#files-table tr[data-name='${arguments[0]}'] button`).click()", root)
    wait(driver, lambda d: d.execute_script("return document.getElementById('viewer-panel-files').dataset.folder") == root and d.execute_script("return document.getElementById('viewer-panel-files').dataset.listing") == "ready", 15, "root opened")
    names = driver.execute_script("return [...document.querySelectorAll('#files-table tbody tr')].map((r) => r.dataset.name)")
    check("a Japanese folder and file are listed, folders first", names[:2] == ["書類", "ダウンロード試験.dat"], str(names))
    shot(driver, "live-files.png")

    # Upload two files by drag and drop while a download runs.
    js(driver, """
      const big = window.makeFile('アップロード試験.bin', 48 << 20, 21);
      const small = window.makeFile('メモ 1.txt', 4321, 9);
      window.liveHashes = { big: await window.sha256Hex(big), small: await window.sha256Hex(small) };
      document.querySelector('#files-table tr[data-name="ダウンロード試験.dat"] .files__download').click();
      window.dropFiles(document.getElementById('viewer-panel-files'), [big, small]);
    """)
    states = wait_rows(driver, ["アップロード試験.bin", "メモ 1.txt", "ダウンロード試験.dat"], 120, "live transfers")
    check("two uploads and a download at once all finish", all(s["state"] == "done" for s in states), str(states))
    hashes = driver.execute_script("return window.liveHashes")

    def disk(name):
        try:
            with open(os.path.join(root, name), "rb") as f:
                return hashlib.sha256(f.read()).hexdigest()
        except OSError as error:
            return str(error)

    check("the dropped files are on disk with the same SHA-256", disk("アップロード試験.bin") == hashes["big"] == states[0]["sha"] and disk("メモ 1.txt") == hashes["small"] == states[1]["sha"], f"{disk('アップロード試験.bin')} {hashes} {states[:2]}")
    expected = disk("ダウンロード試験.dat")
    check("the download's SHA-256 equals the file on disk", states[2]["sha"] == expected, f"{states[2]['sha']} {expected}")
    saved = os.path.join(downloads, "ダウンロード試験.dat")
    try:
        wait_until(lambda: os.path.exists(saved) and not os.path.exists(saved + ".crdownload") and os.path.getsize(saved) == 24 << 20, 20, "saved download")
        with open(saved, "rb") as f:
            saved_hash = hashlib.sha256(f.read()).hexdigest()
    except (TimeoutError, OSError) as error:
        saved_hash = str(error)
    check("the browser saved the downloaded file, byte for byte", saved_hash == expected, saved_hash)
    seen = driver.execute_script("return [...window.progressSeen]")
    check("a progress bar was seen part-filled", "アップロード試験.bin" in seen or "ダウンロード試験.dat" in seen, str(seen))
    shot(driver, "live-transfers.png")

    # The file picker.
    picked = os.path.join(stack.dir, "選んだファイル.txt")
    with open(picked, "wb") as f:
        f.write("ピッカーで選んだファイル\n".encode() * 1000)
    by_id(driver, "files-picker").send_keys(picked)
    state = wait_rows(driver, ["選んだファイル.txt"], 20, "picker upload")[0]
    check("an upload from the file picker lands on disk", state["state"] == "done" and disk("選んだファイル.txt") == state["sha"] != "", str(state))

    # Cancel a running upload: no file under the target name.
    js(driver, "window.dropFiles(document.getElementById('viewer-panel-files'), [window.makeFile('取り消し試験.bin', 160 << 20, 4)]);")
    wait(driver, lambda d: (s := row_state(d, "取り消し試験.bin")) and s["state"] == "running" and int(d.execute_script("return [...document.querySelectorAll('#files-transfers .transfer')].find((r) => r.dataset.name === '取り消し試験.bin').dataset.done || 0")) > 0, 30, "cancel row running")
    driver.execute_script("[...document.querySelectorAll('#files-transfers .transfer')].find((r) => r.dataset.name === '取り消し試験.bin').querySelector('.transfer__cancel').click()")
    state = wait_rows(driver, ["取り消し試験.bin"], 20, "cancelled")[0]
    check("cancel stops a running upload; the target file is not created", state["state"] == "cancelled" and not os.path.exists(os.path.join(root, "取り消し試験.bin")), str(state))



def part_two_terminal(driver):
    """The terminal tab of the files-only session."""
    by_id(driver, "viewer-tab-terminal").click()
    try:
        wait(driver, lambda d: by_id(d, "viewer-panel-terminal").get_attribute("data-state") == "open", 30, "terminal open")
        opened = True
    except TimeoutError:
        opened = False
    notice = visible(driver, "terminal-notice-text")
    check("the terminal panel opens a shell", opened, notice.text if notice else by_id(driver, "viewer-panel-terminal").get_attribute("data-state"))
    if not opened:
        shot(driver, "live-terminal-failed.png")
        raise RuntimeError("terminal did not open")
    type_in_terminal(driver, "echo tsunagu-$((6*7)) 日本語\n")
    try:
        wait(driver, lambda d: "tsunagu-42 日本語" in terminal_text(d), 15, "command output")
        ran = True
    except TimeoutError:
        ran = False
    check("a command runs and its output is read back from xterm.js", ran, terminal_text(driver)[-500:])
    size = driver.execute_script("return document.getElementById('viewer-panel-terminal').terminalSize()")
    type_in_terminal(driver, "stty size\n")
    try:
        wait(driver, lambda d: f"{size['rows']} {size['columns']}" in terminal_text(d), 10, "stty size")
        sized = True
    except TimeoutError:
        sized = False
    check("the shell's window size is the panel's", sized, f"{size} {terminal_text(driver)[-300:]}")
    driver.set_window_size(1100, 760)
    wait(driver, lambda d: d.execute_script("return document.getElementById('viewer-panel-terminal').terminalSize()") != size, 10, "refit")
    resized = driver.execute_script("return document.getElementById('viewer-panel-terminal').terminalSize()")
    type_in_terminal(driver, "stty size\n")
    try:
        wait(driver, lambda d: f"{resized['rows']} {resized['columns']}" in terminal_text(d), 10, "stty size after resize")
        followed = True
    except TimeoutError:
        followed = False
    check("resizing the window resizes the remote terminal", followed, f"{resized} {terminal_text(driver)[-300:]}")
    driver.set_window_size(1440, 900)

    type_in_terminal(driver, "export TSUNAGU_MARK=kept-$((40+2))\n")
    time_before = terminal_text(driver)
    attaches = by_id(driver, "viewer-panel-terminal").get_attribute("data-attaches")
    driver.execute_script("document.getElementById('viewer-panel-terminal').dropConnection()")
    # A reattach may be quicker than one look at the state: count the attaches instead.
    wait(driver, lambda d: by_id(d, "viewer-panel-terminal").get_attribute("data-attaches") != attaches, 30, "reattached")
    wait(driver, lambda d: by_id(d, "viewer-panel-terminal").get_attribute("data-state") == "open", 30, "open again")
    type_in_terminal(driver, "echo mark=$TSUNAGU_MARK\n")
    try:
        wait(driver, lambda d: "mark=kept-42" in terminal_text(d), 15, "same shell after reattach")
        same = True
    except TimeoutError:
        same = False
    check("a dropped connection reattaches to the same shell", same, terminal_text(driver)[-400:] or time_before[-200:])
    shot(driver, "live-terminal.png")
    type_in_terminal(driver, "exit 7\n")
    try:
        wait(driver, lambda d: by_id(d, "viewer-panel-terminal").get_attribute("data-exit-code") == "7", 15, "exit status")
        exited = True
    except TimeoutError:
        exited = False
    check("the exit status is shown", exited and "7" in by_id(driver, "terminal-notice-text").text, by_id(driver, "viewer-panel-terminal").get_attribute("data-state"))


def part_two_rest(driver, stack):
    """The screen tab of the files-only session, its log record, a screen session's terminal."""
    by_id(driver, "viewer-tab-screen").click()
    try:
        wait(driver, lambda d: by_id(d, "viewer").get_attribute("data-first-frame-ms"), 30, "screen frame")
        painted = True
    except TimeoutError:
        painted = False
    notice = visible(driver, "screen-notice-text")
    check("the screen tab of a files-only session opens the desktop", painted, notice.text if notice else "")
    shot(driver, "live-screen-tab.png")
    by_id(driver, "viewer-end").click()
    wait(driver, lambda d: not d.find_elements(By.ID, "viewer"), 15, "viewer closed")
    api_token = stack.login_token("ACME")

    def logged():
        status, log, _ = stack.http("GET", "/api/v1/connection-log", token=api_token)
        return [r for r in log if r.get("device") == "pc-1"] if status == 200 else None

    try:
        records = wait(driver, lambda d: logged(), 20, "log record")
    except TimeoutError:
        records = []
    channels = {c["channel"] for c in records[0].get("channels", [])} if len(records) == 1 else set()
    check("the files-only session is one log record holding its files, terminal and desktop channels",
          len(records) == 1 and records[0]["channel"] == "files" and {"files", "terminal", "desktop"} <= channels, str(records)[:600])

    # A screen session's terminal tab: keys typed there reach the shell, not the remote screen.
    driver.find_element(By.CSS_SELECTOR, '#device-table tr[data-device="pc-1"] button[data-device]').click()
    wait(driver, lambda d: visible(d, "connect-password"), 10, "connect dialog").send_keys("pc-password")
    by_id(driver, "connect-submit").click()
    wait(driver, lambda d: (v := visible(d, "viewer")) and v.get_attribute("data-state") == "connected" and v.get_attribute("data-panel") == "screen", 30, "screen session")
    by_id(driver, "viewer-tab-files").click()
    try:
        wait(driver, lambda d: by_id(d, "viewer-panel-files").get_attribute("data-listing") == "ready" and d.find_elements(By.CSS_SELECTOR, "#files-table tbody tr"), 20, "files tab listing")
        listed = True
    except TimeoutError:
        listed = False
    check("a screen session's files tab lists the roots", listed, driver.execute_script(
        "const p = document.getElementById('viewer-panel-files'); return `${p.dataset.state} ${p.dataset.listing} ${document.getElementById('files-notice').textContent}`"))
    by_id(driver, "viewer-tab-terminal").click()
    wait(driver, lambda d: by_id(d, "viewer-panel-terminal").get_attribute("data-state") == "open", 30, "terminal of a screen session")
    type_in_terminal(driver, "echo from-the-$((2*3))-tab\n")
    try:
        wait(driver, lambda d: "from-the-6-tab" in terminal_text(d), 15, "terminal output in a screen session")
        typed = True
    except TimeoutError:
        typed = False
    check("a screen session's terminal tab runs commands", typed, terminal_text(driver)[-300:])
    by_id(driver, "viewer-tab-screen").click()
    check("switching back shows the screen", by_id(driver, "viewer-panel-screen").is_displayed() and not by_id(driver, "viewer-panel-terminal").is_displayed())
    by_id(driver, "viewer-end").click()
    wait(driver, lambda d: not d.find_elements(By.ID, "viewer"), 15, "viewer closed")


def main():
    stack = Stack("channels-e2e")
    driver = None
    downloads = tempfile.mkdtemp(prefix="tsunagu-downloads-")
    root = os.path.join(stack.dir, "共有フォルダー")
    try:
        os.makedirs(os.path.join(root, "書類"))
        with open(os.path.join(root, "ダウンロード試験.dat"), "wb") as f:
            f.write(os.urandom(24 << 20))
        stack.start_server()
        stack.company("ACME")
        driver = browser(1440, 900, "ja-JP")
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
        driver.set_script_timeout(120)
        base = stack.base
        log_in(driver, base, "ACME", "admin", "admin-password")
        wait(driver, lambda d: visible(d, "main"), 20, "signed in")

        attempt("part 1 (codecs and scripted agents)", lambda: part_one(driver, stack))

        display = stack.desktop()
        token = stack.enroll_token("ACME")
        agent = os.path.join(stack.bins, "tsunagu-agent")
        process = stack.start(
            [agent, "run", "--server", stack.base, "--company", "ACME", "--name", "pc-1", "--enroll-token", token,
             "--display", display, "--mode", "unattended", "--state-dir", os.path.join(stack.dir, "agent-pc-1"),
             "--files-root", root, "--password-stdin"],
            # A customer's desktop has a UTF-8 locale; the shell inherits it from the agent.
            "agent-pc-1.log", env={"DISPLAY": display, "LANG": "C.UTF-8"}, stdin="pc-password\n")
        api_token = stack.login_token("ACME")

        def online_or_gone():
            if process.poll() is not None:
                return True
            status, devices, _ = stack.http("GET", "/api/v1/devices", token=api_token)
            return status == 200 and any(d["name"] == "pc-1" and d["online"] for d in devices)

        wait_until(online_or_gone, 30, "agent online or exited")
        if check("the agent runs with a files root (--files-root)", process.poll() is None, stack.log("agent-pc-1.log")[-300:]):
            attempt("part 2 (live files)", lambda: part_two(driver, stack, base, root, downloads))
            attempt("part 2 (live terminal)", lambda: part_two_terminal(driver))
            attempt("part 2 (live screen tab and log)", lambda: part_two_rest(driver, stack))

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
            for name in ("server.log", "agent-pc-1.log"):
                print(f"---- {name} (tail)\n" + stack.log(name)[-4000:])
        stack.close()
    print(f"{'FAILED' if failures else 'OK'}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
