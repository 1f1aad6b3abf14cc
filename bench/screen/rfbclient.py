"""A minimal measuring RFB 3.8 client (security None) for the screen benchmark.

It parses FramebufferUpdate framing for Raw, CopyRect, Tight (fill, JPEG, basic with
copy/palette/gradient filters and compact lengths), Cursor, DesktopSize, LastRect and
ExtendedDesktopSize -- only far enough to know where each rectangle ends: pixels are
skipped, never decoded. Each complete update is recorded with its arrival time, its size
in bytes and its rectangles; the next incremental FramebufferUpdateRequest (whole screen)
is sent as soon as an update completes, like a viewer that does not use Continuous
Updates. Server fences are answered the way noVNC answers them.
"""

import socket
import struct
import threading
import time

# Encodings, in the order noVNC 1.3 lists the ones this benchmark asks for.
ENC_RAW, ENC_COPYRECT, ENC_TIGHT = 0, 1, 7
ENC_QUALITY_6, ENC_COMPRESS_2 = -26, -254
ENC_CURSOR, ENC_DESKTOPSIZE, ENC_LASTRECT = -239, -223, -224
ENC_EXT_DESKTOPSIZE, ENC_FENCE, ENC_CONTINUOUS = -308, -312, -313
NOVNC_DEFAULT_ENCODINGS = [
    ENC_TIGHT, ENC_COPYRECT, ENC_RAW, ENC_QUALITY_6, ENC_COMPRESS_2,
    ENC_CURSOR, ENC_DESKTOPSIZE, ENC_LASTRECT, ENC_EXT_DESKTOPSIZE, ENC_FENCE, ENC_CONTINUOUS,
]
PIXEL_ENCODINGS = {ENC_RAW, ENC_COPYRECT, ENC_TIGHT}

FENCE_BLOCK_BEFORE, FENCE_BLOCK_AFTER, FENCE_REQUEST = 1 << 0, 1 << 1, 1 << 31


def jpeg_quant_sum(data):
    """Sum of the first (luma) quantisation table of a baseline JPEG; 64 means q100."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            break
        marker, ln = data[i + 1], (data[i + 2] << 8) | data[i + 3]
        if marker == 0xDB:
            pq = data[i + 4] >> 4
            if pq == 0:
                return sum(data[i + 5:i + 69])
            return sum((data[i + 5 + 2 * k] << 8) | data[i + 6 + 2 * k] for k in range(64))
        if marker == 0xDA:
            break
        i += 2 + ln
    return 1 << 30      # unknown: treat as the coarsest


class ProtocolError(Exception):
    pass


class Update:
    """One complete FramebufferUpdate as it arrived."""
    __slots__ = ("t_first", "t_end", "nbytes", "rects")

    def __init__(self, t_first, t_end, nbytes, rects):
        self.t_first = t_first      # monotonic time the header arrived
        self.t_end = t_end          # monotonic time the last rectangle was complete
        self.nbytes = nbytes        # bytes on the wire, header included
        # [(x, y, w, h, encoding, t_complete, jpeg, kind)]; jpeg is None for lossless
        # pixels, else the sum of the JPEG's luma quantisation table (smaller = finer);
        # kind: raw, copyrect, fill, jpeg, zlib, palette, gradient or pseudo.
        self.rects = rects

    @property
    def pixel_rects(self):
        return [r for r in self.rects if r[4] in PIXEL_ENCODINGS]


class _Reader:
    """Buffered exact reads from a socket; counts bytes consumed."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()
        self.pos = 0
        self.consumed = 0

    def _fill(self, need):
        while len(self.buf) - self.pos < need:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError("server closed the connection")
            if self.pos:
                del self.buf[:self.pos]
                self.pos = 0
            self.buf += chunk

    def read(self, n):
        self._fill(n)
        out = bytes(self.buf[self.pos:self.pos + n])
        self.pos += n
        self.consumed += n
        return out

    def skip(self, n):
        # Skip without copying more than needed; large skips drain the buffer first.
        avail = len(self.buf) - self.pos
        if n <= avail:
            self.pos += n
        else:
            n_left = n - avail
            self.buf.clear()
            self.pos = 0
            while n_left > 0:
                chunk = self.sock.recv(min(n_left, 1 << 20))
                if not chunk:
                    raise EOFError("server closed the connection")
                n_left -= len(chunk)
        self.consumed += n

    def u8(self):
        return self.read(1)[0]

    def unpack(self, fmt):
        return struct.unpack(fmt, self.read(struct.calcsize(fmt)))


class RFBClient:
    def __init__(self, host, port, encodings=NOVNC_DEFAULT_ENCODINGS, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.r = _Reader(self.sock)
        self.send_lock = threading.Lock()
        self.updates = []               # list of Update, appended by the reader thread
        self.cond = threading.Condition()
        self.error = None
        self.closed = False
        self.fences_answered = 0
        self.other_messages = {}
        self._handshake(encodings)
        self.sock.settimeout(None)
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    # -- handshake -----------------------------------------------------------------------
    def _handshake(self, encodings):
        version = self.r.read(12)
        if not version.startswith(b"RFB 003."):
            raise ProtocolError(f"not an RFB server: {version!r}")
        self.sock.sendall(b"RFB 003.008\n")
        n = self.r.u8()
        if n == 0:
            (ln,) = self.r.unpack(">I")
            raise ProtocolError("refused: " + self.r.read(ln).decode(errors="replace"))
        types = self.r.read(n)
        if 1 not in types:
            raise ProtocolError(f"security None not offered (offered {list(types)})")
        self.sock.sendall(b"\x01")
        (result,) = self.r.unpack(">I")
        if result != 0:
            raise ProtocolError("security handshake failed")
        self.sock.sendall(b"\x01")  # ClientInit, shared
        self.width, self.height = self.r.unpack(">HH")
        self.r.read(16)             # server pixel format: replaced below
        (ln,) = self.r.unpack(">I")
        self.name = self.r.read(ln).decode(errors="replace")
        # noVNC's pixel format: 32 bpp, depth 24, little-endian true colour, RGB at 0/8/16.
        pf = struct.pack(">BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 0, 8, 16)
        msg = b"\x00\x00\x00\x00" + pf
        msg += struct.pack(">BxH", 2, len(encodings)) + b"".join(struct.pack(">i", e) for e in encodings)
        msg += self._fbur(False)
        self.sock.sendall(msg)
        self.r.consumed = 0

    def _fbur(self, incremental):
        return struct.pack(">BBHHHH", 3, 1 if incremental else 0, 0, 0, self.width, self.height)

    # -- sending -------------------------------------------------------------------------
    def send(self, data):
        with self.send_lock:
            self.sock.sendall(data)

    def key(self, keysym, down):
        self.send(struct.pack(">BBxxI", 4, 1 if down else 0, keysym))

    def pointer(self, x, y, mask=0):
        self.send(struct.pack(">BBHH", 5, mask, x, y))

    def close(self):
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(timeout=5)

    # -- receiving -----------------------------------------------------------------------
    def _loop(self):
        try:
            while True:
                self._message()
        except Exception as e:  # noqa: BLE001 -- reported to the runner
            if not self.closed:
                self.error = e
        finally:
            with self.cond:
                self.cond.notify_all()

    def _message(self):
        r = self.r
        kind = r.u8()
        if kind == 0:
            self._framebuffer_update()
        elif kind == 1:
            _, _, n = r.unpack(">xHH")
            r.skip(6 * n)
        elif kind == 2:
            pass
        elif kind == 3:
            (ln,) = r.unpack(">3xi")
            r.skip(abs(ln))
        elif kind == 150:               # EndOfContinuousUpdates: nothing to read
            self.other_messages[150] = self.other_messages.get(150, 0) + 1
        elif kind == 248:               # ServerFence
            flags, ln = r.unpack(">3xIB")
            payload = r.read(ln)
            if flags & FENCE_REQUEST:
                answer = flags & (FENCE_BLOCK_BEFORE | FENCE_BLOCK_AFTER)
                self.send(struct.pack(">B3xIB", 248, answer, len(payload)) + payload)
                self.fences_answered += 1
        else:
            raise ProtocolError(f"unknown server message type {kind}")

    def _compact_length(self):
        b = self.r.u8()
        n = b & 0x7F
        if b & 0x80:
            b = self.r.u8()
            n |= (b & 0x7F) << 7
            if b & 0x80:
                n |= self.r.u8() << 14
        return n

    def _tight(self, w, h):
        r = self.r
        ctl = r.u8()
        kind = ctl >> 4
        tpixel = 3                       # 32 bpp, depth 24, 8-bit channels
        if kind == 0x8:                  # fill
            r.skip(tpixel)
            self._kind = "fill"
            return None
        if kind == 0x9:                  # JPEG: read only to learn its quantisation
            self._kind = "jpeg"
            return jpeg_quant_sum(r.read(self._compact_length()))
        if kind > 0x9:
            raise ProtocolError(f"Tight compression control {ctl:#x} not requested")
        filt = 0
        if ctl & 0x40:
            filt = r.u8()
        self._kind = ("zlib", "palette", "gradient", "?")[min(filt, 3)]
        if filt == 0:                    # copy
            size = w * h * tpixel
        elif filt == 1:                  # palette
            ncolours = r.u8() + 1
            r.skip(ncolours * tpixel)
            size = ((w + 7) // 8) * h if ncolours == 2 else w * h
        elif filt == 2:                  # gradient
            size = w * h * tpixel
        else:
            raise ProtocolError(f"unknown Tight filter {filt}")
        if size < 12:
            r.skip(size)
        else:
            r.skip(self._compact_length())
        return None

    def _framebuffer_update(self):
        r = self.r
        start = r.consumed - 1
        t_first = time.monotonic()
        (n,) = r.unpack(">xH")
        rects = []
        i = 0
        while n == 0xFFFF or i < n:
            i += 1
            x, y, w, h, enc = r.unpack(">HHHHi")
            if enc == ENC_LASTRECT:
                break
            jpeg = None
            self._kind = {ENC_RAW: "raw", ENC_COPYRECT: "copyrect"}.get(enc, "pseudo")
            if enc == ENC_RAW:
                r.skip(w * h * 4)
            elif enc == ENC_COPYRECT:
                r.skip(4)
            elif enc == ENC_TIGHT:
                jpeg = self._tight(w, h)
            elif enc == ENC_CURSOR:
                r.skip(w * h * 4 + ((w + 7) // 8) * h)
            elif enc == ENC_DESKTOPSIZE:
                self.width, self.height = w, h
            elif enc == ENC_EXT_DESKTOPSIZE:
                (screens,) = r.unpack(">B3x")
                r.skip(16 * screens)
                if x == 0:
                    self.width, self.height = w, h
            else:
                raise ProtocolError(f"unexpected encoding {enc}")
            rects.append((x, y, w, h, enc, time.monotonic(), jpeg, self._kind))
        t_end = time.monotonic()
        # Ask for the next one at once: plain incremental requests, whole screen.
        self.send(self._fbur(True))
        update = Update(t_first, t_end, r.consumed - start, rects)
        with self.cond:
            self.updates.append(update)
            self.cond.notify_all()

    # -- waiting -------------------------------------------------------------------------
    def wait_for(self, predicate, since_index, deadline):
        """Waits for an update at index >= since_index satisfying predicate(update);
        returns (update, index) or (None, len) at the monotonic deadline."""
        i = since_index
        with self.cond:
            while True:
                while i < len(self.updates):
                    u = self.updates[i]
                    if predicate(u):
                        return u, i
                    i += 1
                if self.error is not None:
                    raise self.error
                left = deadline - time.monotonic()
                if left <= 0:
                    return None, i
                self.cond.wait(left)
