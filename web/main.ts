/**
 * The live page: pick a registered experiment, set its options (controls built from its zod
 * schema), run it in a Web Worker on the WebAssembly backend, watch its plots fill in, and read
 * the verdict with its checks and regime conditions. The whole state lives in the URL
 * (`?experiment=dln&depth=3&init=0.1&lr=0.002&…&autorun=1`), so a view can be shared.
 *
 * Imports only browser-safe modules (no node: builtins): the registry, config helpers, and the
 * Observable Plot renderer.
 */
import type { z } from 'zod';
import { experiments } from '../src/experiments/registry.js';
import { ConfigError, describeOptions, fieldKind, parseConfig } from '../src/experiments/config.js';
import type { Check, Experiment, ExperimentRecord, PlotSpec, RegimeCondition, Tolerance } from '../src/experiments/types.js';
import type { Row } from '../src/experiments/runner.js';
import { plotElement } from '../src/reports/plots.js';
import { setMath } from '../src/reports/math.js';
import { figureName, seriesCsv, standaloneSvg } from '../src/reports/figure-export.js';
import { saveBlob, svgToPngBlob } from '../src/reports/figure-download.js';
import type { FromWorker, ToWorker } from './worker.js';
import { sweepSections } from '../src/reports/sweep-figures.js';
import { browserSpec, runBrowserSweep, type BrowserCell, type SweepHandle } from './sweep.js';
import * as libm from '../src/engine/libm.js';
import { stringify as yamlStringify } from 'yaml';
import { compileHypothesis, hypothesisHash, judgeHypothesis, type CompiledHypothesis } from '../src/lab/hypothesis.js';

// ───────────────────────────── controls from the schema ─────────────────────────────

/**
 * Curated slider ranges for options whose natural scale is logarithmic. An experiment's field
 * with one of these names gets a log slider over [min, max] ∩ its schema bounds.
 */
const LOG_HINTS: Record<string, { min: number; max: number }> = {
  lr: { min: 1e-4, max: 1 },
  learningRate: { min: 1e-4, max: 1 },
  init: { min: 1e-3, max: 10 },
  initScale: { min: 1e-3, max: 10 },
  alpha: { min: 1e-3, max: 1e3 },
  scale: { min: 1e-3, max: 1e3 },
  weightDecay: { min: 1e-6, max: 1 },
  ridge: { min: 1e-8, max: 1 },
  noise: { min: 1e-4, max: 10 },
  temperature: { min: 1e-3, max: 1e3 },
};

type Kind = 'number' | 'boolean' | 'array' | 'string' | 'enum';

interface Field {
  key: string;
  kind: Kind;
  description: string;
  /** Default value as it appears in the URL ('' for an optional field with no default). */
  defaultText: string;
  /** No default: left out of the config (and the URL) while its text is empty. */
  optional: boolean;
  /** An array of arrays: written as JSON (`[[2,0],[0,1]]`) rather than comma-separated. */
  nested: boolean;
  int: boolean;
  min: number;
  max: number;
  minInclusive: boolean;
  options: string[];
  /** How the control looks: a slider (linear or log over `values`), a box, a checkbox, a menu. */
  control: 'slider' | 'log-slider' | 'box' | 'checkbox' | 'select';
  /** For sliders: the positions' values, ascending. */
  values: number[];
}

interface ZodDefLike { type?: string; innerType?: unknown; element?: unknown; checks?: { _zod: { def: { check: string; value?: number; inclusive?: boolean; format?: string } } }[]; entries?: Record<string, string> }

function unwrap(field: z.ZodType): ZodDefLike {
  let f = field as unknown as { _zod: { def: ZodDefLike } };
  for (let guard = 0; guard < 8; guard++) {
    const def = f._zod.def;
    if (def.type === 'default' || def.type === 'optional' || def.type === 'nullable' || def.type === 'prefault') { f = def.innerType as typeof f; continue; }
    return def;
  }
  return f._zod.def;
}

/** Round to `digits` significant figures, dropping float noise (0.1·3 → 0.3). */
const sig = (v: number, digits = 3) => (v === 0 || !Number.isFinite(v) ? v : Number(v.toPrecision(digits)));

/** Log-spaced "nice" values (1, 1.5, 2, 3, 5, 7 × 10ᵏ) in [lo, hi], ends included. */
function logValues(lo: number, hi: number, int: boolean): number[] {
  const mantissas = [1, 1.5, 2, 3, 5, 7];
  const out = new Set<number>([lo]);
  for (let e = Math.floor(libm.log10(lo)); e <= Math.ceil(libm.log10(hi)); e++) {
    for (const m of mantissas) {
      const v = sig(m * libm.pow(10, e), 6);
      if (v >= lo && v <= hi) out.add(int ? Math.round(v) : v);
    }
  }
  out.add(hi);
  return [...out].sort((a, b) => a - b);
}

function linearValues(lo: number, hi: number, int: boolean, minInclusive: boolean): number[] {
  if (int) {
    const vs: number[] = [];
    for (let v = Math.ceil(minInclusive ? lo : lo + 1); v <= hi; v++) vs.push(v);
    return vs;
  }
  const raw = (hi - lo) / 100;
  const p = libm.pow(10, Math.floor(libm.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
  const vs: number[] = [];
  for (let i = minInclusive ? 0 : 1; lo + i * step <= hi + step * 1e-9; i++) vs.push(sig(lo + i * step, 8));
  return vs;
}

function describeFields(schema: z.ZodType): Field[] {
  const shape = (schema as unknown as { shape: Record<string, z.ZodType> }).shape ?? {};
  const opts = describeOptions(schema);
  return Object.entries(shape).map(([key, f], i) => {
    const def = unwrap(f);
    const base = fieldKind(f);
    // A union holding a list of choices (data: "mnist" | "synthetic" | a file path): the page
    // offers the choices only, since it reads no files (user data is for the CLI).
    const choices = def.type === 'enum' ? def : def.type === 'union'
      ? ((def as { options?: { _zod: { def: ZodDefLike } }[] }).options ?? []).map((o) => o._zod.def).find((d) => d.type === 'enum') : undefined;
    const kind: Kind = choices ? 'enum' : base;
    let min = -Infinity, max = Infinity, minInclusive = true, int = false;
    for (const c of def.checks ?? []) {
      const d = c._zod.def;
      if (d.check === 'greater_than' && d.value !== undefined) { min = d.value; minInclusive = d.inclusive !== false; }
      if (d.check === 'less_than' && d.value !== undefined) max = d.value;
      if (d.check === 'number_format' && (d.format === 'safeint' || d.format === 'int32')) int = true;
    }
    const nested = kind === 'array' && (def.element as { _zod?: { def: { type?: string } } } | undefined)?._zod?.def.type === 'array';
    const field: Field = {
      key, kind, int, min, max, minInclusive, nested,
      optional: opts[i]?.default === undefined,
      description: opts[i]?.description ?? '',
      defaultText: toText(opts[i]?.default),
      options: choices ? Object.values(choices.entries ?? {}) : [],
      control: kind === 'boolean' ? 'checkbox' : kind === 'enum' ? 'select' : 'box',
      values: [],
    };
    if (kind === 'number') {
      const hint = LOG_HINTS[key];
      const d = typeof opts[i]?.default === 'number' ? (opts[i].default as number) : NaN;
      if (hint) {
        // The slider spans everything the schema allows: its upper bound when it has one (the
        // hint only when it has none), and at the open bottom the curated lower end, stretched
        // to keep the default well inside.
        const lo = Math.max(d > 0 ? Math.min(hint.min, d / 100) : hint.min, min > 0 ? min : 0);
        const hi = Number.isFinite(max) ? max : d > 0 ? Math.max(hint.max, 10 * d) : hint.max;
        if (lo > 0 && hi > lo) { field.control = 'log-slider'; field.values = logValues(lo, hi, int); }
      } else if (Number.isFinite(min) && Number.isFinite(max) && max > min) {
        if (min > 0 && max / min >= 100) { field.control = 'log-slider'; field.values = logValues(min, max, int); }
        else if (min === 0 && !minInclusive && d > 0 && d < max / 20) {
          // Positive-only with a default near the bottom (a tolerance, a small scale): log.
          field.control = 'log-slider'; field.values = logValues(sig(Math.min(d / 100, max / 1000)), max, int);
        } else if (!int || max - min <= 1000) { field.control = 'slider'; field.values = linearValues(min, max, int, minInclusive); }
      }
    }
    return field;
  });
}

function toText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.some(Array.isArray) ? JSON.stringify(v) : v.map((x) => toText(x)).join(',');
  return String(v);
}

/** Turn the URL's text back into typed values; unparseable input stays text so zod names it. */
function fromText(field: Field | undefined, text: string): unknown {
  const num = (s: string) => (s.trim() === '' || Number.isNaN(Number(s)) ? s : Number(s));
  if (!field) return num(text);
  switch (field.kind) {
    case 'number': return num(text);
    case 'boolean': return text === 'true' || text === '1' ? true : text === 'false' || text === '0' ? false : text;
    case 'array': {
      const t = text.trim();
      if (t.startsWith('[')) { try { return JSON.parse(t) as unknown; } catch { return t; } }
      return t === '' ? [] : t.split(',').map((s) => num(s.trim()));
    }
    default: return text;
  }
}

// ───────────────────────────── state and URL ─────────────────────────────

interface State {
  experiment: Experiment;
  fields: Field[];
  /** Every option's value as text, keyed by schema key. */
  values: Record<string, string>;
  autorun: boolean;
  /** URL parameters that are not options of the experiment (utm_*, typos): ignored, with a notice. */
  ignored: string[];
}

const RESERVED = new Set(['experiment', 'autorun', 'sweep', 'sweep-seeds', 'sweep-workers', 'autosweep', 'h-observable', 'h-prediction', 'h-tolerance']);

function stateFromUrl(search: string): { state: State; problem?: string } {
  const params = new URLSearchParams(search);
  const name = params.get('experiment') ?? experiments[0].name;
  const found = experiments.find((e) => e.name === name);
  const experiment = found ?? experiments[0];
  const fields = describeFields(experiment.schema);
  const values: Record<string, string> = {};
  for (const f of fields) values[f.key] = f.defaultText;
  const known = new Set(fields.map((f) => f.key));
  const ignored: string[] = [];
  for (const [k, v] of params) {
    if (RESERVED.has(k)) continue;
    const key = k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()); // accept kebab-case too
    if (known.has(key)) values[key] = v;
    else ignored.push(k);
  }
  const autorun = ['1', 'true', 'yes'].includes(params.get('autorun') ?? '');
  const problem = found ? undefined : `unknown experiment "${name}"; known: ${experiments.map((e) => e.name).join(', ')}`;
  return { state: { experiment, fields, values, autorun, ignored }, problem };
}

function urlFor(s: State): string {
  const enc = (v: string) => encodeURIComponent(v).replace(/%2C/gi, ',').replace(/%5B/gi, '[').replace(/%5D/gi, ']');
  const parts = [`experiment=${enc(s.experiment.name)}`];
  const optional = new Set(s.fields.filter((f) => f.optional).map((f) => f.key));
  for (const [k, v] of Object.entries(s.values)) if (!(v === '' && optional.has(k))) parts.push(`${enc(k)}=${enc(v)}`);
  for (const [k, v] of Object.entries(prediction)) if (v.trim()) parts.push(`h-${k}=${enc(v)}`);
  if (s.autorun) parts.push('autorun=1');
  return `?${parts.join('&')}`;
}

function rawConfig(s: State): Record<string, unknown> {
  const byKey = new Map(s.fields.map((f) => [f.key, f]));
  return Object.fromEntries(Object.entries(s.values)
    .filter(([k, v]) => !(v.trim() === '' && byKey.get(k)?.optional))
    .map(([k, v]) => [k, fromText(byKey.get(k), v)]));
}

/**
 * A ConfigError in the page's words: the CLI names fields by flag (`--lambda-max`), the page by
 * the control's label (`lambdaMax`); "expected number" reads "must be a number".
 */
export function pageMessage(message: string, experiment: string): string {
  return message
    .replace(new RegExp(`^${experiment}: invalid config\\n\\s*`), 'Invalid options:\n')
    .replace(/--([a-z][a-z0-9]*(?:-[a-z0-9]+)*)/g, (_, k: string) => k.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase()))
    .replace(/: expected number/g, ': must be a number')
    .replace(/\n\s+/g, '\n');
}

/** Validate the current controls; a ConfigError's message is shown on the page, in its words. */
function validate(s: State): { config?: Record<string, unknown>; error?: string } {
  try {
    return { config: parseConfig(s.experiment.schema, rawConfig(s), s.experiment.name) as Record<string, unknown> };
  } catch (e) {
    return { error: e instanceof ConfigError ? pageMessage(e.message, s.experiment.name) : `${(e as Error).name}: ${(e as Error).message}` };
  }
}

// ───────────────────────────── DOM helpers ─────────────────────────────

const $ = <T extends HTMLElement = HTMLElement>(sel: string) => document.querySelector(sel) as T;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | boolean | undefined> = {}, ...children: (Node | string | null | undefined)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

function fmt(v: unknown): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    if (v === 0) return '0';
    const a = Math.abs(v);
    return a >= 1e-3 && a < 1e5 ? String(sig(v, 4)) : v.toExponential(2).replace(/\.?0+e/, 'e').replace('e+', 'e');
  }
  if (Array.isArray(v)) return `[${v.map(fmt).join(', ')}]`;
  return String(v);
}

function fmtTolerance(t: Tolerance): string {
  switch (t.kind) {
    case 'abs': return `± ${fmt(t.value)}`;
    case 'rel': return `± ${fmt(100 * t.value)} %`;
    case 'equal': return 'exact';
    case 'range': return `[${fmt(t.lo)}, ${fmt(t.hi)}]`;
  }
}

const badge = (verdict: string) => h('span', { class: `badge ${verdict}`, text: verdict });

// ───────────────────────────── the page ─────────────────────────────

let state: State;
let worker: Worker;
let backendName = '…';
let runId = 0;
let running: { id: number; config: Record<string, unknown>; experiment: Experiment; t0: number; stopFlag?: Int32Array; stopTimer?: number } | null = null;
let series = new Map<string, Row[]>();
let specs: PlotSpec[] = [];
let dirty = new Set<string>();
let renderTimer: number | undefined;
let lastRender = 0;
let lastRunUrl = '';
/** An error from the last run (a RangeError from predict, a worker failure); cleared by the next edit or run. */
let runError: string | undefined;
const RENDER_MS = 300;
const IDLE = 'no data yet: press Run';

function startWorker() {
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (ev: MessageEvent<FromWorker>) => onWorker(ev.data);
  worker.onerror = (ev) => {
    ev.preventDefault();
    if (running) failRun(`worker error: ${ev.message || 'failed to load'}`);
    else { runError = `worker error: ${ev.message || 'failed to load'}`; refreshValidity(); }
  };
}

function post(m: ToWorker) {
  worker.postMessage(m);
}

function onWorker(m: FromWorker) {
  if (m.type === 'ready') {
    backendName = m.backend;
    const b = $('#backend');
    b.textContent = m.backend;
    b.dataset.backend = m.backend;
    const k = $('#kernel');
    k.textContent = m.kernel;
    k.dataset.variant = m.variant ?? '';
    return;
  }
  if (!running || m.id !== running.id) {
    if (m.type === 'error' && m.id === -1) { runError = m.message; refreshValidity(); }
    return;
  }
  if (m.type === 'rows') {
    for (const [s, rows] of Object.entries(m.rows)) {
      let all = series.get(s);
      if (!all) series.set(s, (all = []));
      for (const r of rows) all.push(r);
      dirty.add(s);
    }
    setProgress(m.progress, m.label);
    scheduleRender();
  } else if (m.type === 'done') {
    const record = m.record as ExperimentRecord;
    setProgress(1);
    renderPlots(true, true);
    showResult(record, m.seconds);
    finished = { record, summary: m.summary, series, runId: running.id };
    void judgePrediction();
    finishRun();
  } else if (m.type === 'error') {
    if (m.stack && m.name !== 'ConfigError') console.warn(`run failed in the worker:\n${m.stack}`);
    failRun(m.name === 'ConfigError' ? m.message : `${m.name}: ${m.message}`);
  }
}

function failRun(message: string) {
  renderPlots(true, true);
  if (registered) predictionVerdict('no verdict', 'idle');
  runError = message;
  const v = $('#verdict');
  v.textContent = 'error';
  v.className = 'badge error';
  v.dataset.state = 'error';
  finishRun();
}

function finishRun() {
  if (running?.stopTimer) clearTimeout(running.stopTimer);
  running = null;
  $('#run').removeAttribute('disabled');
  $('#stop').setAttribute('disabled', '');
  $('#status').dataset.running = 'false';
  refreshValidity();
}

function setProgress(f: number, label?: string) {
  const bar = $<HTMLProgressElement>('#progress');
  bar.value = f;
  const secs = running ? ((performance.now() - running.t0) / 1000).toFixed(1) : '';
  $('#progress-label').textContent = `${Math.round(100 * f)} %${label ? ` · ${label}` : ''}${secs ? ` · ${secs} s` : ''}`;
}

function scheduleRender() {
  if (renderTimer !== undefined) return;
  const wait = Math.max(0, RENDER_MS - (performance.now() - lastRender));
  renderTimer = window.setTimeout(() => { renderTimer = undefined; renderPlots(false); }, wait);
}

function setupPlots(exp: Experiment, config: Record<string, unknown>, placeholder = 'waiting for data…') {
  specs = exp.plots ? exp.plots(config) : [];
  const box = $('#plots');
  box.replaceChildren();
  specs.forEach((spec, i) => {
    const wide = spec.kind === 'heatmap' || spec.facet !== undefined;
    const title = h('h3');
    setMath(title, spec.title);
    const caption = spec.caption ? h('p', { class: 'caption' }) : null;
    if (caption) setMath(caption, spec.caption);
    box.append(h('figure', { class: `plot${wide ? ' wide' : ''}`, 'data-series': spec.series, 'data-index': String(i) },
      h('figcaption', {}, title, caption),
      h('div', { class: 'plot-body' }, h('p', { class: 'empty', text: placeholder })),
      downloadBar(spec, i)));
  });
}

/** SVG / PNG of the figure as drawn (standalone: legend in SVG), CSV of its series' rows so far. */
function downloadBar(spec: PlotSpec, i: number): HTMLElement {
  const name = figureName(spec, i);
  const drawn = () => document.querySelector(`#plots figure[data-index="${i}"] .plot-body > :not(p)`);
  const button = (kind: 'svg' | 'png' | 'csv') => {
    const b = h('button', { type: 'button', class: 'link', 'data-download': kind, disabled: true, title: kind === 'csv' ? `save the ${spec.series} rows as CSV` : `save this figure as ${kind.toUpperCase()}`, text: kind.toUpperCase() });
    b.addEventListener('click', async () => {
      if (kind === 'csv') return saveBlob(new Blob([seriesCsv(series.get(spec.series) ?? [])], { type: 'text/csv' }), `${name}.csv`);
      const el = drawn();
      if (!el) return;
      const svg = standaloneSvg(el);
      try {
        saveBlob(kind === 'svg' ? new Blob([svg], { type: 'image/svg+xml' }) : await svgToPngBlob(svg), `${name}.${kind}`);
      } catch (e) { runError = `PNG: ${(e as Error).message}`; refreshValidity(); }
    });
    return b;
  };
  return h('div', { class: 'downloads' }, 'download ', button('svg'), button('png'), button('csv'));
}

function renderPlots(all: boolean, final = false) {
  if (renderTimer !== undefined) { clearTimeout(renderTimer); renderTimer = undefined; }
  lastRender = performance.now();
  specs.forEach((spec, i) => {
    if (!all && !dirty.has(spec.series)) return;
    const fig = document.querySelector<HTMLElement>(`#plots figure[data-index="${i}"]`);
    if (!fig) return;
    const body = fig.querySelector('.plot-body')!;
    const width = Math.max(240, Math.floor(body.clientWidth || fig.clientWidth || 600));
    let el: Element | null = null;
    try {
      el = plotElement(spec, series.get(spec.series) ?? [], document, width);
    } catch (e) {
      el = h('p', { class: 'empty', text: `could not draw: ${(e as Error).message}` });
    }
    body.replaceChildren(el ?? h('p', { class: 'empty', text: final ? 'no data recorded in this run' : 'waiting for data…' }));
    fig.querySelectorAll<HTMLButtonElement>('.downloads button').forEach((b) => { b.disabled = b.dataset.download === 'csv' ? !(series.get(spec.series)?.length) : !el || el.tagName.toLowerCase() === 'p'; });
  });
  dirty = new Set();
}

function showResult(record: ExperimentRecord, seconds: number) {
  // The full-precision record, for comparing the page's numbers with Node's (issue 10 §1: they still differ).
  (globalThis as { lmechRecord?: ExperimentRecord }).lmechRecord = record;
  (globalThis as { lmechSeries?: Map<string, Row[]> }).lmechSeries = series;
  const v = $('#verdict');
  v.textContent = record.verdict;
  v.className = `badge ${record.verdict}`;
  v.dataset.state = 'done';
  $('#run-status').textContent = `status ${record.status} · ${record.checks.length} checks · ${seconds.toFixed(1)} s on ${backendName}`;
  const partial = record.status === 'interrupted'
    ? 'Run interrupted: the checks were computed on a partial run, so read the verdict with care. '
    : record.status === 'diverged' ? 'Training diverged. ' : '';
  $('#note').textContent = partial + (record.note ?? '');
  renderChecks(record.checks);
  renderRegime(record.regime);
  $('#results').hidden = false;
}

function renderChecks(checks: Check[]) {
  const tbody = $('#checks tbody');
  tbody.replaceChildren(...checks.map((c) => h('tr', { class: c.verdict },
    h('td', {}, withMath(h('div', { class: 'check-name' }), c.name), withMath(h('div', { class: 'quantity' }), c.quantity)),
    h('td', { class: 'num', text: fmt(c.predicted) }),
    h('td', { class: 'num', text: `${fmt(c.measured)}${c.uncertainty !== undefined ? ` ± ${fmt(c.uncertainty)}` : ''}` }),
    h('td', { class: 'num', text: fmtTolerance(c.tolerance) }),
    h('td', {}, badge(c.verdict)),
    withMath(h('td', { class: 'note' }), c.note))));
}

/** The element with `text` in it, `$…$` rendered as TeX. */
function withMath<E extends HTMLElement>(el: E, text: string | undefined): E {
  setMath(el, text);
  return el;
}

function renderRegime(regime: RegimeCondition[]) {
  const tbody = $('#regime tbody');
  if (!regime.length) { tbody.replaceChildren(h('tr', {}, h('td', { colspan: '3', class: 'empty', text: 'no regime conditions' }))); return; }
  tbody.replaceChildren(...regime.map((r) => h('tr', { class: r.ok ? 'ok' : 'failed' },
    h('td', { text: r.name }),
    h('td', { class: 'num', text: `${fmt(r.value)} ${r.bound === 'max' ? '≤' : '≥'} ${fmt(r.limit)}` }),
    h('td', {}, h('span', { class: `badge ${r.ok ? 'confirmed' : 'out-of-regime'}`, text: r.ok ? 'holds' : 'violated' })))));
}

function clearResult(label = '—') {
  const v = $('#verdict');
  v.textContent = label;
  v.className = 'badge idle';
  v.dataset.state = label === 'running' ? 'running' : 'idle';
  $('#run-status').textContent = '';
  $('#note').textContent = '';
  $('#results').hidden = true;
  $('#stale').hidden = true;
}

function showError(msg: string | undefined) {
  const box = $('#error');
  box.textContent = msg ?? '';
  box.hidden = !msg;
}

/** Re-validate after any control change: error box, Run button, stale marker, URL. */
function refreshValidity() {
  const { error } = validate(state);
  showError(error ?? runError);
  if (error || running) $('#run').setAttribute('disabled', '');
  else $('#run').removeAttribute('disabled');
  const url = urlFor(state);
  history.replaceState(null, '', url);
  $('#stale').hidden = !lastRunUrl || stripAutorun(url) === stripAutorun(lastRunUrl) || $('#results').hidden;
}

// The prediction (h-… parameters) is not an option of the run: editing it leaves the run current.
const stripAutorun = (u: string) => u.replace(/&autorun=1$/, '').replace(/&h-[a-z]+=[^&]*/g, '');

function run() {
  if (running) return;
  const { config, error } = validate(state);
  if (!config) { showError(error); return; }
  const id = ++runId;
  runError = undefined;
  showError(undefined);
  series = new Map();
  dirty = new Set();
  setupPlots(state.experiment, config);
  clearResult('running');
  const sab = globalThis.crossOriginIsolated && typeof SharedArrayBuffer !== 'undefined' ? new SharedArrayBuffer(4) : undefined;
  running = { id, config, experiment: state.experiment, t0: performance.now(), stopFlag: sab ? new Int32Array(sab) : undefined };
  lastRunUrl = urlFor(state);
  $('#run').setAttribute('disabled', '');
  $('#stop').removeAttribute('disabled');
  $('#status').dataset.running = 'true';
  setProgress(0, 'starting');
  finished = null;
  void registerPrediction(id, config);
  post({ type: 'run', id, experiment: state.experiment.name, config: rawConfig(state), stopFlag: sab });
}

function stop() {
  if (!running) return;
  const r = running;
  if (r.stopFlag) Atomics.store(r.stopFlag, 0, 1);
  post({ type: 'stop', id: r.id });
  $('#progress-label').textContent += ' · stopping…';
  // A synchronous training loop can't hear the message; if it doesn't wind down, end the worker.
  r.stopTimer = window.setTimeout(() => {
    if (running?.id !== r.id) return;
    worker.terminate();
    startWorker();
    renderPlots(true, true);
    const v = $('#verdict');
    v.textContent = 'stopped';
    v.className = 'badge idle';
    v.dataset.state = 'stopped';
    $('#run-status').textContent = 'stopped before the end; no verdict';
    finishRun();
  }, r.stopFlag ? 3000 : 800);
}

// ───────────────────────────── controls ─────────────────────────────

function nearestIndex(values: number[], v: number): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (Math.abs(values[i] - v) < Math.abs(values[best] - v)) best = i;
  return best;
}

function nearestLogIndex(values: number[], v: number): number {
  if (!(v > 0)) return 0;
  let best = 0;
  for (let i = 1; i < values.length; i++) if (Math.abs(libm.log(values[i] / v)) < Math.abs(libm.log(values[best] / v))) best = i;
  return best;
}

function buildControl(f: Field): HTMLElement {
  const id = `opt-${f.key}`;
  const text = state.values[f.key] ?? f.defaultText;
  const set = (v: string) => { state.values[f.key] = v; runError = undefined; refreshValidity(); };
  const label = h('label', { for: id, class: 'opt-name', text: f.key });
  const desc = h('div', { class: 'opt-desc', text: f.description });
  const row = h('div', { class: `opt ${f.control}`, 'data-key': f.key, title: f.description });

  if (f.control === 'checkbox') {
    const box = h('input', { type: 'checkbox', id, name: f.key });
    box.checked = text === 'true' || text === '1';
    box.addEventListener('change', () => set(String(box.checked)));
    row.append(h('div', { class: 'opt-head' }, box, label), desc);
    return row;
  }
  if (f.control === 'select') {
    const sel = h('select', { id, name: f.key }, ...f.options.map((o) => h('option', { value: o, text: o })));
    if (!f.options.includes(text)) sel.append(h('option', { value: text, text: `${text} (invalid)` }));
    sel.value = text;
    sel.addEventListener('change', () => set(sel.value));
    row.append(h('div', { class: 'opt-head' }, label, sel), desc);
    return row;
  }
  const box = h('input', { type: 'text', class: 'opt-value', name: `${f.key}-value`, 'aria-label': `${f.key} value`, spellcheck: 'false' });
  box.value = text;
  if (f.control === 'slider' || f.control === 'log-slider') {
    const log = f.control === 'log-slider';
    const slider = h('input', { type: 'range', id, name: f.key, min: '0', max: String(f.values.length - 1), step: '1' });
    const place = (t: string) => {
      const v = Number(t);
      slider.value = String(Number.isFinite(v) ? (log ? nearestLogIndex(f.values, v) : nearestIndex(f.values, v)) : 0);
    };
    place(text);
    slider.addEventListener('input', () => {
      const v = f.values[Number(slider.value)];
      box.value = String(v);
      set(box.value);
    });
    box.addEventListener('change', () => { place(box.value.trim()); set(box.value.trim()); });
    const range = h('div', { class: 'range-ends' },
      h('span', { text: fmt(f.values[0]) }), h('span', { class: 'scale', text: log ? 'log scale' : '' }), h('span', { text: fmt(f.values[f.values.length - 1]) }));
    row.append(h('div', { class: 'opt-head' }, label, box), slider, range, desc);
    return row;
  }
  box.id = id;
  box.name = f.key;
  if (f.kind === 'array') box.setAttribute('placeholder', f.nested ? 'JSON, e.g. [[2,0],[0,1]]' : 'comma-separated');
  else if (f.optional) box.setAttribute('placeholder', 'unset');
  if (f.kind === 'array' || f.kind === 'string') box.classList.add('wide');
  box.addEventListener('change', () => set(box.value.trim()));
  row.append(h('div', { class: 'opt-head' }, label, box), desc);
  return row;
}

function buildForm() {
  const exp = state.experiment;
  $<HTMLSelectElement>('#experiment').value = exp.name;
  $('#exp-title').textContent = exp.title;
  $('#exp-strand').textContent = exp.strand;
  setMath($('#exp-desc'), exp.description);
  const controls = state.fields.map(buildControl);
  if (state.ignored.length) {
    controls.push(h('div', { class: 'opt unknown', id: 'ignored' }, h('div', { class: 'opt-desc', text: `ignored from the URL (not options of ${exp.name}): ${state.ignored.join(', ')}` })));
  }
  $('#controls').replaceChildren(...controls);
  $<HTMLInputElement>('#autorun').checked = state.autorun;
}

function selectExperiment(name: string) {
  const exp = experiments.find((e) => e.name === name) ?? experiments[0];
  if (exp.name !== state.experiment.name) setPrediction({ observable: '', prediction: '', tolerance: '' });
  finished = null;
  clearPrediction();
  const fields = describeFields(exp.schema);
  state = { experiment: exp, fields, values: Object.fromEntries(fields.map((f) => [f.key, f.defaultText])), autorun: state.autorun, ignored: [] };
  buildForm();
  refreshValidity();
  series = new Map();
  try { setupPlots(exp, validate(state).config ?? {}, IDLE); } catch { specs = []; }
  clearResult();
}

function init() {
  const sel = $<HTMLSelectElement>('#experiment');
  sel.replaceChildren(...experiments.map((e) => h('option', { value: e.name, title: e.title, text: e.name })));
  const { state: s, problem } = stateFromUrl(location.search);
  state = s;
  buildForm();
  refreshValidity();
  if (problem) { runError = problem; showError(problem); }
  const { config } = validate(state);
  try { setupPlots(state.experiment, config ?? {}, IDLE); } catch { specs = []; }
  clearResult();

  sel.addEventListener('change', () => { if (!running) selectExperiment(sel.value); else sel.value = state.experiment.name; });
  $('#run').addEventListener('click', run);
  $('#stop').addEventListener('click', stop);
  $('#reset').addEventListener('click', () => { if (!running) selectExperiment(state.experiment.name); });
  $<HTMLInputElement>('#autorun').addEventListener('change', (ev) => { state.autorun = (ev.target as HTMLInputElement).checked; refreshValidity(); });
  $('#copy').addEventListener('click', async () => {
    try { await navigator.clipboard.writeText(location.href); $('#copy').textContent = 'copied'; } catch { $('#copy').textContent = 'copy failed'; }
    setTimeout(() => { $('#copy').textContent = 'copy link'; }, 1500);
  });
  let resizeTimer: number | undefined;
  window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = window.setTimeout(() => renderPlots(true, !running && series.size > 0), 200); });

  startWorker();
  initSweep();
  initPrediction();
  if (state.autorun && !problem && config) run();
}

// ───────────────────────────── sweep ─────────────────────────────

let sweepHandle: SweepHandle | null = null;

function renderSweep(cells: BrowserCell[], final: boolean) {
  const exp = state.experiment;
  const axes = ($<HTMLTextAreaElement>('#sweep-axes').value.split('\n').map((l) => l.trim()).filter(Boolean)
    .map((l) => l.split('=')[0].split('+')[0].trim().replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())));
  const counts = (st: string) => cells.filter((c) => c.status === st).length;
  const status = $('#sweep-status');
  status.textContent = `${counts('done') + counts('diverged')}/${cells.length} done · ${counts('running')} running · ${counts('failed')} failed${final ? '' : ' …'}`;
  status.dataset.state = final ? 'done' : 'running';
  const { figures, table } = sweepSections(document, { experiment: exp.name, sweep: 'page', axes, cells });
  $('#sweep-out').innerHTML = (final ? figures : '') + table;
}

function runSweepFromPage() {
  const err = $('#sweep-error');
  err.hidden = true;
  const { config, error } = validate(state);
  try {
    if (!config) throw new ConfigError(error ?? 'invalid options');
    const spec = browserSpec(state.experiment, config, $<HTMLTextAreaElement>('#sweep-axes').value, $<HTMLInputElement>('#sweep-seeds').value);
    const w = Number($<HTMLInputElement>('#sweep-workers').value) || Math.min(4, navigator.hardwareConcurrency || 2);
    let pending = false;
    sweepHandle = runBrowserSweep(state.experiment, spec, w, (cells) => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; if (sweepHandle) renderSweep(cells, false); });
    });
    $<HTMLButtonElement>('#sweep-run').disabled = true;
    $<HTMLButtonElement>('#sweep-stop').disabled = false;
    const handle = sweepHandle;
    void handle.done.then((cells) => {
      sweepHandle = null;
      renderSweep(cells, true);
      if (handle.error) { err.textContent = handle.error; err.hidden = false; }
      $<HTMLButtonElement>('#sweep-run').disabled = false;
      $<HTMLButtonElement>('#sweep-stop').disabled = true;
    });
  } catch (e) {
    err.textContent = e instanceof Error ? e.message : String(e);
    err.hidden = false;
  }
}

/** The URL as opened (the form rewrites it with replaceState; sweep parameters are read from this). */
const openedWith = location.search;

function initSweep() {
  const params = new URLSearchParams(openedWith);
  const axes = params.get('sweep');
  if (axes) $<HTMLTextAreaElement>('#sweep-axes').value = axes.split('|').join('\n');
  $<HTMLInputElement>('#sweep-seeds').value = params.get('sweep-seeds') ?? '';
  $<HTMLInputElement>('#sweep-workers').value = params.get('sweep-workers') ?? '';
  if (axes) ($('#sweep-panel') as HTMLDetailsElement).open = true;
  $('#sweep-run').addEventListener('click', runSweepFromPage);
  $('#sweep-stop').addEventListener('click', () => sweepHandle?.stop());
  if (['1', 'true', 'yes'].includes(params.get('autosweep') ?? '')) runSweepFromPage();
}

// ───────────────────────────── your prediction ─────────────────────────────
//
// A hypothesis beside the live experiment, as `lmech test` takes from a file: an observable over
// this run's series and options, a prediction (a number or an expression) and a tolerance. Pressing
// Run registers it (SHA-256 of the hypothesis and the time, before the run starts); when the run
// ends the page shows its verdict. Edited after the run, it is judged on the same data but marked
// as written after the run. Kept in the URL (h-observable, h-prediction, h-tolerance).

const opened = new URLSearchParams(location.search);
let prediction = { observable: opened.get('h-observable') ?? '', prediction: opened.get('h-prediction') ?? '', tolerance: opened.get('h-tolerance') ?? '' };
let registered: { runId: number; hash: string; at: string; text: string } | null = null;
let finished: { record: ExperimentRecord; summary: Record<string, number>; series: Map<string, Row[]>; runId: number } | null = null;

const predictionText = () => JSON.stringify(prediction);

function setPrediction(p: typeof prediction) {
  prediction = p;
  for (const k of ['observable', 'prediction', 'tolerance'] as const) { const el = document.querySelector<HTMLInputElement>(`#h-${k}`); if (el) el.value = p[k]; }
}

/** The page's hypothesis (null while no observable is written); throws a ConfigError when it is malformed. */
function pageHypothesis(config: Record<string, unknown>): CompiledHypothesis | null {
  if (!prediction.observable.trim()) return null;
  const p = prediction.prediction.trim();
  return compileHypothesis({
    name: 'page', experiment: state.experiment.name, overrides: config, observable: prediction.observable.trim(),
    prediction: p !== '' && Number.isFinite(Number(p)) ? Number(p) : p, tolerance: prediction.tolerance.trim() || '0',
  }, 'prediction');
}

function predictionError(msg: string | undefined) {
  const box = $('#h-error');
  box.textContent = msg ?? '';
  box.hidden = !msg;
}

function predictionVerdict(label: string, cls = label) {
  const v = $('#h-verdict');
  v.textContent = label;
  v.className = `badge ${cls}`;
  v.dataset.state = label;
}

function clearPrediction() {
  if (!document.querySelector('#h-verdict')) return;
  predictionVerdict('—', 'idle');
  $('#h-registration').textContent = '';
  $('#h-checks tbody').replaceChildren();
  $('#h-results').hidden = true;
}

async function registerPrediction(runId: number, config: Record<string, unknown>) {
  registered = null;
  clearPrediction();
  predictionError(undefined);
  let hyp: CompiledHypothesis | null;
  try { hyp = pageHypothesis(config); } catch (e) { predictionError((e as Error).message); return; }
  if (!hyp) return;
  const text = predictionText();
  const at = new Date().toISOString();
  const hash = await hypothesisHash(hyp.h);
  registered = { runId, hash, at, text };
  $('#h-registration').textContent = `registered ${at} · sha256 ${hash.slice(0, 16)}… · before the run`;
  $('#h-registration').dataset.hash = hash;
  predictionVerdict('waiting for the run', 'idle');
  if (finished?.runId === runId) void judgePrediction();
}

async function judgePrediction() {
  if (!finished) return;
  predictionError(undefined);
  let hyp: CompiledHypothesis | null;
  try { hyp = pageHypothesis(finished.record.config); } catch (e) { predictionError((e as Error).message); predictionVerdict('error'); $('#h-results').hidden = true; return; }
  if (!hyp) { clearPrediction(); return; }
  const pre = registered && registered.runId === finished.runId && registered.text === predictionText();
  if (!pre) {
    const hash = await hypothesisHash(hyp.h);
    $('#h-registration').textContent = `sha256 ${hash.slice(0, 16)}… · written after the run: not pre-registered`;
    $('#h-registration').dataset.hash = hash;
  }
  const r = finished.record;
  try {
    const out = judgeHypothesis(hyp, [{ index: 0, coords: {}, config: r.config, summary: finished.summary ?? {}, series: finished.series, status: r.status === 'ok' ? 'done' : r.status, verdict: r.verdict }]);
    predictionVerdict(out.verdict);
    $('#h-checks tbody').replaceChildren(...out.checks.map((c) => h('tr', { class: c.verdict },
      h('td', { text: c.name }), h('td', { class: 'num', text: fmt(c.predicted) }),
      h('td', { class: 'num', text: `${fmt(c.measured)}${c.uncertainty !== undefined ? ` ± ${fmt(c.uncertainty)}` : ''}` }),
      h('td', { class: 'num', text: fmtTolerance(c.tolerance) }), h('td', {}, badge(c.verdict)), h('td', { class: 'note', text: c.note ?? '' }))));
    $('#h-results').hidden = false;
  } catch (e) {
    predictionError((e as Error).message);
    predictionVerdict('error');
    $('#h-results').hidden = true;
  }
}

function initPrediction() {
  const input = (k: keyof typeof prediction, label: string, placeholder: string, size: string) => {
    const el = h('input', { type: 'text', id: `h-${k}`, name: `h-${k}`, placeholder, size, spellcheck: 'false', 'aria-label': label, style: 'max-width:100%;box-sizing:border-box' });
    el.value = prediction[k];
    el.addEventListener('change', () => {
      prediction = { ...prediction, [k]: el.value };
      refreshValidity();
      if (finished && !running) void judgePrediction();
      else { try { pageHypothesis(validate(state).config ?? {}); predictionError(undefined); } catch (e) { predictionError((e as Error).message); } }
    });
    return h('label', { style: 'display:inline-block;max-width:100%;margin:0 0.8rem 0.4rem 0' }, `${label} `, el);
  };
  const yaml = h('button', { type: 'button', id: 'h-yaml', class: 'link', text: 'save as hypothesis.yaml', title: 'the same hypothesis as a file for lmech test' });
  yaml.addEventListener('click', () => {
    try {
      const hyp = pageHypothesis(validate(state).config ?? {});
      if (hyp) saveBlob(new Blob([yamlStringify(hyp.h)], { type: 'text/yaml' }), 'hypothesis.yaml');
    } catch (e) { predictionError((e as Error).message); }
  });
  const panel = h('section', { id: 'prediction', class: 'results' },
    h('h2', { text: 'Your prediction' }),
    h('p', { class: 'desc', text: 'An observable over this run’s series and options, as in lmech test (e.g. mean(sharpness[method == "GD" && step > 0.5 * steps].ratio) by lr), the value you predict (a number or an expression such as 2 / lr) and its tolerance (±0.05, 10 %, [0.9, 1.1]). Run registers it first; the verdict comes when the run ends.' }),
    h('div', { class: 'sweep-row' },
      input('observable', 'observable', 'mean(loss[step > 0.5 * steps].loss)', '48'),
      input('prediction', 'prediction', 'e.g. 1 or 2 / lr', '12'),
      input('tolerance', 'tolerance', '10% | ±0.05 | [0.9, 1.1]', '12')),
    h('pre', { id: 'h-error', class: 'error', role: 'alert', hidden: true }),
    h('div', { class: 'verdict-line' }, h('span', { class: 'label', text: 'your verdict' }), h('span', { id: 'h-verdict', class: 'badge idle', 'data-state': '—', text: '—' }),
      h('span', { id: 'h-registration', class: 'run-status' }), yaml),
    h('div', { id: 'h-results', class: 'table-wrap', hidden: true },
      h('table', { id: 'h-checks' }, h('thead', {}, h('tr', {}, ...['check', 'predicted', 'measured', 'tolerance', 'verdict', 'notes'].map((t) => h('th', { text: t })))), h('tbody'))));
  $('#status').after(panel);
  refreshValidity();
}

init();
