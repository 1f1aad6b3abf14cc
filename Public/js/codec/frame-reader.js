// Reassembles length-prefixed frames (u32 big-endian length of what follows, u8 type,
// payload) from a byte stream that arrives in arbitrary pieces: the relay's WebSocket
// message boundaries mean nothing. Pure: bytes in, frames out, no sockets.

/** Bytes that are not a valid frame; the connection is to be closed. */
export class FrameError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export class FrameReader {
  /** @param {number} maximumFrameSize the largest length field accepted (type and payload) */
  constructor(maximumFrameSize) {
    this.maximumFrameSize = maximumFrameSize;
    /** @type {Uint8Array[]} */
    this.chunks = [];
    /** Bytes already consumed from `chunks[0]`. */
    this.offset = 0;
    this.available = 0;
    this.failed = false;
  }

  /** Adds received bytes (an ArrayBuffer or a Uint8Array; kept, not copied). */
  push(bytes) {
    const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    if (view.length === 0) return;
    this.chunks.push(view);
    this.available += view.length;
  }

  /**
   * The next complete frame, or null until more bytes arrive. Throws `FrameError` for a
   * length of 0 or over the limit, as soon as the header is read; after that it stays failed.
   * @returns {{ type: number, payload: Uint8Array } | null}
   */
  next() {
    if (this.failed) throw new FrameError('failed', 'An earlier frame was invalid.');
    if (this.available < 4) return null;
    const head = this.peek(4);
    const length = ((head[0] << 24) >>> 0) + (head[1] << 16) + (head[2] << 8) + head[3];
    if (length === 0 || length > this.maximumFrameSize) {
      this.failed = true;
      throw new FrameError(length === 0 ? 'empty_frame' : 'frame_too_large', `Frame length ${length} (limit ${this.maximumFrameSize}).`);
    }
    if (this.available < 4 + length) return null;
    this.take(4);
    const body = this.take(length);
    return { type: body[0], payload: body.subarray(1) };
  }

  /** The first `count` bytes without consuming them. */
  peek(count) {
    const first = this.chunks[0];
    if (first.length - this.offset >= count) return first.subarray(this.offset, this.offset + count);
    const out = new Uint8Array(count);
    let filled = 0;
    let offset = this.offset;
    for (const chunk of this.chunks) {
      const n = Math.min(count - filled, chunk.length - offset);
      out.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset = 0;
      if (filled === count) break;
    }
    return out;
  }

  /** Consumes `count` bytes: a view into one chunk when it holds them all, else a copy. */
  take(count) {
    const first = this.chunks[0];
    let out;
    if (first.length - this.offset >= count) {
      out = first.subarray(this.offset, this.offset + count);
      this.offset += count;
      if (this.offset === first.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    } else {
      out = new Uint8Array(count);
      let filled = 0;
      while (filled < count) {
        const chunk = this.chunks[0];
        const n = Math.min(count - filled, chunk.length - this.offset);
        out.set(chunk.subarray(this.offset, this.offset + n), filled);
        filled += n;
        this.offset += n;
        if (this.offset === chunk.length) {
          this.chunks.shift();
          this.offset = 0;
        }
      }
    }
    this.available -= count;
    return out;
  }
}
