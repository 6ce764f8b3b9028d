import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

// axe-core's browser build, evaluated in the page by the test (the dashboard's CSP rightly refuses
// an inline <script>, so no addScriptTag): the page itself still loads nothing but the node's files.
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/**
 * Runs axe on the page as it is now (through open shadow roots): its serious and critical
 * violations, and whether the color-contrast rule found text it could measure and pass.
 */
export async function axeCheck(page: Page): Promise<{ serious: AxeViolation[]; contrastMeasured: boolean }> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const r = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<unknown> } }).axe;
    const result = (await axe.run(document, { resultTypes: ['violations'] })) as { violations: AxeViolation[]; passes: Array<{ id: string }> };
    return { violations: result.violations, contrast: result.passes.some((p) => p.id === 'color-contrast') };
  });
  return { serious: r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), contrastMeasured: r.contrast };
}

/** One line per violation: its id, what it is about, and where (up to 4 targets), for an assertion message. */
export function describeViolations(violations: readonly AxeViolation[]): string {
  return violations
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 4).map((n) => JSON.stringify(n.target)).join(', ')}${v.nodes[0]?.failureSummary ? ` — ${v.nodes[0].failureSummary.replace(/\s+/g, ' ').slice(0, 200)}` : ''}`)
    .join('\n');
}
