import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * After each render, gives every table cell the text of its column header as `data-label`, so on
 * a narrow screen (styles.ts, `.scroll table` below 640 px) each row shows as a card of
 * "label value" lines instead of columns a few letters wide.
 */
export class TableCards implements ReactiveController {
  constructor(private readonly host: ReactiveControllerHost & { renderRoot: ParentNode }) {
    host.addController(this);
  }

  hostUpdated(): void {
    for (const table of this.host.renderRoot.querySelectorAll('table')) {
      const heads = [...table.querySelectorAll('thead th')].map((th) => th.textContent?.trim() ?? '');
      for (const row of table.querySelectorAll('tbody tr')) {
        [...row.children].forEach((cell, i) => {
          const label = heads[i] ?? '';
          if (cell.getAttribute('data-label') !== label) cell.setAttribute('data-label', label);
        });
      }
    }
  }
}
