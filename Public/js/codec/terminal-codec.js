// The terminal channel's messages (Sources/Terminal/PROTOCOL.md; the Swift codec is
// TerminalFrameEncoder / TerminalFrameDecoder). Pure: messages in, bytes out, and bytes in,
// messages out; the panel does the I/O.
//
// The operator sends `open` (or `attach` with the token of a terminal whose connection
// dropped) first, then `input` and `resize`; the agent answers `opened` or `failure`, then
// `output` until `exited`.

import { FrameReader } from './frame-reader.js';
import { FrameWriter, PayloadReader, PayloadError } from './byte-writer.js';

export const TerminalType = Object.freeze({ open: 0x01, attach: 0x02, opened: 0x03, input: 0x04, output: 0x05, resize: 0x06, exited: 0x07, failure: 0x08 });
export const terminalVersion = 1;
/** The largest frame body (type and payload). */
export const terminalMaximumFrame = 1 << 20;
/** Input travels in chunks of at most this many bytes, so a paste never makes a huge frame. */
export const terminalMaximumChunk = 64 * 1024;
export const failureCodes = Object.freeze(['terminal_disabled', 'not_found', 'spawn_failed', 'bad_request', 'unsupported_version', 'taken_over']);

const encoder = new TextEncoder();

/**
 * `open`: a terminal of `columns` × `rows` running `command` (empty: the login shell).
 * @param {{ columns: number, rows: number, command?: string[], environment?: Record<string, string> }} request
 */
export function encodeOpen({ columns, rows, command = [], environment = {} }) {
  const w = new FrameWriter(TerminalType.open).u8(terminalVersion).u16(columns).u16(rows).u16(command.length);
  for (const argument of command) w.string(argument);
  // Sorted, as the Swift encoder does: equal requests are equal bytes.
  const names = Object.keys(environment).sort();
  w.u16(names.length);
  for (const name of names) w.string(name).string(environment[name]);
  return w.finish();
}

/** `attach`: the terminal named by `token` (16–64 bytes from an earlier `opened`). */
export function encodeAttach(token) {
  if (token.length < 16 || token.length > 64) throw new RangeError('a terminal token has 16 to 64 bytes');
  return new FrameWriter(TerminalType.attach).u8(terminalVersion).bytes(token).finish();
}

/**
 * `input` frames for typed or pasted text (a string, sent as UTF-8) or bytes, cut into
 * chunks of at most `terminalMaximumChunk`.
 * @returns {Uint8Array[]}
 */
export function encodeInput(data) {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  const frames = [];
  for (let at = 0; at < bytes.length; at += terminalMaximumChunk) {
    frames.push(new FrameWriter(TerminalType.input).bytes(bytes.subarray(at, at + terminalMaximumChunk)).finish());
  }
  return frames;
}

/** `resize`: the window now has `columns` × `rows` cells. */
export function encodeResize(columns, rows) {
  return new FrameWriter(TerminalType.resize).u16(columns).u16(rows).finish();
}

/** Agent-side messages, for tests that play the agent: `opened`, `output`, `exited`, `failure`. */
export function encodeOpened(token, replay = new Uint8Array()) {
  return new FrameWriter(TerminalType.opened).u8(token.length).bytes(token).bytes(replay).finish();
}
export function encodeOutput(bytes) {
  return new FrameWriter(TerminalType.output).bytes(typeof bytes === 'string' ? encoder.encode(bytes) : bytes).finish();
}
export function encodeExited(kind, value) {
  return new FrameWriter(TerminalType.exited).u8(kind === 'signaled' ? 1 : 0).u32(value).finish();
}
export function encodeFailure(code, message) {
  return new FrameWriter(TerminalType.failure).string(code).string(message).finish();
}

/**
 * Decodes one frame's payload.
 * @param {number} type
 * @param {Uint8Array} payload
 */
export function decodeTerminalMessage(type, payload) {
  const r = new PayloadReader(payload, `terminal frame 0x${type.toString(16)}`);
  let message;
  switch (type) {
    case TerminalType.opened: {
      const token = r.bytes(r.u8());
      if (token.length < 16 || token.length > 64) throw new PayloadError('opened: token length');
      message = { type: 'opened', token: token.slice(), replay: r.rest() };
      break;
    }
    case TerminalType.output:
      message = { type: 'output', data: r.rest() };
      break;
    case TerminalType.input:
      message = { type: 'input', data: r.rest() };
      break;
    case TerminalType.exited: {
      const kind = r.u8();
      const value = r.u32();
      if (kind === 0 && value <= 255) message = { type: 'exited', signaled: false, code: value };
      else if (kind === 1 && value >= 1 && value <= 127) message = { type: 'exited', signaled: true, signal: value, code: 128 + value };
      else throw new PayloadError('exited: status');
      break;
    }
    case TerminalType.failure: {
      // A code this client does not know is a generic failure (PROTOCOL.md), not a bad frame.
      const code = r.string();
      message = { type: 'failure', code, known: failureCodes.includes(code), message: r.string() };
      break;
    }
    case TerminalType.resize:
      message = { type: 'resize', columns: r.u16(), rows: r.u16() };
      break;
    case TerminalType.attach: {
      const version = r.u8();
      message = { type: 'attach', version, token: r.rest().slice() };
      break;
    }
    case TerminalType.open: {
      const version = r.u8();
      const columns = r.u16();
      const rows = r.u16();
      const command = [];
      for (let n = r.u16(); n > 0; n--) command.push(r.string());
      const environment = {};
      for (let n = r.u16(); n > 0; n--) environment[r.string()] = r.string();
      message = { type: 'open', version, columns, rows, command, environment };
      break;
    }
    default:
      throw new PayloadError(`unknown terminal frame type 0x${type.toString(16)}`);
  }
  r.end();
  return message;
}

/** Bytes in (any pieces), messages out. */
export class TerminalDecoder {
  constructor() {
    this.frames = new FrameReader(terminalMaximumFrame);
  }

  /**
   * Adds received bytes and returns every message now complete. Throws on a bad frame.
   * @param {ArrayBuffer|Uint8Array} bytes
   */
  push(bytes) {
    this.frames.push(bytes);
    const out = [];
    for (let frame = this.frames.next(); frame; frame = this.frames.next()) out.push(decodeTerminalMessage(frame.type, frame.payload));
    return out;
  }
}
