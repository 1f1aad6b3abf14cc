"""Watches a screen through a local VNC port while a file copy runs: types into the xterm
every 200 ms (so the screen changes) and records when each FramebufferUpdate arrives.

usage: screen_during_copy.py PORT FLAG-FILE
Runs until FLAG-FILE says "done"; then prints, as one JSON line, the number of updates and
the longest gap between updates while the copy ran ("copying" in FLAG-FILE)."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "bench", "screen"))
from rfbclient import RFBClient  # noqa: E402

port, flag = int(sys.argv[1]), sys.argv[2]
client = RFBClient("127.0.0.1", port, timeout=30)


def state():
    try:
        with open(flag) as f:
            return f.read().strip()
    except OSError:
        return ""


# The pointer over the xterm: with no window manager the keyboard focus follows it, and keys
# typed with the pointer elsewhere change nothing on the screen.
client.pointer(120, 100)
print("connected", flush=True)
start = None
arrivals = []
while True:
    now_state = state()
    if now_state == "copying" and start is None:
        start = time.monotonic()
        seen = len(client.updates)
    if now_state == "done":
        break
    client.key(0x61, True)
    client.key(0x61, False)
    time.sleep(0.2)
end = time.monotonic()
times = [u.t_end for u in client.updates[seen:]] if start is not None else []
gaps = [b - a for a, b in zip([start] + times, times + [end])] if start is not None else []
print(json.dumps({"updates": len(times), "longestGap": max(gaps) if gaps else None,
                  "seconds": end - start if start else 0, "error": str(client.error) if client.error else None}),
      flush=True)
client.close()
