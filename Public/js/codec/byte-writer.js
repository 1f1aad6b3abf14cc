// Builds one frame (u32 big-endian length, u8 type, payload) field by field, and reads
// fields back from a payload with every read checked. Shared by the terminal and files
// codecs; strings are u16-length-prefixed UTF-8 in both protocols.

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** A malformed payload (short, too long, bad value). */
export class PayloadError extends Error {
  constructor(message) {
    super(message);
    this.code = 'bad_frame';
  }
}

export class FrameWriter {
  /** @param {number} type the frame's type byte */
  constructor(type) {
    this.parts = [];
    this.length = 0;
    this.u8(type);
  }

  bytes(view) {
    const copy = view instanceof Uint8Array ? view : new Uint8Array(view);
    this.parts.push(copy);
    this.length += copy.length;
    return this;
  }

  u8(value) {
    return this.bytes(Uint8Array.of(value & 0xff));
  }

  u16(value) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError(`u16 out of range: ${value}`);
    return this.bytes(Uint8Array.of(value >> 8, value & 0xff));
  }

  u32(value) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`u32 out of range: ${value}`);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value);
    return this.bytes(b);
  }

  /** Numbers up to 2^53 (file sizes and offsets). */
  u64(value) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`u64 out of range: ${value}`);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(value));
    return this.bytes(b);
  }

  i64(value) {
    if (!Number.isSafeInteger(value)) throw new RangeError(`i64 out of range: ${value}`);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, BigInt(value));
    return this.bytes(b);
  }

  bool(value) {
    return this.u8(value ? 1 : 0);
  }

  /** A u16 length and the UTF-8 bytes; refuses what does not fit rather than cut a name. */
  string(text) {
    const utf8 = encoder.encode(text);
    if (utf8.length > 0xffff) throw new RangeError('string over 65,535 UTF-8 bytes');
    this.u16(utf8.length);
    return this.bytes(utf8);
  }

  /** The whole frame, length prefix included. */
  finish() {
    const out = new Uint8Array(4 + this.length);
    new DataView(out.buffer).setUint32(0, this.length);
    let at = 4;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

export class PayloadReader {
  /** @param {Uint8Array} payload */
  constructor(payload, what) {
    this.payload = payload;
    this.view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    this.at = 0;
    this.what = what;
  }

  need(count) {
    if (this.at + count > this.payload.length) throw new PayloadError(`${this.what}: truncated`);
  }

  u8() {
    this.need(1);
    return this.payload[this.at++];
  }

  u16() {
    this.need(2);
    const v = this.view.getUint16(this.at);
    this.at += 2;
    return v;
  }

  u32() {
    this.need(4);
    const v = this.view.getUint32(this.at);
    this.at += 4;
    return v;
  }

  u64() {
    this.need(8);
    const v = this.view.getBigUint64(this.at);
    this.at += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PayloadError(`${this.what}: number too large`);
    return Number(v);
  }

  i64() {
    this.need(8);
    const v = this.view.getBigInt64(this.at);
    this.at += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new PayloadError(`${this.what}: number too large`);
    return Number(v);
  }

  bool() {
    const v = this.u8();
    if (v > 1) throw new PayloadError(`${this.what}: bool is ${v}`);
    return v === 1;
  }

  bytes(count) {
    this.need(count);
    const out = this.payload.subarray(this.at, this.at + count);
    this.at += count;
    return out;
  }

  /** A u16 length and that many bytes of UTF-8; invalid UTF-8 is an error, not U+FFFD. */
  string() {
    const length = this.u16();
    const raw = this.bytes(length);
    try {
      return strictDecoder.decode(raw);
    } catch {
      throw new PayloadError(`${this.what}: invalid UTF-8`);
    }
  }

  rest() {
    return this.bytes(this.payload.length - this.at);
  }

  /** The payload must end here. */
  end() {
    if (this.at !== this.payload.length) throw new PayloadError(`${this.what}: ${this.payload.length - this.at} trailing bytes`);
  }
}
