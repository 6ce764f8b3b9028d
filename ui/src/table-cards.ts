import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * After each render, gives every table cell the text of its column header as `data-label`, so on
 * a narrow screen (styles.ts, `.scroll table` below 640 px) each row shows as a card of
 * "label value" lines instead of columns a few letters wide. The `.scroll` box around a table
 * becomes a named region the keyboard can reach, so a table wider than the screen can be
 * scrolled without a mouse (axe: scrollable-region-focusable).
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
      const box = table.parentElement;
      if (box?.classList.contains('scroll') && !box.hasAttribute('tabindex')) {
        box.setAttribute('tabindex', '0');
        box.setAttribute('role', 'region');
        box.setAttribute('aria-label', table.getAttribute('aria-label') ?? headingBefore(box) ?? 'Table');
      }
    }
  }
}

/** The text of the nearest h2/h3 before `el` among its earlier siblings (or its parent's). */
function headingBefore(el: Element): string | undefined {
  for (let at: Element | null = el; at; at = at.parentElement) {
    for (let s = at.previousElementSibling; s; s = s.previousElementSibling) {
      const h = s.matches('h2, h3') ? s : s.querySelector('h2, h3');
      if (h?.textContent?.trim()) return h.textContent.trim().replace(/\s+/g, ' ');
    }
  }
  return undefined;
}
