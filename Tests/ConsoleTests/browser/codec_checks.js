// Unit checks of the console's pure protocol modules (Public/js/codec/), run inside the
// browser by console_e2e.py (and runnable under node). Defines `codecChecks(load)`, where
// `load(path)` imports a module by its console URL; resolves to { passed: [...], failed: [...] }.

/* exported codecChecks */
async function codecChecks(load) {
  const passed = [];
  const failed = [];
  const check = (name, ok, detail = '') => (ok ? passed : failed).push(ok ? name : `${name}: ${detail}`);
  const throws = (f) => {
    try {
      f();
      return false;
    } catch {
      return true;
    }
  };
  const hexOf = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const same = (a, b) => hexOf(a) === hexOf(b);
  const concat = (parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  // A deterministic generator, so a failure can be replayed.
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const randomBytes = (n) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  /** Feeds `bytes` to `decoder.push` in pieces of 1..`max` bytes; all messages out. */
  const feedInPieces = (decoder, bytes, max) => {
    const out = [];
    for (let at = 0; at < bytes.length; ) {
      const n = Math.min(bytes.length - at, 1 + Math.floor(random() * max));
      out.push(...decoder.push(bytes.slice(at, at + n)));
      at += n;
    }
    return out;
  };

  const { Sha256, hex } = await load('/console/js/codec/sha256.js');
  const term = await load('/console/js/codec/terminal-codec.js');
  const files = await load('/console/js/codec/files-codec.js');

  // SHA-256: incremental, any split, against the platform's digest.
  let shaOk = true;
  let shaDetail = '';
  for (const n of [0, 1, 55, 56, 63, 64, 65, 127, 128, 1000, 4096 + 17, 300000]) {
    const data = randomBytes(n);
    const expected = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
    const ours = new Sha256();
    for (let at = 0; at < n; ) {
      const k = Math.min(n - at, 1 + Math.floor(random() * 200));
      ours.update(data.subarray(at, at + k));
      at += k;
    }
    const got = ours.digest();
    if (!same(got, expected)) {
      shaOk = false;
      shaDetail = `length ${n}: ${hex(got)} != ${hex(expected)}`;
    }
  }
  check('sha256 matches crypto.subtle for every split', shaOk, shaDetail);
  check('sha256 of "abc"', hex(new Sha256().update(new TextEncoder().encode('abc')).digest()) === 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');

  // Terminal: exact bytes of the client's messages.
  check(
    'terminal open bytes',
    hexOf(term.encodeOpen({ columns: 80, rows: 24, command: ['ls'], environment: { LANG: 'C.UTF-8' } })) ===
      '0000001d' + '01' + '01' + '0050' + '0018' + '0001' + '0002' + '6c73' + '0001' + '0004' + '4c414e47' + '0007' + '432e5554462d38',
    hexOf(term.encodeOpen({ columns: 80, rows: 24, command: ['ls'], environment: { LANG: 'C.UTF-8' } })),
  );
  // The examples of Sources/Terminal/PROTOCOL.md, byte for byte.
  check('PROTOCOL.md: open 80×24 login shell', hexOf(term.encodeOpen({ columns: 80, rows: 24 })) === '0000000a010100500018' + '00000000');
  check(
    'PROTOCOL.md: open sh -c "exit 7" with LANG=C',
    hexOf(term.encodeOpen({ columns: 80, rows: 24, command: ['sh', '-c', 'exit 7'], environment: { LANG: 'C' } })) ===
      '00000023' + '01' + '01' + '00500018' + '0003' + '00027368' + '00022d63' + '0006657869742037' + '0001' + '00044c414e47' + '000143',
  );
  check('PROTOCOL.md: input "ls\\r"', hexOf(term.encodeInput('ls\r')[0]) === '00000004046c730d');
  check('PROTOCOL.md: resize 120×40', hexOf(term.encodeResize(120, 40)) === '000000050600780028');
  check('PROTOCOL.md: exited 7', hexOf(term.encodeExited('exited', 7)) === '00000006070000000007');
  check('PROTOCOL.md: failure not_found', hexOf(term.encodeFailure('not_found', 'no terminal')) === '0000001908' + '00096e6f745f666f756e64' + '000b6e6f207465726d696e616c');
  const unknown = new term.TerminalDecoder().push(term.encodeFailure('new_code', 'later'))[0];
  check('terminal failure with an unknown code is a generic failure', unknown.type === 'failure' && unknown.code === 'new_code' && !unknown.known);
  check('terminal resize bytes', hexOf(term.encodeResize(132, 43)) === '0000000506008400' + '2b');
  const token = Uint8Array.from({ length: 32 }, (_, i) => i);
  check('terminal attach bytes', hexOf(term.encodeAttach(token)) === '00000022' + '02' + '01' + hexOf(token));
  check('terminal attach refuses a short token', throws(() => term.encodeAttach(new Uint8Array(8))));
  const paste = 'x'.repeat(term.terminalMaximumChunk * 2 + 5);
  const inputs = term.encodeInput(paste);
  check('terminal input is cut into chunks', inputs.length === 3 && inputs.every((f) => f.length <= term.terminalMaximumChunk + 5));
  check('terminal input of Japanese text is UTF-8', hexOf(term.encodeInput('日本')[0]) === '0000000704e697a5e69cac');

  // Terminal: the agent's messages, reassembled from pieces of any size.
  const replay = new TextEncoder().encode('$ ');
  const stream = concat([
    term.encodeOpened(token, replay),
    term.encodeOutput('こんにちは\r\n'),
    term.encodeOutput(randomBytes(70000)),
    term.encodeExited('exited', 3),
  ]);
  for (const max of [1, 7, 4096]) {
    const messages = feedInPieces(new term.TerminalDecoder(), stream, max);
    const ok =
      messages.length === 4 &&
      messages[0].type === 'opened' && same(messages[0].token, token) && same(messages[0].replay, replay) &&
      messages[1].type === 'output' && new TextDecoder().decode(messages[1].data) === 'こんにちは\r\n' &&
      messages[2].data.length === 70000 &&
      messages[3].type === 'exited' && messages[3].code === 3 && !messages[3].signaled;
    check(`terminal decoder, pieces of up to ${max} bytes`, ok, JSON.stringify(messages.map((m) => m.type)));
  }
  const signaled = new term.TerminalDecoder().push(term.encodeExited('signaled', 9))[0];
  check('terminal exited by a signal is 128 + signal', signaled.signaled && signaled.signal === 9 && signaled.code === 137);
  const failure = new term.TerminalDecoder().push(term.encodeFailure('not_found', 'gone'))[0];
  check('terminal failure', failure.type === 'failure' && failure.code === 'not_found' && failure.message === 'gone');
  check('terminal decoder refuses a frame of length 0', throws(() => new term.TerminalDecoder().push(Uint8Array.of(0, 0, 0, 0))));
  check('terminal decoder refuses a frame over 1 MiB at its header', throws(() => new term.TerminalDecoder().push(Uint8Array.of(0, 0x10, 0, 1))));
  check('terminal decoder refuses an unknown type', throws(() => new term.TerminalDecoder().push(Uint8Array.of(0, 0, 0, 1, 0x7f))));
  check('terminal decoder refuses an exit code over 255', throws(() => new term.TerminalDecoder().push(Uint8Array.of(0, 0, 0, 6, 7, 0, 0, 0, 1, 0))));
  check('terminal decoder refuses trailing bytes', throws(() => new term.TerminalDecoder().push(Uint8Array.of(0, 0, 0, 6, 6, 0, 80, 0, 24, 9))));
  const open = new term.TerminalDecoder().push(term.encodeOpen({ columns: 100, rows: 30, command: ['sh', '-c', 'echo ok'], environment: { B: '2', A: '1' } }))[0];
  check('terminal open round trip', open.columns === 100 && open.rows === 30 && open.command.join(' ') === 'sh -c echo ok' && open.environment.A === '1' && open.environment.B === '2');

  // Files: exact bytes of a request with a Japanese name.
  check(
    'files list bytes (UTF-8 path)',
    hexOf(files.encodeFileMessage({ type: 'list', request: 7, path: '/ホーム' })) === '00000011' + '10' + '00000007' + '000a' + '2fe3839be383bce383a0',
    hexOf(files.encodeFileMessage({ type: 'list', request: 7, path: '/ホーム' })),
  );
  check(
    'files openWrite bytes',
    hexOf(files.encodeFileMessage({ type: 'openWrite', request: 2, path: '/a', size: 5, mode: 0o644, modified: 1500, policy: files.WritePolicy.refuse })) ===
      '00000022' + '16' + '00000002' + '0002' + '2f61' + '0000000000000005' + '000001a4' + '0000000000000001' + '1dcd6500' + '03',
    hexOf(files.encodeFileMessage({ type: 'openWrite', request: 2, path: '/a', size: 5, mode: 0o644, modified: 1500, policy: files.WritePolicy.refuse })),
  );
  check('files hello bytes', hexOf(files.encodeFileMessage({ type: 'hello' })) === '00000003010001');

  // Files: every message survives a round trip through pieces of any size.
  const digest = randomBytes(32);
  const entry = { name: '報告書 2026年12月.xlsx', kind: 'file', size: 2 ** 40 + 3, mode: 0o640, modified: 1764700000123 };
  const samples = [
    { type: 'hello', version: 1 },
    { type: 'list', request: 1, path: '/home/田中' },
    { type: 'stat', request: 2, path: '/x' },
    { type: 'makeFolder', request: 3, path: '/新しいフォルダー' },
    { type: 'rename', request: 4, from: '/a', to: '/b' },
    { type: 'delete', request: 5, path: '/a', recursive: true },
    { type: 'openRead', request: 6, path: '/a', offset: 0, prefix: null },
    { type: 'openRead', request: 7, path: '/a', offset: 1 << 20, prefix: digest },
    { type: 'openWrite', request: 8, path: '/a', size: 10, mode: 0o600, modified: 1764700000999, policy: 2 },
    { type: 'entries', request: 9, more: true, entries: [entry, { name: 'フォルダー', kind: 'folder', size: 0, mode: 0o755, modified: -1000 }] },
    { type: 'statReply', request: 10, entry },
    { type: 'ok', request: 11 },
    { type: 'failure', request: 12, code: 'not_found', message: 'ありません' },
    { type: 'readOpened', request: 13, transfer: 1, size: 99, startOffset: 0, mode: 0o644, modified: 0 },
    { type: 'writeOpened', request: 14, transfer: 2, offset: 5 },
    { type: 'skipped', request: 15 },
    { type: 'data', transfer: 1, data: randomBytes(100000) },
    { type: 'ack', transfer: 1, offset: 2 ** 33 },
    { type: 'finish', transfer: 1, digest },
    { type: 'done', transfer: 1, digest },
    { type: 'cancel', transfer: 3 },
    { type: 'transferFailed', transfer: 3, code: 'hash_mismatch', message: 'x' },
  ];
  const canonical = (m) => JSON.stringify(m, (key, value) => (value instanceof Uint8Array ? hexOf(value) : value));
  const wire = concat(samples.map((m) => files.encodeFileMessage(m)));
  for (const max of [1, 13, 65536]) {
    const back = feedInPieces(new files.FilesDecoder(), wire, max);
    const bad = samples.findIndex((m, i) => !back[i] || canonical(back[i]) !== canonical(m));
    check(`files round trip of every message, pieces of up to ${max} bytes`, back.length === samples.length && bad === -1, bad >= 0 ? `${canonical(samples[bad])} → ${back[bad] && canonical(back[bad])}` : `${back.length} messages`);
  }
  check('files decoder refuses invalid UTF-8', throws(() => new files.FilesDecoder().push(Uint8Array.of(0, 0, 0, 9, 0x10, 0, 0, 0, 1, 0, 2, 0xc3, 0x28))));
  check('files decoder refuses a bool of 2', throws(() => new files.FilesDecoder().push(Uint8Array.of(0, 0, 0, 9, 0x14, 0, 0, 0, 1, 0, 1, 0x2f, 2))));
  check('files decoder takes the same frame with a bool of 1', new files.FilesDecoder().push(Uint8Array.of(0, 0, 0, 9, 0x14, 0, 0, 0, 1, 0, 1, 0x2f, 1))[0].recursive === true);
  check('files decoder refuses a frame over 1 MiB + 64', throws(() => new files.FilesDecoder().push(Uint8Array.of(0, 0x10, 0, 0x41))));
  check('files decoder takes a full 1 MiB data frame', new files.FilesDecoder().push(files.encodeFileMessage({ type: 'data', transfer: 1, data: new Uint8Array(1 << 20) }))[0].data.length === 1 << 20);
  check('files encoder refuses a string over 65,535 bytes', throws(() => files.encodeFileMessage({ type: 'list', request: 1, path: 'あ'.repeat(30000) })));
  return { passed, failed };
}
