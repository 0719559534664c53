import type { z } from 'zod';
import type { Rng } from '../engine/rng.js';
import type { Tensor } from '../engine/tensor.js';
import type { MlpSpec } from '../models/mlp.js';
import type { DataSummary } from '../data/user-data.js';

/**
 * The vocabulary of a theory-vs-measurement experiment.
 *
 * An experiment is data, not a script: a validated config, a `run` that trains and records
 * observables, a `predict` from theory, and a `compare` that turns the two into checks.
 */

export type Verdict = 'confirmed' | 'falsified' | 'out-of-regime';

/** How a measured value is compared with the prediction. */
export type Tolerance =
  | { kind: 'abs'; value: number }      // |measured − predicted| ≤ value
  | { kind: 'rel'; value: number }      // |measured − predicted| ≤ value·|predicted|
  | { kind: 'equal' }                   // exact match (orderings, labels)
  | { kind: 'range'; lo: number; hi: number }; // lo ≤ measured ≤ hi

export interface Check {
  name: string;
  /** What is being compared, in words a reader of the paper recognises. */
  quantity: string;
  predicted: number | string | number[];
  measured: number | string | number[];
  /** One standard error (or a stated bound) on the measurement, when one exists. */
  uncertainty?: number;
  tolerance: Tolerance;
  verdict: Verdict;
  /** Why a check is out of regime, or how to read it. */
  note?: string;
}

/** A condition the theory assumes; if it fails, checks that depend on it are out of regime. */
export interface RegimeCondition {
  name: string;
  value: number;
  limit: number;
  /** 'max': value must be ≤ limit; 'min': value must be ≥ limit. */
  bound: 'max' | 'min';
  ok: boolean;
}

export type RunStatus = 'ok' | 'diverged' | 'interrupted';

export interface RunContext {
  rng: Rng;
  /** Report progress in [0, 1] (the CLI draws a bar from it). */
  progress(fraction: number, label?: string): void;
  /** Append one row of observables; rows are written to disk as they arrive. */
  record(series: string, row: Record<string, number | string>): void;
  /** Set when the user interrupts (Ctrl-C); long loops poll it and stop early. */
  signal: AbortSignal;
}

/** A plot in a report: a declarative spec, rendered by the report layer. */
export interface PlotSpec {
  title: string;
  caption?: string;
  kind: 'lines' | 'heatmap' | 'scatter';
  series: string;            // which recorded series feeds the plot
  x: string;
  y: string;
  z?: string;                // heatmap value
  stroke?: string;           // column that splits lines into groups
  dashed?: string;           // column marking theory rows, drawn dashed: value "theory" (or, in a numeric flag column, non-zero); other values get their line style (lineStyles)
  xType?: 'linear' | 'log';
  yType?: 'linear' | 'log';
  facet?: string;            // column that splits the plot into side-by-side panels (heatmap, and lines/scatter)
  group?: string;            // lines/scatter: extra column that splits lines (e.g. one line per neuron) without colouring by it
  rules?: { y: number; label?: string }[];
  /** Vertical reference lines (lines/scatter), drawn dashed, each label at the top, left of its line. */
  rulesX?: { x: number; label?: string }[];
  /** Error bars: columns holding the lower and upper ends (e.g. mean ∓ one standard error). */
  errorY?: { lo: string; hi: string };
  /** Axis titles (default: the column names). */
  xLabel?: string;
  yLabel?: string;
  /** The stroke variable's name in the legend: numeric values read "<strokeLabel> = v" (default: the stroke column's name). */
  strokeLabel?: string;
  /** Include y = 0 in the domain (a baseline that means something). Default: the data's extent, padded 5%. */
  yZero?: boolean;
  /**
   * Line style and legend label per value of the `dashed` column. Default: "theory" dashed, a value
   * containing "flow" dotted, any other solid, each labelled by its value. Rows drawn dashed are the
   * plot's theory layer (and the reference of its residual panel).
   */
  lineStyles?: Record<string, { dash?: 'solid' | 'dotted' | 'dashed'; label?: string }>;
  /**
   * A small panel under the plot with |measured − theory| on a log scale (lines/scatter with a
   * `dashed` column): each measured row against the theory curve of its series at the same x.
   * `relative`: |measured − theory|/|theory|.
   */
  residual?: boolean | { relative?: boolean; label?: string };
  /**
   * Reference lines of given slope in a log-log plot, through the geometric centre of the measured
   * points whose stroke value is `through` (default: all measured points) and whose x lies in
   * `xRange` (default: all), over their x range.
   */
  slopes?: { slope: number; label?: string; through?: string; xRange?: [number, number] }[];
  /** Facets: one x and y scale for all panels ('shared', the default), each panel its own ('free'), or shared x with own y ('free-y'). */
  facetScales?: 'shared' | 'free' | 'free-y';
}

/**
 * A trained model an experiment hands back for later analysis (e.g. `lmech hessian`). The CLI
 * writes it with `--out` as `<name>.json` + `<name>.bin` (lmech-checkpoint v1) and `<name>-data.json`.
 */
export interface ModelArtifact {
  name: string;
  spec: MlpSpec;
  loss: 'mse' | 'cross-entropy';
  params: Tensor[];
  data: { x: number[][]; y: number[][] };
}

/**
 * A run that is a family of independent cells (one width, one seed, one learning rate…): the
 * lab runs the cells wherever it likes — in this thread, on every core, on a cluster — and hands
 * their results back in `cells` order. A cell is pure: its numbers depend only on (config, key)
 * (derive random streams from `config.seed` and the key, never from the order cells run in), and
 * its result and rows are plain data (structured-cloneable: numbers, strings, arrays, typed arrays).
 */
export interface Grid<C = any, P = any, K = any, CR = any, R = any> {
  /** The cells of one run, as plain keys (e.g. {width, seed}). */
  cells(config: C, prediction: P): K[];
  /** One cell. `ctx.record` rows are merged into the run's series in `cells` order. */
  cell(config: C, key: K, ctx: RunContext, prediction: P): CR | Promise<CR>;
  /** The run's result from the cells' results, in `cells` order (null: not run, on interrupt). */
  aggregate(config: C, results: (CR | null)[], ctx: RunContext, prediction: P): R;
  /** Relative cost of a cell, so the pool starts the longest first (default 1). */
  cost?(config: C, key: K): number;
}

export interface Experiment<C = any, R = any, P = any> {
  name: string;
  title: string;
  /** Paper section / strand, e.g. "§2.1 solvable settings: deep linear networks". */
  strand: string;
  description: string;
  schema: z.ZodType<C>;
  /** Overrides used by `lmech verify` so the whole table runs in seconds. */
  quick: Partial<C>;
  /** Verdict that `lmech verify` expects (default: confirmed). */
  expect?: Verdict;
  /** Further quick configurations verify runs, each with its own expectation. */
  variants?: { label: string; config: Partial<C>; expect: Verdict }[];
  predict(config: C): P;
  /** The run as one piece of work; experiments that are a family of cells give `grid` instead. */
  run?(config: C, ctx: RunContext, prediction: P): Promise<R> | R;
  grid?: Grid<C, P, any, any, R>;
  /** `data`: the user's data file the run trained on (source, shape, SHA-256), copied into the record. */
  compare(config: C, result: R, prediction: P): { checks: Check[]; regime: RegimeCondition[]; status: RunStatus; note?: string; data?: DataSummary };
  plots?(config: C): PlotSpec[];
  /**
   * Scalar metrics of one run (e.g. final loss, fitted exponent), for sweeps over configs:
   * heatmaps, curves over an axis, argmins. Default: the numeric checks' measured values.
   */
  summary?(config: C, result: R): Record<string, number>;
  /** Trained models worth saving beside the report (checkpoints for `lmech hessian`). */
  artifacts?(config: C, result: R): ModelArtifact[];
}

export interface ExperimentRecord {
  experiment: string;
  label?: string;
  config: Record<string, unknown>;
  seed: number;
  status: RunStatus;
  regime: RegimeCondition[];
  checks: Check[];
  verdict: Verdict;
  note?: string;
  /** The user's data file the run trained on (`--data FILE`): source, format, shape, SHA-256, labels. */
  data?: DataSummary;
  seconds: number;
}
