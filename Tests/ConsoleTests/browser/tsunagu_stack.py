"""A real Tsunagu set-up for the browser tests and the console benchmark.

Starts `tsunagu-server serve` on a free port with a fresh data directory, creates
companies, operators and enrollment tokens with the admin commands, starts Xvfb desktops
(an xterm, optionally a clock) and `tsunagu-agent run` on them, and drives headless
Chromium through selenium. Every process is stopped by its own pid in `close()`.
"""

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def bin_dir():
    """Where the built executables are: TSUNAGU_BIN_DIR, else .build/debug."""
    env = os.environ.get("TSUNAGU_BIN_DIR")
    if env:
        return env
    return os.path.join(REPO, ".build", "debug")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_display():
    while True:
        n = random.randint(60000, 64000)
        if not os.path.exists(f"/tmp/.X{n}-lock") and not os.path.exists(f"/tmp/.X11-unix/X{n}"):
            return f":{n}"


class Stack:
    """Server, desktops and agents for one test run."""

    def __init__(self, name="console"):
        self.dir = tempfile.mkdtemp(prefix=f"tsunagu-{name}-")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.bins = bin_dir()
        self.procs = []

    # -- processes -----------------------------------------------------------------------
    def start(self, args, log, env=None, stdin=None):
        out = open(os.path.join(self.dir, log), "ab")
        full_env = dict(os.environ)
        full_env.update(env or {})
        p = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.PIPE, env=full_env, start_new_session=True)
        if stdin is not None:
            p.stdin.write(stdin.encode())
        p.stdin.close()
        self.procs.append(p)
        return p

    def stop(self, p):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(3)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(3)

    def close(self, keep=False):
        for p in reversed(self.procs):
            self.stop(p)
        self.procs = []
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def log(self, name):
        try:
            with open(os.path.join(self.dir, name), encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # -- server --------------------------------------------------------------------------
    def start_server(self):
        server = os.path.join(self.bins, "tsunagu-server")
        self.server = self.start(
            [server, "serve", "--data-dir", self.data, "--listen", f"127.0.0.1:{self.port}",
             "--public-dir", os.path.join(REPO, "Public")],
            "server.log")
        wait_until(lambda: self.http("GET", "/readyz")[0] == 200, 60, "server ready")

    def admin(self, args, stdin=None):
        server = os.path.join(self.bins, "tsunagu-server")
        r = subprocess.run([server, *args, "--data-dir", self.data], input=(stdin or "").encode(), capture_output=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"admin {args}: {r.stdout.decode()} {r.stderr.decode()}")
        return r.stdout.decode()

    def company(self, cid, admin_password="admin-password", seats=3):
        self.admin(["tenant", "create", "--company", cid, "--name", f"{cid} Co.", "--seats", str(seats)])
        self.admin(["operator", "create", "--company", cid, "--login", "admin", "--role", "admin", "--password-stdin"], stdin=admin_password)

    def enroll_token(self, cid):
        out = self.admin(["enroll-token", "create", "--company", cid])
        lines = [line.strip() for line in out.splitlines() if line.strip()]
        if not lines:
            raise RuntimeError("enroll-token create printed nothing")
        return lines[-1]

    def http(self, method, path, body=None, token=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("content-type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                raw = r.read()
                return r.status, (json.loads(raw) if raw and r.headers.get_content_subtype() == "json" else raw), r.headers
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw), e.headers
            except ValueError:
                return e.code, raw, e.headers
        except (urllib.error.URLError, ConnectionError, OSError):
            return 0, None, {}

    def login_token(self, cid, login="admin", password="admin-password"):
        status, body, _ = self.http("POST", "/api/v1/auth/login", {"company": cid, "login": login, "password": password})
        assert status == 200, (status, body)
        return body["token"]

    # -- desktops and agents -------------------------------------------------------------
    def desktop(self, clock=False, size="1280x800"):
        display = free_display()
        self.start(["Xvfb", display, "-screen", "0", f"{size}x24", "-nolisten", "tcp"], f"xvfb{display}.log")
        # The socket file appears at bind, before the server accepts: ask it instead.
        wait_until(lambda: subprocess.run(["xdpyinfo"], env={**os.environ, "DISPLAY": display},
                                          capture_output=True).returncode == 0, 15, "Xvfb")
        env = {"DISPLAY": display}
        self.start(["xterm", "-geometry", "80x24+10+10", "-fa", "Monospace", "-fs", "11"], f"xterm{display}.log", env=env)
        if clock:
            self.start(["xclock", "-geometry", "160x160-20+20", "-update", "1"], f"xclock{display}.log", env=env)
        time.sleep(0.5)
        return display

    def agent(self, cid, name, display, password="pc-password", mode="unattended", token=None):
        token = token or self.enroll_token(cid)
        agent = os.path.join(self.bins, "tsunagu-agent")
        state = os.path.join(self.dir, f"agent-{name}")
        return self.start(
            [agent, "run", "--server", self.base, "--company", cid, "--name", name,
             "--enroll-token", token, "--display", display, "--mode", mode,
             "--state-dir", state, "--password-stdin"],
            f"agent-{name}.log", env={"DISPLAY": display}, stdin=password + "\n")


def wait_value(condition, timeout, what, interval=0.01):
    """The first truthy value `condition()` gives within `timeout` seconds (errors retried)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception:  # noqa: BLE001 - retried until the deadline
            pass
        time.sleep(interval)
    raise TimeoutError(f"timed out waiting for {what}")


def wait_until(condition, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if condition():
                return
        except Exception:  # noqa: BLE001 - retried until the deadline
            pass
        time.sleep(0.1)
    raise TimeoutError(f"timed out waiting for {what}")


def browser(width=1440, height=900, lang="en-US"):
    """Headless Chromium with a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={width},{height}", f"--lang={lang}", "--hide-scrollbars"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_window_size(width, height)
    return driver
