// The files channel's messages (Sources/FileTransfer/PROTOCOL.md; the Swift codec is
// FileFrameEncoder / FileFrameDecoder). Pure: messages in, bytes out, and bytes in,
// messages out. Sizes and offsets are JavaScript numbers (exact up to 2^53 bytes).

import { FrameReader } from './frame-reader.js';
import { FrameWriter, PayloadReader, PayloadError } from './byte-writer.js';

export const FileType = Object.freeze({
  hello: 0x01,
  list: 0x10, stat: 0x11, makeFolder: 0x12, rename: 0x13, delete: 0x14, openRead: 0x15, openWrite: 0x16,
  entries: 0x20, statReply: 0x21, ok: 0x22, failure: 0x23, readOpened: 0x24, writeOpened: 0x25, skipped: 0x26,
  data: 0x30, ack: 0x31, finish: 0x32, done: 0x33, cancel: 0x34, transferFailed: 0x35,
});
export const filesVersion = 1;
/** The largest frame body: 1 MiB of data plus its header. */
export const filesMaximumFrame = (1 << 20) + 64;
/** The most file bytes in one `data` frame. */
export const filesMaximumData = 1 << 20;
/** Bytes a sender may have sent but not had acknowledged (the default; never under 2 MiB). */
export const filesWindow = 16 << 20;
export const EntryKind = Object.freeze({ file: 0, folder: 1, link: 2, other: 3 });
export const kindNames = ['file', 'folder', 'link', 'other'];
export const WritePolicy = Object.freeze({ overwrite: 0, skip: 1, resume: 2, refuse: 3 });
export const errorCodes = Object.freeze(['outside_root', 'not_found', 'not_a_folder', 'is_a_folder', 'exists', 'permission_denied', 'disk_full', 'hash_mismatch', 'bad_request', 'cancelled', 'io_error', 'unsupported_version']);

const names = Object.fromEntries(Object.entries(FileType).map(([name, type]) => [type, name]));

/** `time`: i64 seconds since 1970 and u32 nanoseconds, from milliseconds. */
function writeTime(w, ms) {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  w.i64(seconds).u32(Math.min(nanos, 999999999));
}
function readTime(r) {
  const seconds = r.i64();
  const nanos = r.u32();
  if (nanos >= 1e9) throw new PayloadError('time: nanoseconds');
  return seconds * 1000 + Math.floor(nanos / 1e6);
}
function writeEntry(w, e) {
  w.string(e.name).u8(EntryKind[e.kind] ?? e.kind).u64(e.size).u32(e.mode & 0o7777);
  writeTime(w, e.modified);
}
function readEntry(r) {
  const name = r.string();
  const kind = r.u8();
  if (kind > 3) throw new PayloadError('entry: kind');
  return { name, kind: kindNames[kind], size: r.u64(), mode: r.u32() & 0o7777, modified: readTime(r) };
}
function digest(r) {
  return r.bytes(32).slice();
}

/**
 * Encodes one message `{ type: 'list', request, path }` etc. (names and fields as in
 * PROTOCOL.md; times in milliseconds since 1970; `data` is a Uint8Array).
 * @returns {Uint8Array} the frame
 */
export function encodeFileMessage(m) {
  const type = FileType[m.type];
  if (type === undefined) throw new RangeError(`unknown files message ${m.type}`);
  const w = new FrameWriter(type);
  switch (m.type) {
    case 'hello': w.u16(m.version ?? filesVersion); break;
    case 'list': case 'stat': case 'makeFolder': w.u32(m.request).string(m.path); break;
    case 'rename': w.u32(m.request).string(m.from).string(m.to); break;
    case 'delete': w.u32(m.request).string(m.path).bool(m.recursive); break;
    case 'openRead':
      w.u32(m.request).string(m.path).u64(m.offset ?? 0).bool(Boolean(m.prefix));
      if (m.prefix) w.bytes(m.prefix);
      break;
    case 'openWrite':
      w.u32(m.request).string(m.path).u64(m.size).u32(m.mode & 0o7777);
      writeTime(w, m.modified);
      w.u8(m.policy);
      break;
    case 'entries':
      w.u32(m.request).bool(m.more).u32(m.entries.length);
      for (const e of m.entries) writeEntry(w, e);
      break;
    case 'statReply': w.u32(m.request); writeEntry(w, m.entry); break;
    case 'ok': case 'skipped': w.u32(m.request); break;
    case 'failure': w.u32(m.request).string(m.code).string(m.message); break;
    case 'readOpened':
      w.u32(m.request).u32(m.transfer).u64(m.size).u64(m.startOffset).u32(m.mode & 0o7777);
      writeTime(w, m.modified);
      break;
    case 'writeOpened': w.u32(m.request).u32(m.transfer).u64(m.offset); break;
    case 'data':
      if (m.data.length > filesMaximumData) throw new RangeError('data frame over 1 MiB');
      w.u32(m.transfer).bytes(m.data);
      break;
    case 'ack': w.u32(m.transfer).u64(m.offset); break;
    case 'finish': case 'done': w.u32(m.transfer).bytes(m.digest); break;
    case 'cancel': w.u32(m.transfer); break;
    case 'transferFailed': w.u32(m.transfer).string(m.code).string(m.message); break;
    default: throw new RangeError(m.type);
  }
  return w.finish();
}

/** Decodes one frame's payload into `{ type: name, … }`. */
export function decodeFileMessage(type, payload) {
  const name = names[type];
  if (!name) throw new PayloadError(`unknown files frame type 0x${type.toString(16)}`);
  const r = new PayloadReader(payload, `files ${name}`);
  let m;
  switch (name) {
    case 'hello': m = { version: r.u16() }; break;
    case 'list': case 'stat': case 'makeFolder': m = { request: r.u32(), path: r.string() }; break;
    case 'rename': m = { request: r.u32(), from: r.string(), to: r.string() }; break;
    case 'delete': m = { request: r.u32(), path: r.string(), recursive: r.bool() }; break;
    case 'openRead': {
      m = { request: r.u32(), path: r.string(), offset: r.u64() };
      m.prefix = r.bool() ? digest(r) : null;
      break;
    }
    case 'openWrite': m = { request: r.u32(), path: r.string(), size: r.u64(), mode: r.u32() & 0o7777, modified: readTime(r), policy: r.u8() }; break;
    case 'entries': {
      m = { request: r.u32(), more: r.bool(), entries: [] };
      for (let n = r.u32(); n > 0; n--) m.entries.push(readEntry(r));
      break;
    }
    case 'statReply': m = { request: r.u32(), entry: readEntry(r) }; break;
    case 'ok': case 'skipped': m = { request: r.u32() }; break;
    case 'failure': m = { request: r.u32(), code: r.string(), message: r.string() }; break;
    case 'readOpened': m = { request: r.u32(), transfer: r.u32(), size: r.u64(), startOffset: r.u64(), mode: r.u32() & 0o7777, modified: readTime(r) }; break;
    case 'writeOpened': m = { request: r.u32(), transfer: r.u32(), offset: r.u64() }; break;
    case 'data': m = { transfer: r.u32(), data: r.rest() }; break;
    case 'ack': m = { transfer: r.u32(), offset: r.u64() }; break;
    case 'finish': case 'done': m = { transfer: r.u32(), digest: digest(r) }; break;
    case 'cancel': m = { transfer: r.u32() }; break;
    case 'transferFailed': m = { transfer: r.u32(), code: r.string(), message: r.string() }; break;
    default: throw new PayloadError(name);
  }
  r.end();
  return { type: name, ...m };
}

/** Bytes in (any pieces), messages out. */
export class FilesDecoder {
  constructor() {
    this.frames = new FrameReader(filesMaximumFrame);
  }

  /** Adds received bytes; returns every message now complete. Throws on a bad frame. */
  push(bytes) {
    this.frames.push(bytes);
    const out = [];
    for (let frame = this.frames.next(); frame; frame = this.frames.next()) out.push(decodeFileMessage(frame.type, frame.payload));
    return out;
  }
}
