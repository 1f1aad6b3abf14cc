// Scripted agents for the console's files and terminal panels, run inside the browser by
// channels_e2e.py: a socket-shaped object whose far end plays the agent's side of the
// protocol with the console's own codecs, so the panels can be driven without a relay.
// The real agent is exercised by the same script's live part; this part pins the console's
// side (windowed upload with acks, hash checks, reattach by token) on its own.
// Defines `installScriptedAgents(load)`, which puts `window.scripted` in place.

/* exported installScriptedAgents */
async function installScriptedAgents(load) {
  const files = await load('/console/js/codec/files-codec.js');
  const term = await load('/console/js/codec/terminal-codec.js');
  const { Sha256 } = await load('/console/js/codec/sha256.js');

  /** A WebSocket look-alike; `far` receives what the panel sends and answers through `deliver`. */
  class ScriptedSocket {
    constructor(far) {
      this.readyState = 1;
      this.bufferedAmount = 0;
      this.binaryType = 'arraybuffer';
      this.onmessage = null;
      this.onclose = null;
      this.onerror = null;
      this.far = far;
      this.sent = 0;
      far.socket = this;
    }

    send(frame) {
      if (this.readyState !== 1) return;
      this.sent += frame.length;
      const copy = frame.slice();
      setTimeout(() => this.far.receive(copy), 0);
    }

    /** Agent → panel, in pieces of at most `piece` bytes (frame boundaries mean nothing). */
    deliver(frame, piece = 1500) {
      for (let at = 0; at < frame.length; at += piece) {
        const chunk = frame.slice(at, at + piece).buffer;
        setTimeout(() => this.readyState === 1 && this.onmessage?.({ data: chunk }), 0);
      }
    }

    /** Closes after what was delivered before (as a WebSocket's close follows its data). */
    close() {
      if (this.closing) return;
      this.closing = true;
      setTimeout(() => {
        this.readyState = 3;
        this.onclose?.({ code: 1000 });
      }, 0);
    }
  }

  /** The files side: an in-memory tree of folders and files under one root, `/srv/共有`. */
  class FilesAgent {
    constructor() {
      this.decoder = new files.FilesDecoder();
      this.root = '/srv/共有';
      this.tree = new Map([[this.root, { kind: 'folder' }]]);
      this.nextTransfer = 1;
      this.uploads = new Map();
      this.downloads = new Map();
      this.maxUnacked = 0;
      this.acks = 0;
    }

    put(path, bytes) {
      this.tree.set(path, { kind: 'file', bytes, modified: Date.now() });
    }

    send(message) {
      this.socket.deliver(files.encodeFileMessage(message));
    }

    receive(bytes) {
      for (const m of this.decoder.push(bytes)) this.handle(m);
    }

    entriesOf(folder) {
      const out = [];
      for (const [path, node] of this.tree) {
        const cut = path.lastIndexOf('/');
        if (path !== folder && path.slice(0, cut) === folder) out.push({ name: path.slice(cut + 1), kind: node.kind, size: node.bytes?.length ?? 0, mode: node.kind === 'folder' ? 0o755 : 0o644, modified: node.modified ?? 0 });
      }
      return out;
    }

    handle(m) {
      switch (m.type) {
        case 'hello':
          this.send({ type: 'hello', version: 1 });
          break;
        case 'list':
          if (m.path === '/') this.send({ type: 'entries', request: m.request, more: false, entries: [{ name: this.root, kind: 'folder', size: 0, mode: 0o755, modified: 0 }] });
          else if (this.tree.get(m.path)?.kind !== 'folder') this.send({ type: 'failure', request: m.request, code: 'not_found', message: 'no such folder' });
          else {
            // Two frames, so `more` is followed.
            const all = this.entriesOf(m.path);
            this.send({ type: 'entries', request: m.request, more: true, entries: all.slice(0, 1) });
            this.send({ type: 'entries', request: m.request, more: false, entries: all.slice(1) });
          }
          break;
        case 'makeFolder':
          this.tree.set(m.path, { kind: 'folder' });
          this.send({ type: 'ok', request: m.request });
          break;
        case 'openRead': {
          const node = this.tree.get(m.path);
          if (node?.kind !== 'file') {
            this.send({ type: 'failure', request: m.request, code: 'not_found', message: 'no such file' });
            break;
          }
          const transfer = this.nextTransfer++;
          this.send({ type: 'readOpened', request: m.request, transfer, size: node.bytes.length, startOffset: 0, mode: 0o644, modified: node.modified });
          const hash = new Sha256();
          for (let at = 0; at < node.bytes.length; at += 256 * 1024) {
            const piece = node.bytes.subarray(at, at + 256 * 1024);
            hash.update(piece);
            this.send({ type: 'data', transfer, data: piece });
          }
          this.downloads.set(transfer, { done: null });
          this.send({ type: 'finish', transfer, digest: hash.digest() });
          break;
        }
        case 'openWrite': {
          const name = m.path.slice(m.path.lastIndexOf('/') + 1);
          if (m.policy === files.WritePolicy.refuse && this.tree.has(m.path)) {
            this.send({ type: 'failure', request: m.request, code: 'exists', message: name });
            break;
          }
          const transfer = this.nextTransfer++;
          this.uploads.set(transfer, { path: m.path, size: m.size, parts: [], received: 0, acked: 0, hash: new Sha256(), cancelled: false });
          this.send({ type: 'writeOpened', request: m.request, transfer, offset: 0 });
          break;
        }
        case 'data': {
          const up = this.uploads.get(m.transfer);
          if (!up) break;
          up.parts.push(m.data.slice());
          up.hash.update(m.data);
          up.received += m.data.length;
          this.maxUnacked = Math.max(this.maxUnacked, up.received - up.acked);
          // Acks come late on purpose (a slow disk): every 4 MiB, on a timer.
          if (up.received - up.acked >= 4 << 20) {
            const offset = up.received;
            setTimeout(() => {
              up.acked = Math.max(up.acked, offset);
              this.acks += 1;
              this.send({ type: 'ack', transfer: m.transfer, offset });
            }, 15);
          }
          break;
        }
        case 'finish': {
          const up = this.uploads.get(m.transfer);
          if (!up) break;
          const digest = up.hash.digest();
          this.send({ type: 'ack', transfer: m.transfer, offset: up.received });
          const ok = digest.every((b, i) => b === m.digest[i]) && up.received === up.size;
          if (ok) {
            const bytes = new Uint8Array(up.received);
            let at = 0;
            for (const p of up.parts) {
              bytes.set(p, at);
              at += p.length;
            }
            this.put(up.path, bytes);
            this.send({ type: 'done', transfer: m.transfer, digest });
          } else {
            this.send({ type: 'transferFailed', transfer: m.transfer, code: 'hash_mismatch', message: 'mismatch' });
          }
          this.uploads.delete(m.transfer);
          break;
        }
        case 'done':
          if (this.downloads.has(m.transfer)) this.downloads.get(m.transfer).done = m.digest;
          break;
        case 'cancel': {
          const up = this.uploads.get(m.transfer);
          if (up) up.cancelled = true;
          this.uploads.delete(m.transfer);
          this.cancelled = (this.cancelled ?? 0) + 1;
          break;
        }
        default:
          break;
      }
    }
  }

  /** The terminal side: a line-echoing "shell" that prints `out:<line>`; `exit N` ends it. */
  class TerminalAgent {
    constructor(shared) {
      this.decoder = new term.TerminalDecoder();
      this.shared = shared;
      this.line = '';
    }

    receive(bytes) {
      for (const m of this.decoder.push(bytes)) this.handle(m);
    }

    send(frame) {
      this.socket.deliver(frame, 7);
    }

    handle(m) {
      const s = this.shared;
      switch (m.type) {
        case 'open':
          s.token = crypto.getRandomValues(new Uint8Array(32));
          s.opens += 1;
          s.size = `${m.columns}x${m.rows}`;
          s.replay = '$ ';
          this.send(term.encodeOpened(s.token, new Uint8Array()));
          this.output('$ ');
          break;
        case 'attach':
          s.attaches += 1;
          if (!s.token || m.token.some((b, i) => b !== s.token[i])) {
            this.send(term.encodeFailure('not_found', 'no such terminal'));
            this.socket.close();
            break;
          }
          this.send(term.encodeOpened(s.token, new TextEncoder().encode(`${s.replay}`)));
          break;
        case 'resize':
          s.size = `${m.columns}x${m.rows}`;
          s.resizes += 1;
          break;
        case 'input': {
          const text = new TextDecoder().decode(m.data);
          for (const ch of text) {
            if (ch === '\r') {
              const line = this.line;
              this.line = '';
              const exit = /^exit (\d+)$/.exec(line);
              if (exit) {
                this.output('\r\n');
                this.send(term.encodeExited('exited', Number(exit[1])));
                s.token = null;
                this.socket.close();
                return;
              }
              this.output(`\r\nout:${line}\r\n$ `);
            } else {
              this.line += ch;
              this.output(ch);
            }
          }
          break;
        }
        default:
          break;
      }
    }

    output(text) {
      this.shared.replay += text;
      this.send(term.encodeOutput(text));
    }
  }

  const terminalState = { token: null, opens: 0, attaches: 0, resizes: 0, size: '', replay: '' };
  window.scripted = {
    ScriptedSocket,
    filesAgent: new FilesAgent(),
    terminalState,
    /** A panel context whose channels are scripted sockets. */
    context(kind) {
      const events = [];
      return {
        events,
        ctx: {
          device: 'scripted',
          connected: (id) => events.push(`connected:${id}`),
          lost: (id) => events.push(`lost:${id}`),
          fatal: (message) => events.push(`fatal:${message}`),
          sessionId: () => 'scripted-session',
          openChannel: (channel, handlers) => {
            events.push(`open:${channel}`);
            const far = kind === 'files' ? window.scripted.filesAgent : new TerminalAgent(terminalState);
            setTimeout(() => handlers.onPaired(new ScriptedSocket(far)), 0);
            return () => {};
          },
        },
      };
    },
  };
}
