import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** A parameter of the page address's hash: `#/readings?node=ab12…` → hashParam('node') = 'ab12…'. */
export function hashParam(name: string): string | undefined {
  const q = location.hash.indexOf('?');
  if (q < 0) return undefined;
  const v = new URLSearchParams(location.hash.slice(q + 1)).get(name);
  return v === null || v === '' ? undefined : v;
}

/** The address of a page filtered to one node: `#/readings?node=<origin>`. */
export function nodeHref(page: string, origin: string): string {
  return `#/${page}?${new URLSearchParams({ node: origin }).toString()}`;
}

/**
 * The `node` filter of a view, from the address (so the fleet view can link into it and the back
 * button works): read when the element connects, and again on each hash change within the page.
 */
export class NodeFilter implements ReactiveController {
  value: string | undefined = hashParam('node');
  private readonly onHash = () => {
    const next = hashParam('node');
    if (next === this.value) return;
    this.value = next;
    this.onChange();
    this.host.requestUpdate();
  };

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly onChange: () => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.value = hashParam('node');
    window.addEventListener('hashchange', this.onHash);
  }

  hostDisconnected(): void {
    window.removeEventListener('hashchange', this.onHash);
  }
}
