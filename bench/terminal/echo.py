"""Measures how long a keystroke takes to come back as the remote terminal's echo.

usage: echo.py [--first-line TEXT] [--count N] -- COMMAND...
Starts COMMAND (a client whose remote side runs `cat` on a pseudo-terminal: the PTY echoes
each byte it gets), writes TEXT and a newline first if given (a password line), waits until a
probe byte comes back, then types COUNT letters one at a time, each after the previous one's
echo, 20 ms apart, and prints one JSON line: p50, p90 and max in milliseconds."""

import json
import os
import select
import statistics
import subprocess
import sys
import time

args = sys.argv[1:]
first_line, count = None, 200
while args and args[0] != "--":
    if args[0] == "--first-line":
        first_line, args = args[1], args[2:]
    elif args[0] == "--count":
        count, args = int(args[1]), args[2:]
    else:
        sys.exit(f"unknown option {args[0]}")
command = args[1:]

proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL, bufsize=0)
out = proc.stdout.fileno()


def wait_for(byte, timeout):
    """Reads until `byte` arrives; True if it did within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([out], [], [], left)
        if not ready:
            return False
        data = os.read(out, 65536)
        if not data:
            sys.exit("the client ended before its echo")
        if byte in data:
            return True


if first_line is not None:
    proc.stdin.write(first_line.encode() + b"\n")
# Ready once a probe comes back (the session is set up, `cat` runs).
for _ in range(60):
    proc.stdin.write(b"~")
    if wait_for(b"~", 0.5):
        break
else:
    sys.exit("no echo within 30 s")
time.sleep(0.2)
while select.select([out], [], [], 0)[0]:
    os.read(out, 65536)

samples = []
letters = b"abcdefghijklmnopqrstuvwxyz"
for i in range(count):
    byte = letters[i % 26:i % 26 + 1]
    start = time.perf_counter()
    proc.stdin.write(byte)
    if not wait_for(byte, 5):
        sys.exit(f"keystroke {i} was not echoed within 5 s")
    samples.append((time.perf_counter() - start) * 1000)
    time.sleep(0.02)
proc.stdin.close()
proc.kill()
samples.sort()
print(json.dumps({"p50": statistics.median(samples), "p90": samples[int(len(samples) * 0.9)],
                  "max": samples[-1], "count": len(samples)}))
