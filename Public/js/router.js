// A hash router: `#/devices`, `#/admin/operators`… Each route renders a view
// `{ el, unmount? }` into the outlet; the previous view is unmounted first.

/**
 * @typedef {{ el: HTMLElement, unmount?: () => void, focus?: () => void }} View
 * @typedef {(params: Record<string,string>) => View | Promise<View>} Render
 */

export class Router {
  /** @param {(path: string) => ({ render: Render, params: Record<string,string> } | null)} resolve */
  constructor(resolve, mount) {
    this.resolve = resolve;
    this.mount = mount;
    this.view = null;
    this.generation = 0;
    window.addEventListener('hashchange', () => this.render());
  }

  /** The current path without `#`, e.g. `/devices`. */
  get path() {
    return location.hash.replace(/^#/, '') || '/';
  }

  /** Goes to `path`, rendering again even when it is the current one. */
  go(path) {
    if (this.path === path) this.render();
    else location.hash = path;
  }

  async render() {
    const generation = ++this.generation;
    const match = this.resolve(this.path);
    if (!match) return;
    this.view?.unmount?.();
    this.view = null;
    const view = await match.render(match.params);
    if (generation !== this.generation) {
      view.unmount?.();
      return;
    }
    this.view = view;
    this.mount(view.el);
    view.focus?.();
  }
}
