/**
 * Plain-text verdict tables for the terminal.
 *
 * `table` pads columns to a common width; given `maxWidth` (the terminal's columns), columns
 * that would overflow it are narrowed — the widest first, to no less than their longest word
 * (or 8 characters), then if need be to 6 with words broken — and their cells wrap onto
 * continuation lines. Numbers that are not numbers
 * (NaN) show as "—", and an uncertainty that is not finite is left out, so no "NaN ± NaN".
 */
import type { ExperimentRecord } from '../experiments/types.js';
import { fmt } from '../experiments/verdict.js';
import { tolText } from './html.js';

const color = (v: string, tty: boolean) => {
  if (!tty) return v;
  const code = v === 'confirmed' ? 32 : v === 'falsified' ? 31 : 33;
  return `\x1b[${code}m${v}\x1b[0m`;
};

const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
const len = (s: string) => [...plain(s)].length;

function pad(s: string, n: number): string {
  return s + ' '.repeat(Math.max(0, n - len(s)));
}

/** Break `s` into lines of at most `w` visible characters, at spaces where possible. */
export function wrap(s: string, w: number): string[] {
  if (len(s) <= w) return [s];
  if (s !== plain(s)) return [s]; // coloured cells are single words (verdicts): never split
  const lines: string[] = [];
  let line = '';
  for (const word of s.split(/(?<=[ ,;])/)) {
    let rest = word;
    while (len(line) + len(rest.trimEnd()) > w) {
      if (line) { lines.push(line.trimEnd()); line = ''; continue; }
      const chars = [...rest];
      lines.push(chars.slice(0, w).join(''));
      rest = chars.slice(w).join('');
    }
    line += rest;
  }
  if (line.trim()) lines.push(line.trimEnd());
  return lines;
}

export interface TableOptions {
  /** Fit the table in this many columns (e.g. process.stdout.columns). */
  maxWidth?: number;
  /** Columns never narrowed (e.g. a verdict). */
  keep?: number[];
}

const GAP = 2;

/** Column widths: natural widths, narrowed (widest first) until the row fits `maxWidth`. */
export function columnWidths(rows: string[][], opts: TableOptions = {}): number[] {
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => len(r[j] ?? ''))));
  if (!opts.maxWidth) return widths;
  const max = opts.maxWidth;
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1);
  const narrow = (floor: number[]) => {
    while (total() > max) {
      let j = -1;
      for (let k = 0; k < widths.length; k++) if (widths[k] > floor[k] && (j < 0 || widths[k] > widths[j])) j = k;
      if (j < 0) return; // as narrow as it goes
      widths[j] = Math.max(floor[j], widths[j] - Math.max(1, total() - max));
    }
  };
  const kept = (j: number) => opts.keep?.includes(j) ?? false;
  const longestWord = (j: number) => Math.max(0, ...rows.map((r) => Math.max(0, ...plain(r[j] ?? '').split(/[ ,;]/).map((x) => [...x].length))));
  // First whole words (at least 8 columns); if that is still too wide, words break too.
  narrow(widths.map((w, j) => (kept(j) ? w : Math.min(w, Math.max(8, longestWord(j))))));
  narrow(widths.map((w, j) => (kept(j) ? w : Math.min(w, 6))));
  return widths;
}

export function table(rows: string[][], _tty = false, opts: TableOptions = {}): string {
  const widths = columnWidths(rows, opts);
  const out: string[] = [];
  rows.forEach((r, i) => {
    const cells = widths.map((w, j) => wrap(r[j] ?? '', w));
    const height = Math.max(...cells.map((c) => c.length));
    for (let k = 0; k < height; k++) out.push(cells.map((c, j) => (j === cells.length - 1 ? (c[k] ?? '') : pad(c[k] ?? '', widths[j]))).join(' '.repeat(GAP)).trimEnd());
    if (i === 0) out.push(widths.map((w) => '─'.repeat(w)).join(' '.repeat(GAP)));
  });
  return out.join('\n');
}

/** A number for the table: NaN (not measured) as "—". */
export const cellNumber = (x: unknown): string => (typeof x === 'number' && Number.isNaN(x) ? '—' : fmt(x));

/** "measured ± uncertainty", the uncertainty only when it is a finite number. */
export function measuredText(measured: unknown, uncertainty: unknown): string {
  const m = cellNumber(measured);
  return typeof uncertainty === 'number' && Number.isFinite(uncertainty) && m !== '—' ? `${m} ± ${fmt(uncertainty)}` : m;
}

/** One row per check; the experiment's name on its first row only. */
export function checksTable(records: ExperimentRecord[], tty = false, opts: TableOptions = {}): string {
  const rows: string[][] = [['experiment', 'check', 'predicted', 'measured', 'tolerance', 'verdict']];
  for (const r of records) {
    const name = r.label ? `${r.experiment} [${r.label}]` : r.experiment;
    r.checks.forEach((c, k) => {
      rows.push([k === 0 ? name : '', c.name, cellNumber(c.predicted), measuredText(c.measured, c.uncertainty), tolText(c.tolerance), color(c.verdict, tty)]);
    });
    if (!r.checks.length) rows.push([name, '(no checks)', '', '', '', color(r.verdict, tty)]);
  }
  return table(rows, tty, { keep: [5], ...opts });
}
