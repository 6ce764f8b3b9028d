/** One printed figure. `target` undefined means informational (no PASS/MISS). */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target: number | undefined;
  readonly better: 'higher' | 'lower';
  readonly note: string;
}

function fmt(value: number, unit: string): string {
  const digits = Math.abs(value) >= 1000 ? 0 : Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const n = value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return unit === '%' ? `${n} %` : `${n} ${unit}`;
}

/** The human table: figure, value, target, verdict, note. */
export function printTable(figures: readonly Figure[], machine: Record<string, unknown>, seconds: number, method: readonly string[]): void {
  const rows = figures.map((f) => {
    const target = f.target === undefined ? '' : `${f.better === 'higher' ? '≥' : '≤'} ${fmt(f.target, f.unit)}`;
    const verdict = f.target === undefined ? '' : (f.better === 'higher' ? f.value >= f.target : f.value <= f.target) ? 'PASS' : 'MISS';
    return [f.name, fmt(f.value, f.unit), target, verdict, f.note];
  });
  const head = ['figure', 'value', 'target', '', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [
    `smollama bench — ${machine.cpus} × ${machine.cpu}, ${machine.memoryMB} MB, node ${machine.node}, ${seconds.toFixed(0)} s` +
      `, 1-min load average ${Number(machine.loadAverageAtStart).toFixed(1)} at start (other processes skew every figure)`,
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    'method:',
    ...method.map((m) => `  - ${m}`),
    '',
  ];
  process.stdout.write(out.join('\n'));
}
