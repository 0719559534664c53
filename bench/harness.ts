/**
 * A small benchmark harness: timing, result rows, the numpy reference runner and the Markdown
 * writer behind `npm run bench` → BENCHMARKS.md.
 *
 * Everything except `runPython`/`pythonInfo` is pure (no processes, no files), so the smoke test
 * in test/bench-smoke.test.ts can cover it without timing anything real.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------
// Timing.

export interface TimeOptions {
  /** Untimed calls first (JIT tier-up, wasm memory growth, caches). Default 1. */
  warmup?: number;
  /** Timed calls at least this many times... Default 3. */
  minRuns?: number;
  /** ...and until at least this much timed wall clock has passed. Default 0.5 s. */
  minSeconds?: number;
  /** Never more than this many timed calls (default 1000). */
  maxRuns?: number;
}

export interface Timing {
  /** Fastest run, seconds: the figure least disturbed by other load on a shared machine. */
  best: number;
  /** Median run, seconds (issue 8 §5: report medians, with min–max and the number of runs). */
  median: number;
  /** Fastest run, seconds (the same figure as `best`). */
  min: number;
  /** Slowest run, seconds. */
  max: number;
  /** Number of timed runs. */
  runs: number;
}

const gc = (): void => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') g();
};

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * Time `fn`: `warmup` untimed calls, then timed calls until both `minRuns` and `minSeconds`
 * are reached (capped at `maxRuns`). With `node --expose-gc` a full GC runs before the timed
 * phase so garbage from earlier work is not collected inside it.
 */
export function time(fn: () => unknown, opts: TimeOptions = {}): Timing {
  const warmup = opts.warmup ?? 1;
  const minRuns = Math.max(1, opts.minRuns ?? 3);
  const minSeconds = opts.minSeconds ?? 0.5;
  const maxRuns = Math.max(minRuns, opts.maxRuns ?? 1000);
  for (let i = 0; i < warmup; i++) fn();
  gc();
  const samples: number[] = [];
  let total = 0;
  while (samples.length < maxRuns && (samples.length < minRuns || total < minSeconds)) {
    const t0 = process.hrtime.bigint();
    fn();
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    samples.push(dt);
    total += dt;
  }
  const min = samples.reduce((m, x) => (x < m ? x : m), Infinity);
  const max = samples.reduce((m, x) => (x > m ? x : m), -Infinity);
  return { best: min, median: median(samples), min, max, runs: samples.length };
}

// ---------------------------------------------------------------------------------------
// Rows, ratios, targets.

export interface BenchRow {
  section: string;
  name: string;
  /** Our measured figure, in `unit`. */
  ours: number;
  unit: string;
  /** The reference figure (numpy, or a theoretical value), in `unit`; undefined when unavailable. */
  reference?: number;
  /** Speed relative to the reference (see `speedRatio`); undefined without a reference. */
  ratio?: number;
  note?: string;
}

/**
 * Our speed relative to the reference, oriented so that > 1 always means "ours is faster":
 * for a throughput (higher is better, e.g. GFLOP/s) it is ours / reference, for a time
 * (lower is better, e.g. ms) it is reference / ours. Undefined when either side is missing,
 * non-finite or not positive.
 */
export function speedRatio(ours: number | undefined, reference: number | undefined, better: 'higher' | 'lower'): number | undefined {
  if (ours === undefined || reference === undefined) return undefined;
  if (!Number.isFinite(ours) || !Number.isFinite(reference) || ours <= 0 || reference <= 0) return undefined;
  return better === 'higher' ? ours / reference : reference / ours;
}

/** A target from the issue text, checked against a measured figure. */
export interface Target {
  label: string;
  /** The measured value (undefined: not measured in this run, e.g. with --quick). */
  measured: number | undefined;
  op: '>=' | '<=';
  threshold: number;
  unit: string;
}

export type TargetStatus = 'met' | 'not met' | 'not measured';

export function targetStatus(t: Target): TargetStatus {
  if (t.measured === undefined || !Number.isFinite(t.measured)) return 'not measured';
  return (t.op === '>=' ? t.measured >= t.threshold : t.measured <= t.threshold) ? 'met' : 'not met';
}

/** What a section module returns. */
export interface SectionResult {
  rows: BenchRow[];
  targets?: Target[];
  /** Free-text notes printed under the section's tables. */
  notes?: string[];
}

export interface BenchContext {
  /** Fewer sizes and repetitions: a smoke test of the whole pipeline, not a measurement. */
  quick: boolean;
  /** Progress messages (stderr). */
  log: (msg: string) => void;
}

export interface BenchSection {
  /** Short id used by `--only` and in the BENCHMARKS.md section markers. */
  id: string;
  title: string;
  /** One sentence on what the section measures (printed under its heading). */
  description?: string;
  /** Column header for the ratio column. */
  ratioLabel?: string;
  run(ctx: BenchContext): Promise<SectionResult>;
}

// ---------------------------------------------------------------------------------------
// The numpy reference.

/** The repository root (the folder holding package.json), from this file's location. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

/** Environment for the reference: BLAS/LAPACK pinned to one thread, like our engine. */
export function singleThreadEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1', VECLIB_MAXIMUM_THREADS: '1', NUMEXPR_NUM_THREADS: '1' };
}

/** The last line of `stdout` that parses as a JSON object (scripts may print progress before it). */
export function parseJsonLine(stdout: string): unknown {
  const lines = stdout.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines[i]);
    } catch {
      // not JSON after all; try the previous line
    }
  }
  throw new Error('no JSON object line on stdout');
}

const PYTHON = process.env.PYTHON ?? 'python3';

function spawnCollect(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string; error?: Error }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: singleThreadEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr, error });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Run `python3 bench/reference/<script> ...args` single-threaded and return the JSON object it
 * prints (its last JSON line). Rejects with a short reason when python or numpy is missing, the
 * script fails or prints no JSON; callers turn that into rows without a reference and a note.
 */
export async function runPython(script: string, args: readonly string[] = [], timeoutMs = 20 * 60_000, python = PYTHON): Promise<any> {
  const file = path.join(repoRoot(), 'bench', 'reference', script);
  if (!existsSync(file)) throw new Error(`reference script ${path.relative(repoRoot(), file)} not found`);
  const r = await spawnCollect(python, [file, ...args], timeoutMs);
  if (r.error) throw new Error(`${python} not available (${r.error.message})`);
  if (/No module named '?numpy'?/.test(r.stderr)) throw new Error('numpy is not installed for python3');
  if (r.code !== 0) {
    const last = r.stderr.trim().split('\n').slice(-1)[0] ?? '';
    throw new Error(`${script} exited with ${r.code ?? 'a signal'}${last ? `: ${last}` : ''}`);
  }
  return parseJsonLine(r.stdout);
}

/**
 * The first interpreter that can import every module in `modules`: $PYTHON, python3 on PATH, then
 * Debian's /usr/bin/python3 (where `apt-get install python3-torch` puts PyTorch).
 */
export async function findPython(modules: readonly string[]): Promise<string | undefined> {
  const candidates = [...new Set([PYTHON, 'python3', '/usr/bin/python3'])];
  for (const py of candidates) {
    const r = await spawnCollect(py, ['-c', modules.map((m) => `import ${m}`).join('; ')], 120_000);
    if (!r.error && r.code === 0) return py;
  }
  return undefined;
}

export interface PythonInfo {
  python?: string;
  numpy?: string;
  blas?: string;
  /** Why python/numpy could not be queried. */
  error?: string;
}

/** python and numpy versions and the BLAS numpy links (for the BENCHMARKS.md header). */
export async function pythonInfo(): Promise<PythonInfo> {
  const code = [
    'import json, platform',
    'import numpy as np',
    'blas = ""',
    'try:',
    '    cfg = np.show_config(mode="dicts")',
    '    b = cfg["Build Dependencies"]["blas"]',
    '    blas = (b.get("name", "") + " " + str(b.get("version", ""))).strip()',
    'except Exception:',
    '    pass',
    'print(json.dumps({"python": platform.python_version(), "numpy": np.__version__, "blas": blas}))',
  ].join('\n');
  const r = await spawnCollect(PYTHON, ['-c', code], 60_000);
  if (r.error) return { error: `${PYTHON} not available` };
  if (r.code !== 0) return { error: /numpy/.test(r.stderr) ? 'numpy not installed' : `python failed: ${r.stderr.trim().split('\n').slice(-1)[0]}` };
  try {
    return parseJsonLine(r.stdout) as PythonInfo;
  } catch {
    return { error: 'could not read python/numpy versions' };
  }
}

// ---------------------------------------------------------------------------------------
// Markdown.

/** A number with `digits` significant digits, without exponent notation for ordinary sizes. */
export function fmt(x: number | undefined, digits = 3): string {
  if (x === undefined || Number.isNaN(x)) return '–';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-4) return x.toExponential(digits - 1);
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
  return x.toFixed(decimals);
}

export function fmtRatio(r: number | undefined): string {
  return r === undefined ? '–' : `${fmt(r, 3)}×`;
}

/** Escape a table cell (pipes and newlines would break the row). */
export function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function markdownTable(header: readonly string[], body: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const sep = `|${header.map(() => '---').join('|')}|`;
  return [line(header), sep, ...body.map(line)].join('\n');
}

/** The rows of one section as a Markdown table: ours, reference, ratio, notes. */
export function rowsTable(rows: readonly BenchRow[], ratioLabel = 'ratio'): string {
  return markdownTable(
    ['benchmark', 'ours', 'reference', 'unit', ratioLabel, 'notes'],
    rows.map((r) => [r.name, fmt(r.ours), fmt(r.reference), r.unit, fmtRatio(r.ratio), r.note ?? '']),
  );
}

export function targetsLine(targets: readonly Target[]): string {
  if (targets.length === 0) return '';
  const parts = targets.map((t) => {
    const st = targetStatus(t);
    const measured = t.measured === undefined ? '' : ` (measured ${fmt(t.measured)} ${t.unit})`;
    return `${t.label} ${t.op === '>=' ? '≥' : '≤'} ${t.threshold} ${t.unit}: **${st}**${measured}`;
  });
  return `**Targets:** ${parts.join('; ')}.`;
}

export interface SectionReport {
  section: BenchSection;
  result: SectionResult;
  /** When and how this section was measured (kept per section so `--only` can merge files). */
  measuredAt: string;
  command: string;
  seconds: number;
}

export const sectionStart = (id: string) => `<!-- bench:section ${id} -->`;
export const sectionEnd = (id: string) => `<!-- /bench:section ${id} -->`;

/** One section's Markdown block, wrapped in markers so a later `--only` run can replace it alone. */
export function renderSection(rep: SectionReport): string {
  const { section, result } = rep;
  const out: string[] = [sectionStart(section.id), `## ${section.title}`, ''];
  if (section.description) out.push(section.description, '');
  out.push(`_Measured ${rep.measuredAt} with \`${rep.command}\` (section took ${fmt(rep.seconds, 3)} s)._`, '');
  out.push(rowsTable(result.rows, section.ratioLabel), '');
  const t = targetsLine(result.targets ?? []);
  if (t) out.push(t, '');
  for (const n of result.notes ?? []) out.push(`- ${n}`);
  if ((result.notes ?? []).length > 0) out.push('');
  out.push(sectionEnd(section.id));
  return out.join('\n');
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  os: string;
  numpy: string;
  /** os.loadavg() when the run started and when it ended. */
  loadavg?: readonly number[];
  loadavgEnd?: readonly number[];
}

export function renderHeader(m: MachineInfo, date: string, command: string, extra: readonly string[] = []): string {
  const lines = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (bench/run.ts); edits inside this file are overwritten. -->',
    '',
    `- **Machine:** ${m.cpu}, ${m.cores} logical cores, ${m.os}`,
    `- **Node:** ${m.node} · **numpy:** ${m.numpy}`,
    `- **Date:** ${date}`,
    `- **Command:** \`${command}\``,
  ];
  const la = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  if (m.loadavg) {
    lines.push(`- **Load average (1/5/15 min):** ${la(m.loadavg)} at start${m.loadavgEnd ? `, ${la(m.loadavgEnd)} at end` : ''}`);
    const peak = Math.max(m.loadavg[0], m.loadavgEnd?.[0] ?? 0);
    if (peak >= m.cores / 2) {
      lines.push(`- **Warning:** the machine was busy during this run (1-min load up to ${peak.toFixed(2)} on ${m.cores} cores): other processes competed for the CPU, so our figures and numpy's may both understate what an idle machine gives.`);
    }
  }
  for (const e of extra) lines.push(`- ${e}`);
  return lines.join('\n');
}

/**
 * The whole file. `previous` (the existing BENCHMARKS.md) lets a partial run (`--only`) keep
 * the blocks of sections it did not measure; `order` fixes the section order in the file.
 */
export function renderReport(header: string, reports: readonly SectionReport[], order: readonly string[], previous?: string): string {
  const blocks = new Map<string, string>();
  if (previous) {
    for (const id of order) {
      const s = previous.indexOf(sectionStart(id));
      const e = previous.indexOf(sectionEnd(id));
      if (s >= 0 && e > s) blocks.set(id, previous.slice(s, e + sectionEnd(id).length));
    }
  }
  for (const r of reports) blocks.set(r.section.id, renderSection(r));
  const body = order.filter((id) => blocks.has(id)).map((id) => blocks.get(id)!);
  // Sections present in the old file but no longer registered are dropped.
  return [header, '', ...body.flatMap((b) => [b, ''])].join('\n');
}
