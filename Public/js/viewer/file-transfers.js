// The list of file transfers under the files panel: one row per upload or download with a
// progress bar, speed and time left, a cancel button, and the outcome. The row only shows
// progress; the files connection does the transfer.

import { h, icon, replace } from '../dom.js';
import { t } from '../i18n.js';
import { bytes } from '../format.js';

/** The speed shown is averaged over about this long (ms), so it does not flicker. */
const smoothing = 2000;

/** "1:05" or "12 s" for a number of seconds. */
function timeLeft(seconds) {
  if (!Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return t('files.seconds', { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}:${String(s % 60).padStart(2, '0')}`;
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export function TransferList() {
  let next = 1;
  const list = h('ul', { class: 'transfers__list', id: 'files-transfers' });
  const el = h('section', { class: 'transfers', 'aria-label': t('files.transfers') }, h('h3', { class: 'transfers__title', text: t('files.transfers') }), list);
  el.hidden = true;
  const urls = [];

  /**
   * A new row for `name`. Returns the handle the panel drives.
   * @param {{ name: string, direction: 'upload'|'download', size?: number, onCancel: () => void }} options
   */
  function add({ name, direction, size = 0, onCancel }) {
    el.hidden = false;
    const id = `transfer-${next++}`;
    const bar = h('progress', { class: 'transfer__bar', max: String(Math.max(size, 1)), value: '0', 'aria-label': name });
    const detail = h('span', { class: 'transfer__detail muted' });
    const cancel = h('button', { type: 'button', class: 'button button--small transfer__cancel', text: t('common.cancel'), onclick: () => onCancel() });
    const actions = h('span', { class: 'transfer__actions' }, cancel);
    const row = h(
      'li',
      { class: 'transfer', id, dataset: { state: 'waiting', direction, name } },
      icon(direction === 'upload' ? 'upload' : 'download'),
      h('span', { class: 'transfer__name', text: name, title: name }),
      bar,
      detail,
      actions,
    );
    list.prepend(row);
    detail.textContent = t('files.waiting');
    let total = size;
    let started = 0;
    let lastTime = 0;
    let lastDone = 0;
    let speed = 0;

    return {
      id,
      row,
      /** `done` of `size` bytes so far. */
      progress(done, size) {
        const now = performance.now();
        if (!started) {
          started = now;
          lastTime = now;
          lastDone = done;
          row.dataset.state = 'running';
        }
        total = size;
        bar.max = Math.max(size, 1);
        bar.value = done;
        row.dataset.done = String(done);
        const elapsed = now - lastTime;
        if (elapsed >= 250) {
          // An exponential average over about `smoothing` ms of the recent rate.
          const rate = ((done - lastDone) * 1000) / elapsed;
          const weight = Math.min(1, elapsed / smoothing);
          speed = speed ? speed + (rate - speed) * weight : rate;
          lastTime = now;
          lastDone = done;
        }
        const left = speed > 0 ? (size - done) / speed : Infinity;
        detail.textContent = t('files.progress', { done: bytes(done), size: bytes(size), speed: speed > 0 ? `${bytes(speed)}/s` : '—', left: timeLeft(left) });
      },
      /** Finished; `link` (downloads) lets the operator save the file again. */
      done({ digest, url } = {}) {
        row.dataset.state = 'done';
        bar.max = Math.max(total, 1);
        bar.value = Math.max(total, 1);
        if (digest) row.dataset.sha256 = digest;
        const seconds = started ? (performance.now() - started) / 1000 : 0;
        detail.textContent = t(direction === 'upload' ? 'files.uploaded' : 'files.downloaded', { size: bytes(total), seconds: seconds.toFixed(1) });
        if (url) {
          urls.push(url);
          replace(actions, h('a', { class: 'button button--small', href: url, download: name, text: t('files.saveAgain') }));
        } else {
          replace(actions);
        }
      },
      skipped() {
        row.dataset.state = 'skipped';
        detail.textContent = t('files.skipped');
        replace(actions);
      },
      /** Failed or cancelled, with the text to show. */
      failed(code, text) {
        row.dataset.state = code === 'cancelled' ? 'cancelled' : 'failed';
        row.dataset.error = code;
        detail.textContent = text;
        replace(actions);
      },
    };
  }

  return {
    el,
    add,
    /** Frees the downloaded files' object URLs (when the viewer closes). */
    release() {
      for (const url of urls.splice(0)) URL.revokeObjectURL(url);
    },
  };
}
