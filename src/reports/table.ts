/** Plain-text verdict tables for the terminal. */
import type { ExperimentRecord } from '../experiments/types.js';
import { fmt } from '../experiments/verdict.js';
import { tolText } from './html.js';

const color = (v: string, tty: boolean) => {
  if (!tty) return v;
  const code = v === 'confirmed' ? 32 : v === 'falsified' ? 31 : 33;
  return `\x1b[${code}m${v}\x1b[0m`;
};

function pad(s: string, n: number): string {
  const len = [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;
  return s + ' '.repeat(Math.max(0, n - len));
}

export function table(rows: string[][], tty = false): string {
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => [...r[j].replace(/\x1b\[[0-9;]*m/g, '')].length)));
  return rows.map((r, i) => r.map((c, j) => pad(c, widths[j])).join('  ') + (i === 0 ? '\n' + widths.map((w) => '─'.repeat(w)).join('  ') : '')).join('\n');
}

export function checksTable(records: ExperimentRecord[], tty = false): string {
  const rows: string[][] = [['experiment', 'check', 'predicted', 'measured', 'tolerance', 'verdict']];
  for (const r of records) {
    const name = r.label ? `${r.experiment} [${r.label}]` : r.experiment;
    for (const c of r.checks) {
      const measured = fmt(c.measured) + (c.uncertainty !== undefined ? ` ± ${fmt(c.uncertainty)}` : '');
      rows.push([name, c.name, fmt(c.predicted), measured, tolText(c.tolerance), color(c.verdict, tty)]);
    }
    if (!r.checks.length) rows.push([name, '(no checks)', '', '', '', color(r.verdict, tty)]);
  }
  return table(rows, tty);
}
