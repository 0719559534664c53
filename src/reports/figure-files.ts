/**
 * `lmech run … --figures svg,png,csv`: every plot of a run as files in `<dir>/figures/`,
 * `<nn>-<slug>.svg|png|csv` (nn = the plot's place in the report, from 01). Node only.
 *
 * SVG: the report's renderer (Observable Plot on linkedom, via `figureSvg`), one standalone file.
 * PNG: that SVG rasterized by resvg (@resvg/resvg-js: Rust resvg behind a prebuilt napi binary,
 * no browser, no canvas, no system libraries beyond a font), at 2× the SVG's size on white.
 * It is imported only when PNGs are asked for, so the rest works where its binary is missing.
 * CSV: the rows of the series that feeds the plot (`seriesCsv`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import type { Experiment } from '../experiments/types.js';
import { writeFileAtomic } from '../io/fs-safe.js';
import { figureName, figureSvg, seriesCsv, type FigureFormat } from './figure-export.js';

type Row = Record<string, number | string>;

/** A sans-serif font each platform ships (Debian/Ubuntu: fonts-dejavu-core). */
const DEFAULT_FONT: Partial<Record<NodeJS.Platform, string>> = { linux: 'DejaVu Sans', darwin: 'Helvetica', win32: 'Arial' };

export interface PngOptions {
  /** Pixels per SVG unit (default 2: a 640-wide plot becomes 1280 px). */
  scale?: number;
}

/** Rasterize an SVG document to PNG bytes with resvg (system fonts; white background). */
export async function svgToPng(svg: string, opts: PngOptions = {}): Promise<Uint8Array> {
  const scale = opts.scale ?? 2;
  if (!(scale > 0 && scale <= 8)) throw new RangeError(`scale: must be in (0, 8] (got ${scale})`);
  let mod: typeof import('@resvg/resvg-js');
  try {
    mod = await import('@resvg/resvg-js');
  } catch (e) {
    throw new Error(`PNG figures need @resvg/resvg-js (its prebuilt binary for ${process.platform}-${process.arch} did not load: ${(e as Error).message}); svg and csv work without it`);
  }
  const Resvg = (mod as unknown as { Resvg?: typeof mod.Resvg; default?: { Resvg: typeof mod.Resvg } }).Resvg ?? (mod as unknown as { default: { Resvg: typeof mod.Resvg } }).default.Resvg;
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    // resvg falls back to its default family when the first name of a font-family list is not
    // installed (rather than trying the next), so the default must be a sans-serif that is.
    font: { loadSystemFonts: true, defaultFontFamily: DEFAULT_FONT[process.platform] ?? 'DejaVu Sans' },
    logLevel: 'off',
  });
  return new Uint8Array(r.render().asPng());
}

export interface WrittenFigures {
  /** Paths written, in order. */
  files: string[];
  /** Plots with nothing to draw (no finite rows): their SVG/PNG are left out (their CSV still written if rows exist). */
  empty: string[];
}

/**
 * Write the figures of a run: for each of `exp.plots(config)`, the asked formats from its
 * series' rows. Returns what was written. Each file is written atomically.
 */
export async function writeFigures(
  dir: string, exp: Experiment, config: Record<string, unknown>, series: Map<string, Row[]>,
  formats: readonly FigureFormat[], opts: PngOptions = {},
): Promise<WrittenFigures> {
  const specs = exp.plots?.(config) ?? [];
  const out = join(dir, 'figures');
  const files: string[] = [], empty: string[] = [];
  if (!specs.length || !formats.length) return { files, empty };
  mkdirSync(out, { recursive: true });
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  for (const [i, spec] of specs.entries()) {
    const name = figureName(spec, i);
    const rows = series.get(spec.series) ?? series.get(spec.series.replace(/[^\w.-]/g, '_')) ?? [];
    const want = (f: FigureFormat) => formats.includes(f);
    if (want('csv') && rows.length) {
      const p = join(out, `${name}.csv`);
      writeFileAtomic(p, seriesCsv(rows));
      files.push(p);
    }
    if (!want('svg') && !want('png')) continue;
    const svg = figureSvg(spec, rows, document as unknown as Document);
    if (!svg) { empty.push(name); continue; }
    if (want('svg')) {
      const p = join(out, `${name}.svg`);
      writeFileAtomic(p, svg);
      files.push(p);
    }
    if (want('png')) {
      const p = join(out, `${name}.png`);
      writeFileAtomic(p, await svgToPng(svg, opts));
      files.push(p);
    }
  }
  return { files, empty };
}
