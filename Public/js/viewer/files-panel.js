// Files on the remote computer: browse its folders (the agent's roots first), download,
// upload by the file picker or by dropping files on the panel, several transfers at once.
// The files connection speaks the protocol; the transfer list shows progress.

import { h, icon, replace } from '../dom.js';
import { t, has, lang } from '../i18n.js';
import { bytes } from '../format.js';
import { ask } from '../components/confirm-dialog.js';
import { PanelNotice } from './panel-notice.js';
import { TransferList } from './file-transfers.js';
import { FilesConnection } from './files-connection.js';
import { WritePolicy } from '../codec/files-codec.js';
import { hex } from '../codec/sha256.js';

/** The message for a protocol error code. */
function describe(error) {
  const code = error?.code ?? 'io_error';
  return has(`files.error.${code}`) ? t(`files.error.${code}`) : t('files.error.other', { detail: error?.message ?? code });
}

/** `folder`/`name` as an absolute remote path. */
function join(folder, name) {
  return folder.endsWith('/') ? folder + name : `${folder}/${name}`;
}

/**
 * @param {{ primary: boolean, ctx: import('./session-viewer.js').PanelContext }} options
 */
export function FilesPanel({ primary, ctx }) {
  /** @type {FilesConnection|null} */
  let connection = null;
  let leaveChannel = null;
  /** The folder shown; null for the roots. */
  let folder = null;
  let roots = [];
  let entries = [];
  let listing = 0;
  const running = new Set();

  const notice = PanelNotice('files');
  const transfers = TransferList();
  const crumbs = h('nav', { class: 'files__path', id: 'files-path', 'aria-label': t('files.location') });
  const table = h('table', { class: 'table files__table', id: 'files-table' });
  const empty = h('p', { class: 'files__empty muted', id: 'files-empty', hidden: true });
  const picker = h('input', { type: 'file', multiple: true, id: 'files-picker', class: 'files__picker', tabindex: '-1', 'aria-hidden': 'true' });
  const drop = h('div', { class: 'files__drop', id: 'files-drop', hidden: true }, icon('upload'), h('span', { text: t('files.dropHere') }));
  const listingBox = h('div', { class: 'files__listing' }, table, empty, drop);
  const el = h(
    'section',
    { class: 'viewer__panel viewer__panel--files', id: 'viewer-panel-files', role: 'tabpanel', 'aria-labelledby': 'viewer-tab-files' },
    notice.el,
    h('div', { class: 'files__body' }, crumbs, listingBox, transfers.el),
    picker,
  );
  el.dataset.state = 'idle';

  const tool = (id, label, iconName, onClick) => h('button', { type: 'button', class: 'tool', id, title: label, 'aria-label': label, onclick: onClick }, icon(iconName), h('span', { class: 'tool__label', text: label }));
  const upButton = tool('files-up', t('files.up'), 'up', () => goUp());
  const refreshButton = tool('files-refresh', t('files.refresh'), 'refresh', () => show(folder));
  const folderButton = tool('files-new-folder', t('files.newFolder'), 'folder', () => newFolder());
  const uploadButton = tool('files-upload', t('files.upload'), 'upload', () => picker.click());
  const tools = h('div', { class: 'viewer__panel-tools', id: 'viewer-tools-files' }, upButton, refreshButton, folderButton, uploadButton);

  picker.addEventListener('change', () => {
    const files = [...picker.files];
    picker.value = '';
    uploadAll(files);
  });

  // Drag and drop: anywhere on the panel, into the folder shown.
  let dragDepth = 0;
  el.addEventListener('dragenter', (event) => {
    if (!event.dataTransfer?.types?.includes('Files')) return;
    event.preventDefault();
    dragDepth += 1;
    drop.hidden = false;
  });
  el.addEventListener('dragover', (event) => {
    if (!event.dataTransfer?.types?.includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = folder ? 'copy' : 'none';
  });
  el.addEventListener('dragleave', () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) drop.hidden = true;
  });
  el.addEventListener('drop', (event) => {
    event.preventDefault();
    dragDepth = 0;
    drop.hidden = true;
    uploadAll([...(event.dataTransfer?.files ?? [])]);
  });

  function setEnabled() {
    const open = Boolean(connection);
    upButton.disabled = !open || folder === null;
    refreshButton.disabled = !open;
    folderButton.disabled = !open || folder === null;
    uploadButton.disabled = !open || folder === null;
  }
  setEnabled();

  /** Takes over a paired socket of the files channel. */
  function attach(socket) {
    notice.hide();
    el.dataset.state = 'connecting';
    connection = new FilesConnection(socket, { onClose: (error) => closed(error) });
    connection.ready.then(
      () => {
        el.dataset.state = 'open';
        if (primary) ctx.connected('files');
        setEnabled();
        show(folder);
      },
      () => {},
    );
  }

  function closed(error) {
    connection = null;
    setEnabled();
    if (!error) return;
    el.dataset.state = 'closed';
    if (primary) ctx.lost('files');
    else notice.show(t('files.closed'), [{ id: 'files-reopen', label: t('panel.reopen'), onClick: () => open() }]);
  }

  function open() {
    if (connection || leaveChannel) return;
    el.dataset.state = 'connecting';
    notice.busy(t('panel.opening'));
    leaveChannel = ctx.openChannel('files', {
      onPaired: (socket) => {
        leaveChannel = null;
        attach(socket);
      },
      onFailed: (message) => {
        leaveChannel = null;
        el.dataset.state = 'closed';
        notice.show(message, [{ id: 'files-reopen', label: t('panel.reopen'), onClick: () => open() }]);
      },
    });
  }

  /** Lists `path` (null: the roots) and shows it. */
  async function show(path) {
    if (!connection) return;
    const mine = ++listing;
    el.dataset.listing = 'loading';
    let result;
    try {
      result = await connection.list(path ?? '/');
    } catch (error) {
      if (mine !== listing) return;
      el.dataset.listing = 'failed';
      notice.show(describe(error), [], 'error');
      return;
    }
    if (mine !== listing) return;
    notice.hide();
    if (path === null) roots = result.map((entry) => entry.name);
    folder = path;
    entries = result;
    el.dataset.folder = path ?? '';
    render();
    el.dataset.listing = 'ready';
    setEnabled();
  }

  function goUp() {
    if (folder === null) return;
    if (roots.includes(folder)) {
      show(null);
      return;
    }
    const cut = folder.replace(/\/+$/, '').lastIndexOf('/');
    show(cut <= 0 ? '/' : folder.slice(0, cut));
  }

  function render() {
    // Breadcrumbs: the roots, then each folder below the root that holds this one.
    const parts = [h('button', { type: 'button', class: 'files__crumb', id: 'files-roots', text: t('files.roots'), onclick: () => show(null) })];
    if (folder !== null) {
      const root = roots.filter((r) => folder === r || folder.startsWith(r.endsWith('/') ? r : `${r}/`)).sort((a, b) => b.length - a.length)[0] ?? '/';
      parts.push(h('span', { class: 'files__sep', text: '›' }), h('button', { type: 'button', class: 'files__crumb', text: root, onclick: () => show(root) }));
      let at = root;
      for (const name of folder.slice(root.length).split('/').filter(Boolean)) {
        at = join(at, name);
        const target = at;
        parts.push(h('span', { class: 'files__sep', text: '›' }), h('button', { type: 'button', class: 'files__crumb', text: name, onclick: () => show(target) }));
      }
    }
    replace(crumbs, parts);

    const collator = new Intl.Collator(lang(), { numeric: true, sensitivity: 'base' });
    const sorted = [...entries].sort((a, b) => (a.kind === 'folder') !== (b.kind === 'folder') ? (a.kind === 'folder' ? -1 : 1) : collator.compare(a.name, b.name));
    const when = new Intl.DateTimeFormat(lang(), { dateStyle: 'short', timeStyle: 'short' });
    const rows = sorted.map((entry) => {
      const path = folder === null ? entry.name : join(folder, entry.name);
      const isFolder = entry.kind === 'folder';
      const name = isFolder
        ? h('button', { type: 'button', class: 'files__name files__name--folder', onclick: () => show(path) }, icon('folder'), h('span', { text: entry.name }))
        : h('span', { class: 'files__name' }, icon('file'), h('span', { text: entry.name }));
      const action = entry.kind === 'file' ? h('button', { type: 'button', class: 'button button--small files__download', title: t('files.download'), dataset: { name: entry.name }, onclick: () => download(path, entry.name) }, icon('download'), h('span', { text: t('files.download') })) : null;
      return h(
        'tr',
        { dataset: { name: entry.name, kind: entry.kind } },
        h('td', {}, name),
        h('td', { class: 'files__size', text: isFolder ? '' : bytes(entry.size) }),
        h('td', { class: 'files__modified muted', text: entry.modified ? when.format(new Date(entry.modified)) : '' }),
        h('td', { class: 'table__action' }, action),
      );
    });
    replace(table, h('thead', {}, h('tr', {}, h('th', { text: t('files.name') }), h('th', { text: t('files.size') }), h('th', { text: t('files.modified') }), h('th', {}))), h('tbody', {}, rows));
    empty.hidden = rows.length > 0;
    empty.textContent = folder === null ? t('files.noRoots') : t('files.emptyFolder');
  }

  function track(handle, row) {
    running.add(handle);
    handle.promise.finally(() => running.delete(handle)).catch(() => {});
    return row;
  }

  /** Downloads `path`; the browser saves it when its hash has been checked. */
  function download(path, name) {
    if (!connection) return;
    let row = null;
    const handle = connection.download(path, { onProgress: (done, size) => row.progress(done, size) });
    row = transfers.add({ name, direction: 'download', onCancel: () => handle.cancel() });
    track(handle, row);
    handle.promise.then(
      ({ blob, digest }) => {
        const url = URL.createObjectURL(blob);
        row.done({ digest: hex(digest), url });
        // Saved at once, like any download; the row's link saves it again.
        const a = h('a', { href: url, download: name, hidden: true });
        document.body.append(a);
        a.click();
        a.remove();
      },
      (error) => row.failed(error.code, error.code === 'cancelled' ? t('files.cancelled') : describe(error)),
    );
  }

  /** Uploads `files` into the folder shown, each as its own transfer. */
  async function uploadAll(files) {
    if (!files.length) return;
    if (!connection || folder === null) {
      notice.show(t('files.pickFolder'), [], 'info');
      return;
    }
    const target = folder;
    const existing = new Set(entries.map((e) => e.name));
    const clashes = files.filter((f) => existing.has(f.name));
    let policy = WritePolicy.refuse;
    if (clashes.length) {
      const answer = await ask({ title: t('files.overwriteTitle'), text: t('files.overwriteText', { names: clashes.map((f) => f.name).join(', ') }), confirm: t('files.overwrite'), danger: true });
      if (answer === null) files = files.filter((f) => !existing.has(f.name));
      else policy = WritePolicy.overwrite;
    }
    for (const file of files) upload(file, target, existing.has(file.name) ? policy : WritePolicy.refuse);
  }

  function upload(file, target, policy) {
    let row = null;
    const handle = connection.upload(file, join(target, file.name), { policy, onProgress: (done, size) => row.progress(done, size) });
    row = transfers.add({ name: file.name, direction: 'upload', size: file.size, onCancel: () => handle.cancel() });
    track(handle, row);
    handle.promise.then(
      (result) => {
        if (result.skipped) row.skipped();
        else row.done({ digest: hex(result.digest) });
        if (folder === target) show(folder);
      },
      (error) => row.failed(error.code, error.code === 'cancelled' ? t('files.cancelled') : describe(error)),
    );
  }

  async function newFolder() {
    if (!connection || folder === null) return;
    const name = await ask({ title: t('files.newFolder'), confirm: t('files.create'), input: { label: t('files.folderName') } });
    if (typeof name !== 'string' || !name.trim()) return;
    try {
      await connection.makeFolder(join(folder, name.trim()));
      show(folder);
    } catch (error) {
      notice.show(describe(error), [], 'error');
    }
  }

  return {
    id: 'files',
    channel: 'files',
    el,
    tools,
    prepare: async () => {},
    attach,
    activate() {
      if (!primary && !connection && !leaveChannel && el.dataset.state === 'idle') open();
    },
    get live() {
      return Boolean(connection);
    },
    disconnect() {
      leaveChannel?.();
      leaveChannel = null;
      for (const handle of running) handle.cancel();
      connection?.close();
      connection = null;
      el.dataset.state = 'idle';
      transfers.release();
      setEnabled();
    },
  };
}
