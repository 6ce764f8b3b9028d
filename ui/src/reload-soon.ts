import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Runs `reload` once, `ms` after the first of a burst of requests (live events come in bursts;
 * the REST answer they prompt is the same for all of them); nothing after the view left the page.
 */
export class ReloadSoon implements ReactiveController {
  private pending: ReturnType<typeof setTimeout> | undefined;

  constructor(host: ReactiveControllerHost, private readonly reload: () => void, private readonly ms: number) {
    host.addController(this);
  }

  request(): void {
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      this.reload();
    }, this.ms);
  }

  hostDisconnected(): void {
    clearTimeout(this.pending);
    this.pending = undefined;
  }
}
