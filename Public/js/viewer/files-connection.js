// One files channel: the socket, the codec and the bookkeeping of requests and transfers.
// Several requests and transfers share the connection; replies come in any order, matched
// by request ID, and a transfer's frames by its transfer ID.
//
// Transfers follow the protocol's window: a sender streams `data` without waiting per block
// and keeps at most one window sent but not acknowledged; a receiver acks every 1 MiB and at
// the end. Both ends hash the whole file (SHA-256, incrementally) and compare at `finish`.

import { FilesDecoder, encodeFileMessage, filesVersion, filesWindow, filesMaximumData, WritePolicy } from '../codec/files-codec.js';
import { Sha256, sameDigest } from '../codec/sha256.js';

/** A receiver acknowledges at least this often (bytes). */
const ackInterval = 1 << 20;
/** Downloaded pieces are folded into one Blob this often, so the browser may keep them on disk. */
const blobFold = 16 << 20;
/** Upload reads from the file this much at a time (one `data` frame each). */
const uploadChunk = filesMaximumData;
/** The socket's own send queue is kept under this, beside the protocol's window. */
const socketQueueLimit = 8 << 20;

/** A refusal or failure with the protocol's code (`not_found`, `cancelled`, …). */
export class FilesError extends Error {
  constructor(code, message = code) {
    super(message);
    this.code = code;
  }
}

export class FilesConnection {
  /**
   * @param {WebSocket} socket a paired relay socket of the `files` channel
   * @param {{ onClose?: (error: FilesError|null) => void }} [handlers]
   */
  constructor(socket, { onClose } = {}) {
    this.socket = socket;
    this.decoder = new FilesDecoder();
    this.nextRequest = 1;
    /** request ID → { resolve, reject, entries? } */
    this.requests = new Map();
    /** transfer ID → a transfer's `handle(message)` */
    this.transfers = new Map();
    /** request ID of an open → what to do with its answer */
    this.opening = new Map();
    this.closed = false;
    this.onClose = onClose;
    this.ready = new Promise((resolve, reject) => {
      this.helloReceived = resolve;
      this.helloFailed = reject;
    });
    this.ready.catch(() => {});
    socket.binaryType = 'arraybuffer';
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = () => this.shutdown(new FilesError('connection_lost', 'The connection closed.'));
    socket.onerror = () => {};
    this.send({ type: 'hello', version: filesVersion });
  }

  send(message) {
    if (this.closed || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(encodeFileMessage(message));
    return true;
  }

  receive(data) {
    if (typeof data === 'string') return;
    let messages;
    try {
      messages = this.decoder.push(data);
    } catch (error) {
      this.fail(new FilesError('bad_frame', error.message));
      return;
    }
    for (const message of messages) {
      try {
        this.handle(message);
      } catch (error) {
        console.error('files: handling', message.type, error);
      }
    }
  }

  handle(m) {
    switch (m.type) {
      case 'hello':
        if (m.version !== filesVersion) this.fail(new FilesError('unsupported_version', `The agent speaks version ${m.version}.`));
        else this.helloReceived();
        return;
      case 'entries': {
        const pending = this.requests.get(m.request);
        if (!pending) return;
        pending.entries.push(...m.entries);
        if (!m.more) {
          this.requests.delete(m.request);
          pending.resolve(pending.entries);
        }
        return;
      }
      case 'statReply':
        this.settle(m.request, (p) => p.resolve(m.entry));
        return;
      case 'ok':
        this.settle(m.request, (p) => p.resolve(true));
        return;
      case 'failure':
        if (m.request === 0) {
          this.fail(new FilesError(m.code, m.message));
          return;
        }
        if (this.opening.has(m.request)) {
          const open = this.opening.get(m.request);
          this.opening.delete(m.request);
          open.failed(new FilesError(m.code, m.message));
        } else {
          this.settle(m.request, (p) => p.reject(new FilesError(m.code, m.message)));
        }
        return;
      case 'readOpened':
      case 'writeOpened':
      case 'skipped': {
        const open = this.opening.get(m.request);
        if (!open) return;
        this.opening.delete(m.request);
        open.answered(m);
        return;
      }
      default: {
        const transfer = this.transfers.get(m.transfer);
        transfer?.(m);
      }
    }
  }

  settle(request, action) {
    const pending = this.requests.get(request);
    if (!pending) return;
    this.requests.delete(request);
    action(pending);
  }

  /** A connection-level failure: everything in flight fails, the socket closes. */
  fail(error) {
    this.shutdown(error);
    try {
      this.socket.close();
    } catch {
      // Already closed.
    }
  }

  shutdown(error) {
    if (this.closed) return;
    this.closed = true;
    this.helloFailed(error ?? new FilesError('connection_lost'));
    for (const pending of this.requests.values()) pending.reject(error);
    for (const open of this.opening.values()) open.failed(error);
    for (const transfer of this.transfers.values()) transfer({ type: 'connectionLost', error });
    this.requests.clear();
    this.opening.clear();
    this.transfers.clear();
    this.onClose?.(error);
  }

  /** Closes the connection on purpose. */
  close() {
    this.socket.onclose = null;
    this.shutdown(null);
    try {
      this.socket.close();
    } catch {
      // Already closed.
    }
  }

  async request(message, extra = {}) {
    await this.ready;
    if (this.closed) throw new FilesError('connection_lost');
    const request = this.nextRequest++;
    return new Promise((resolve, reject) => {
      this.requests.set(request, { resolve, reject, ...extra });
      this.send({ ...message, request });
    });
  }

  /** The entries of folder `path` (`/` answers the roots, each named by its whole path). */
  list(path) {
    return this.request({ type: 'list', path }, { entries: [] });
  }

  stat(path) {
    return this.request({ type: 'stat', path });
  }

  makeFolder(path) {
    return this.request({ type: 'makeFolder', path });
  }

  /** Sends an open (`openRead`/`openWrite`) and routes its answer to `answered`. */
  async open(message, answered, failed) {
    await this.ready;
    if (this.closed) throw new FilesError('connection_lost');
    const request = this.nextRequest++;
    this.opening.set(request, { answered, failed });
    this.send({ ...message, request });
  }

  /**
   * Downloads `path`. `onProgress(received, size)` follows it. Resolves to
   * `{ blob, digest, size }` once the agent's digest matches ours.
   * @returns {{ promise: Promise<{ blob: Blob, digest: Uint8Array, size: number }>, cancel: () => void }}
   */
  download(path, { onProgress = () => {}, type = 'application/octet-stream' } = {}) {
    let transfer = null;
    let cancelled = false;
    let settle;
    const promise = new Promise((resolve, reject) => {
      settle = { resolve, reject };
    });
    const hash = new Sha256();
    let blob = new Blob([], { type });
    let parts = [];
    let partBytes = 0;
    let received = 0;
    let acked = 0;
    let size = 0;
    const finishWith = (error, value) => {
      if (transfer !== null) this.transfers.delete(transfer);
      if (error) settle.reject(error);
      else settle.resolve(value);
    };
    const handle = (m) => {
      switch (m.type) {
        case 'data':
          hash.update(m.data);
          // The view points into a received message; a copy lets that message go.
          parts.push(m.data.slice());
          partBytes += m.data.length;
          received += m.data.length;
          if (partBytes >= blobFold) {
            blob = new Blob([blob, ...parts], { type });
            parts = [];
            partBytes = 0;
          }
          if (received - acked >= ackInterval) {
            acked = received;
            this.send({ type: 'ack', transfer, offset: received });
          }
          onProgress(received, size);
          break;
        case 'finish': {
          if (received !== acked) this.send({ type: 'ack', transfer, offset: received });
          const ours = hash.digest();
          if (received !== size || !sameDigest(ours, m.digest)) {
            this.send({ type: 'transferFailed', transfer, code: 'hash_mismatch', message: 'The downloaded bytes do not match the digest.' });
            finishWith(new FilesError('hash_mismatch'));
            break;
          }
          this.send({ type: 'done', transfer, digest: ours });
          finishWith(null, { blob: new Blob([blob, ...parts], { type }), digest: ours, size });
          break;
        }
        case 'transferFailed':
          finishWith(new FilesError(m.code, m.message));
          break;
        case 'cancel':
          finishWith(new FilesError('cancelled'));
          break;
        case 'connectionLost':
          finishWith(m.error ?? new FilesError('connection_lost'));
          break;
        default:
          break;
      }
    };
    this.open(
      { type: 'openRead', path, offset: 0, prefix: null },
      (m) => {
        if (m.type !== 'readOpened') {
          finishWith(new FilesError('bad_request', `unexpected ${m.type}`));
          return;
        }
        transfer = m.transfer;
        size = m.size;
        if (cancelled) {
          this.send({ type: 'cancel', transfer });
          finishWith(new FilesError('cancelled'));
          return;
        }
        this.transfers.set(transfer, handle);
        onProgress(0, size);
      },
      (error) => finishWith(error),
    ).catch((error) => finishWith(error));
    return {
      promise,
      cancel: () => {
        if (cancelled) return;
        cancelled = true;
        if (transfer !== null && this.transfers.has(transfer)) {
          this.send({ type: 'cancel', transfer });
          finishWith(new FilesError('cancelled'));
        }
      },
    };
  }

  /**
   * Uploads `file` to `path`. `onProgress(acknowledged, size)` follows what the agent has
   * written. Resolves to `{ skipped }`, or `{ digest, size }` once the agent confirmed the hash.
   * @param {Blob} file
   * @param {string} path
   * @param {{ policy?: number, modified?: number, mode?: number, onProgress?: (done: number, size: number) => void }} [options]
   */
  upload(file, path, { policy = WritePolicy.refuse, modified = file.lastModified ?? Date.now(), mode = 0o644, onProgress = () => {} } = {}) {
    let transfer = null;
    let cancelled = false;
    let finished = false;
    let settle;
    const promise = new Promise((resolve, reject) => {
      settle = { resolve, reject };
    });
    const size = file.size;
    let acked = 0;
    let wake = null;
    let digest = null;
    const finishWith = (error, value) => {
      if (finished) return;
      finished = true;
      if (transfer !== null) this.transfers.delete(transfer);
      wake?.();
      if (error) settle.reject(error);
      else settle.resolve(value);
    };
    const handle = (m) => {
      switch (m.type) {
        case 'ack':
          acked = Math.max(acked, m.offset);
          onProgress(acked, size);
          wake?.();
          break;
        case 'done':
          if (!sameDigest(m.digest, digest)) finishWith(new FilesError('hash_mismatch'));
          else {
            onProgress(size, size);
            finishWith(null, { digest, size, skipped: false });
          }
          break;
        case 'transferFailed':
          finishWith(new FilesError(m.code, m.message));
          break;
        case 'cancel':
          finishWith(new FilesError('cancelled'));
          break;
        case 'connectionLost':
          finishWith(m.error ?? new FilesError('connection_lost'));
          break;
        default:
          break;
      }
    };
    /** Resolves when an ack (or the end) may have made room. */
    const waitForAck = () =>
      new Promise((resolve) => {
        wake = () => {
          wake = null;
          resolve();
        };
      });
    const stream = async (from) => {
      const hash = new Sha256();
      // A resumed upload's digest covers the whole file: hash the prefix the agent kept.
      for (let at = 0; at < from; at += uploadChunk) hash.update(await file.slice(at, Math.min(from, at + uploadChunk)).arrayBuffer());
      let sent = from;
      acked = Math.max(acked, from);
      while (sent < size && !finished) {
        const length = Math.min(uploadChunk, size - sent);
        while (!finished && sent + length - acked > filesWindow) await waitForAck();
        while (!finished && this.socket.bufferedAmount > socketQueueLimit) await new Promise((resolve) => setTimeout(resolve, 5));
        if (finished) return;
        const bytes = new Uint8Array(await file.slice(sent, sent + length).arrayBuffer());
        if (finished) return;
        hash.update(bytes);
        this.send({ type: 'data', transfer, data: bytes });
        sent += length;
      }
      if (finished) return;
      digest = hash.digest();
      this.send({ type: 'finish', transfer, digest });
    };
    this.open(
      { type: 'openWrite', path, size, mode, modified, policy },
      (m) => {
        if (m.type === 'skipped') {
          finishWith(null, { skipped: true, size });
          return;
        }
        if (m.type !== 'writeOpened') {
          finishWith(new FilesError('bad_request', `unexpected ${m.type}`));
          return;
        }
        transfer = m.transfer;
        if (cancelled) {
          this.send({ type: 'cancel', transfer });
          finishWith(new FilesError('cancelled'));
          return;
        }
        this.transfers.set(transfer, handle);
        onProgress(m.offset, size);
        stream(m.offset).catch((error) => {
          if (!finished) this.send({ type: 'cancel', transfer });
          finishWith(new FilesError('io_error', error.message));
        });
      },
      (error) => finishWith(error),
    ).catch((error) => finishWith(error));
    return {
      promise,
      cancel: () => {
        if (cancelled || finished) return;
        cancelled = true;
        if (transfer !== null) {
          this.send({ type: 'cancel', transfer });
          finishWith(new FilesError('cancelled'));
        }
      },
    };
  }
}
