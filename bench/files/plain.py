"""The plain sender and receiver of the files benchmark: bytes of a file over one TCP
connection, 1 MiB at a time, written to a file at the other end (no framing, no hash).

usage: plain.py send PORT FILE | plain.py receive PORT FILE"""

import socket
import sys

CHUNK = 1 << 20
mode, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if mode == "send":
    with socket.create_connection(("127.0.0.1", port)) as s, open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            s.sendall(chunk)
        s.shutdown(socket.SHUT_WR)
        s.recv(1)
else:
    with socket.create_server(("127.0.0.1", port)) as server:
        conn, _ = server.accept()
        with conn, open(path, "wb") as f:
            buffer = bytearray(CHUNK)
            view = memoryview(buffer)
            while n := conn.recv_into(view):
                f.write(view[:n])
