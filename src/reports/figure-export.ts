/**
 * Figures as files: a plot as one standalone SVG (legend drawn in SVG, no CSS or HTML needed),
 * its data as CSV, and the names they are saved under. Browser-safe (no node: imports): the
 * HTML report (Node, linkedom), `lmech run --figures` (Node) and the live page (browser DOM) all
 * go through these functions, on the element drawn by `plotElement` (src/reports/plots.ts).
 *
 * `plotElement` returns an <svg>, or HTML around <svg>s: Plot's swatch legends (spans of small
 * <svg>s and labels), rows laid out with `display:flex` (a legend row, side-by-side facets),
 * text labels, headings. `standaloneSvg` lays those out again in one <svg>, as the page shows
 * them: columns stack, flex rows wrap at the figure's width, swatches become nested <svg>s, and
 * each plot <svg>'s children go in a translated <g> carrying Plot's class, inside a plain clipping
 * <svg> (Plot's `height: auto` rule, if it reached a nested <svg>, would make it 100 % tall).
 */
import { ConfigError } from '../experiments/config.js';
import type { PlotSpec } from '../experiments/types.js';
import { plainMath } from './math.js';
import { plotElement } from './plots.js';

type Row = Record<string, number | string | null | undefined>;

export const FIGURE_FORMATS = ['svg', 'png', 'csv'] as const;
export type FigureFormat = (typeof FIGURE_FORMATS)[number];

/** `--figures png,svg,csv` (or `all`) → the formats, in that order; bad input names the flag. */
export function parseFigureFormats(text: string | undefined, flag = '--figures'): FigureFormat[] {
  const allowed = `${FIGURE_FORMATS.join(', ')} (comma-separated), or all`;
  if (text === undefined || text.trim() === '') throw new ConfigError(`${flag}: needs a value: ${allowed}`);
  const items = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (items.length === 1 && items[0] === 'all') return [...FIGURE_FORMATS];
  const bad = items.filter((s) => !(FIGURE_FORMATS as readonly string[]).includes(s));
  if (bad.length || !items.length) throw new ConfigError(`${flag}: must be one or more of ${allowed} (got "${text}")`);
  return FIGURE_FORMATS.filter((f) => items.includes(f));
}

const GREEK: Record<string, string> = {
  α: 'alpha', β: 'beta', γ: 'gamma', δ: 'delta', ε: 'eps', η: 'eta', θ: 'theta', κ: 'kappa', λ: 'lambda',
  μ: 'mu', ν: 'nu', π: 'pi', ρ: 'rho', σ: 'sigma', τ: 'tau', φ: 'phi', χ: 'chi', ψ: 'psi', ω: 'omega',
  Δ: 'delta', Σ: 'sigma', Λ: 'lambda', Θ: 'theta',
};

/** A file-name slug of a title: ASCII letters, digits and dashes, at most `max` characters (cut at a dash). */
export function slugify(title: string, max = 40): string {
  const s = plainMath(title).split(' = ')[0] // a defining equation adds nothing to a file name
    .normalize('NFKD').replace(/[\u0300-\u036f]/g, '') // ᵀ → T, ₀ → 0, é → e
    .replace(/[^\x00-\x7f]/g, (c) => (GREEK[c] ? ` ${GREEK[c]} ` : ' ')).toLowerCase()
    .replace(/\\[a-z]+/g, (m) => ` ${m.slice(1)} `) // TeX macros: \lambda → lambda
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (s.length <= max) return s;
  const cut = s.slice(0, max + 1).lastIndexOf('-');
  return (cut > max / 2 ? s.slice(0, cut) : s.slice(0, max)).replace(/-+$/, '');
}

/** The base name of the i-th figure (0-based): `01-<slug of its title>` (the series name if the title has none). */
export function figureName(spec: Pick<PlotSpec, 'title' | 'series'>, index: number): string {
  return `${String(index + 1).padStart(2, '0')}-${slugify(spec.title) || slugify(spec.series) || 'figure'}`;
}

// ───────────────────────────── CSV ─────────────────────────────

const csvCell = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/**
 * The rows of a series as CSV (RFC 4180, `\n` line ends): one column per key in order of first
 * appearance, numbers in their shortest round-trip form (so parsing gives the same doubles),
 * a missing value as an empty cell.
 */
export function seriesCsv(rows: readonly Row[]): string {
  const cols: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) if (!seen.has(k)) { seen.add(k); cols.push(k); }
  if (!cols.length) return '';
  return [cols.map(csvCell).join(','), ...rows.map((r) => cols.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

/** Parse CSV (as written by `seriesCsv`, or any RFC 4180 text) into rows of strings keyed by the header. */
export function parseCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let field = '', record: string[] = [], quoted = false, i = 0, any = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      field += c; i++; continue;
    }
    if (c === '"') { quoted = true; any = true; i++; continue; }
    if (c === ',') { record.push(field); field = ''; any = true; i++; continue; }
    if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field); records.push(record); field = ''; record = []; any = false; i++; continue;
    }
    field += c; any = true; i++;
  }
  if (any || field) { record.push(field); records.push(record); }
  const [head, ...body] = records;
  if (!head) return [];
  return body.map((r) => Object.fromEntries(head.map((h, j) => [h, r[j] ?? ''])));
}

// ───────────────────────────── SVG ─────────────────────────────

const SVG_NS = 'http://www.w3.org/2000/svg';
/** Fonts of the standalone SVG: the page's, then ones a rasterizer finds on Linux, macOS, Windows. */
export const FIGURE_FONT = 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, "DejaVu Sans", sans-serif';

const escText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escAttr = (s: string) => escText(s).replace(/"/g, '&quot;');

interface NodeLike { nodeType: number; nodeValue?: string | null; childNodes: ArrayLike<NodeLike> }
interface ElementLike extends NodeLike { localName?: string; tagName: string; attributes: ArrayLike<{ name: string; value: string }>; textContent: string | null; getAttribute(n: string): string | null }

const isElement = (n: NodeLike): n is ElementLike => n.nodeType === 1;
const tagOf = (el: ElementLike) => el.localName || el.tagName.toLowerCase();
const kids = (n: NodeLike) => Array.from(n.childNodes);

/** XML for a DOM node (the same in linkedom and a browser, unlike outerHTML); comments dropped. */
function xml(node: NodeLike): string {
  if (node.nodeType === 3) return escText(node.nodeValue ?? '');
  if (!isElement(node)) return '';
  const tag = tagOf(node);
  const attrs = Array.from(node.attributes).filter((a) => a.name !== 'xmlns').map((a) => ` ${a.name}="${escAttr(a.value)}"`).join('');
  const inner = kids(node).map(xml).join('');
  return inner ? `<${tag}${attrs}>${inner}</${tag}>` : `<${tag}${attrs}/>`;
}

function sizeOf(svg: ElementLike): { w: number; h: number; vb: number[] | null } {
  const vb = svg.getAttribute('viewBox')?.trim().split(/[\s,]+/).map(Number) ?? null;
  const okVb = vb && vb.length === 4 && vb.every(Number.isFinite) ? vb : null;
  const w = Number.parseFloat(svg.getAttribute('width') ?? '') || okVb?.[2] || 640;
  const h = Number.parseFloat(svg.getAttribute('height') ?? '') || okVb?.[3] || 320;
  return { w, h, vb: okVb };
}

const FONT_SIZE = 10;
const PAD = { left: 8, right: 16, top: 8, bottom: 8 };
/** How far a plot may draw past the left of its box (3× that past the right). */
const OVERHANG = 4;
/** A text's width, estimated (no font metrics here): 0.6 em per character. */
const textWidth = (s: string, size = FONT_SIZE) => 0.6 * size * [...s].length;
const r1 = (v: number) => Math.round(v * 10) / 10;
const attrsXml = (el: ElementLike, skip: ReadonlySet<string>) =>
  Array.from(el.attributes).filter((a) => !skip.has(a.name)).map((a) => ` ${a.name}="${escAttr(a.value)}"`).join('');

/** A laid-out block: its size, and its SVG placed at (x, y) in a column `avail` wide. */
interface Box { w: number; h: number; draw(x: number, y: number, avail: number): string }

// Plot's font-family (system-ui, sans-serif) gives way to FIGURE_FONT, which a rasterizer can resolve.
const PLOT_SKIP = new Set(['width', 'height', 'viewBox', 'xmlns', 'x', 'y', 'transform', 'font-family', 'style']);

/** A plot <svg>'s contents in a translated <g> (in a clipping <svg>), its root's presentation attributes carried over. */
function svgBox(svg: ElementLike): Box {
  const { w, h, vb } = sizeOf(svg);
  const sx = vb ? w / vb[2] : 1, sy = vb ? h / vb[3] : 1;
  const fit = vb && (sx !== 1 || sy !== 1 || vb[0] || vb[1]) ? ` scale(${sx},${sy}) translate(${-vb[0]},${-vb[1]})` : '';
  // Inline style: only the font size survives (Plot's svg style is layout for HTML pages).
  const size = /font-size:\s*([\d.]+px)/.exec(svg.getAttribute('style') ?? '')?.[1];
  // Clipped to its box as a page clips an <svg>, give or take a few pixels at the sides, where
  // Plot's axis labels overhang (a nested <svg> without Plot's class: no `height: auto` on it).
  return {
    w, h,
    draw: (x, y) => `<svg x="${r1(x - OVERHANG)}" y="${r1(y)}" width="${r1(w + 3 * OVERHANG)}" height="${r1(h)}">`
      + `<g transform="translate(${OVERHANG},0)${fit}"${attrsXml(svg, PLOT_SKIP)}${size ? ` style="font-size:${size}"` : ''}>${kids(svg).map(xml).join('')}</g></svg>`,
  };
}

/** Plot's swatch legend (<div><span><svg …/>label</span>…</div>): swatches and labels in rows. */
function swatchBox(div: ElementLike, maxW: number): Box {
  const SW = 15, ROW = 22;
  const items = kids(div).filter(isElement).filter((e) => tagOf(e) === 'span').map((s) => ({
    swatch: kids(s).filter(isElement).find((e) => tagOf(e) === 'svg') ?? null,
    label: kids(s).filter((n) => n.nodeType === 3).map((n) => n.nodeValue ?? '').join('').trim() || (s.textContent ?? '').trim(),
  }));
  const placed: { x: number; y: number; it: (typeof items)[number] }[] = [];
  let x = 0, y = 0, w = 0;
  for (const it of items) {
    const iw = SW + 6 + textWidth(it.label, 11) + 14;
    if (x > 0 && x + iw > maxW) { x = 0; y += ROW; }
    placed.push({ x, y, it });
    x = r1(x + iw);
    w = Math.max(w, x);
  }
  const skip = new Set(['x', 'y', 'width', 'height', 'xmlns', 'class', 'style']);
  return {
    w, h: y + ROW,
    draw: (x0, y0) => `<g class="legend${div.getAttribute('class') ? ` ${escAttr(div.getAttribute('class')!)}` : ''}" text-anchor="start" font-size="11" fill="currentColor">${placed.map(({ x: px, y: py, it }) =>
      (it.swatch ? `<svg x="${r1(x0 + px)}" y="${r1(y0 + py + 3)}" width="${SW}" height="${SW}" overflow="visible"${attrsXml(it.swatch, skip)}>${kids(it.swatch).map(xml).join('')}</svg>` : '')
      + `<text x="${r1(x0 + px + SW + 6)}" y="${r1(y0 + py + 14.5)}">${escText(it.label)}</text>`).join('')}</g>`,
  };
}

function textBox(text: string, bold: boolean, center: boolean, size: number): Box {
  const w = textWidth(text, size);
  return {
    w, h: size + 8,
    draw: (x, y, avail) => `<text x="${r1(center ? x + avail / 2 : x)}" y="${r1(y + size + 2)}" text-anchor="${center ? 'middle' : 'start'}" font-size="${size}"${bold ? ' font-weight="600"' : ''}>${escText(text)}</text>`,
  };
}

const isSwatches = (el: ElementLike) => /-swatches\b/.test(el.getAttribute('class') ?? '')
  || kids(el).some((k) => isElement(k) && tagOf(k) === 'span' && kids(k).some((g) => isElement(g) && tagOf(g) === 'svg'));

/**
 * Lay an element out: an <svg> as itself; a swatch legend as rows of swatches; a container as
 * a column of its children, or a wrapping row when its style says `display:flex` (legend rows,
 * side-by-side facets); an element holding only text as a line of text (headings bold).
 */
function boxOf(el: ElementLike, maxW: number): Box | null {
  const tag = tagOf(el);
  if (tag === 'svg') return svgBox(el);
  if (tag === 'style' || tag === 'script' || tag === 'button') return null;
  if (isSwatches(el)) return swatchBox(el, maxW);
  const style = el.getAttribute('style') ?? '';
  const children = kids(el).filter(isElement);
  // The element's classes stay on its <g> (lm-figure, lm-legend, lm-facet-label: tests and styles find them).
  const cls = el.getAttribute('class');
  const group = (inner: string) => (cls ? `<g class="${escAttr(cls)}">${inner}</g>` : inner);
  if (!children.length) {
    const text = (el.textContent ?? '').trim();
    if (!text) return null;
    const size = /^h[1-3]$/.test(tag) ? 13 : Number(/font-size:\s*([\d.]+)px/.exec(style)?.[1]) || 11;
    const t = textBox(text, /^h[1-6]$/.test(tag), /text-align:\s*center/.test(style), size);
    return { ...t, draw: (x, y, avail) => group(t.draw(x, y, avail)) };
  }
  const boxes = children.map((c) => boxOf(c, maxW)).filter((b): b is Box => b !== null);
  if (!boxes.length) return null;
  if (/display:\s*(inline-)?flex/.test(style) && !/flex-direction:\s*column/.test(style)) {
    const gapPx = Number(/(?:^|;|\s)(?:column-)?gap:\s*([\d.]+)px/.exec(style)?.[1]);
    const gapEm = Number(/(?:^|;|\s)(?:column-)?gap:\s*([\d.]+)em/.exec(style)?.[1]);
    const gap = Number.isFinite(gapPx) ? gapPx : Number.isFinite(gapEm) ? gapEm * 11 : 8;
    const rows: { boxes: Box[]; w: number; h: number }[] = [];
    for (const b of boxes) {
      const row = rows[rows.length - 1];
      if (row && row.w + gap + b.w <= maxW + 0.5) { row.boxes.push(b); row.w += gap + b.w; row.h = Math.max(row.h, b.h); }
      else rows.push({ boxes: [b], w: b.w, h: b.h });
    }
    return {
      w: Math.max(...rows.map((r) => r.w)), h: rows.reduce((a, r) => a + r.h, 0),
      draw: (x, y) => {
        let yy = y;
        return group(rows.map((r) => {
          let xx = x;
          // Items of a row centred on its line (align-items: center), as the page draws them.
          const out = r.boxes.map((b) => { const s = b.draw(xx, yy + (r.h - b.h) / 2, b.w); xx += b.w + gap; return s; }).join('');
          yy += r.h;
          return out;
        }).join(''));
      },
    };
  }
  const w = Math.max(...boxes.map((b) => b.w));
  return {
    w, h: boxes.reduce((a, b) => a + b.h, 0),
    draw: (x, y, avail) => {
      let yy = y;
      return group(boxes.map((b) => { const s = b.draw(x, yy, Math.max(w, Math.min(avail, w))); yy += b.h; return s; }).join(''));
    },
  };
}

/** Widest plot <svg> in the element (the figure's width). */
function widestSvg(el: ElementLike): number {
  if (tagOf(el) === 'svg') return sizeOf(el).w;
  return Math.max(0, ...kids(el).filter(isElement).map(widestSvg));
}

/**
 * One self-contained SVG document (xmlns, white background, fonts named, a small margin) for
 * the element `plotElement` drew: an <svg>, or HTML holding legends, labels and plot <svg>s.
 */
export function standaloneSvg(plot: Element): string {
  const root = plot as unknown as ElementLike;
  const maxW = Math.max(240, widestSvg(root));
  const box = boxOf(root, maxW);
  const width = Math.max(maxW, box?.w ?? 0), height = box?.h ?? 1;
  // A margin all round: Plot lets axis labels overflow its box (overflow: visible) by a few pixels.
  const W = Math.ceil(width + PAD.left + PAD.right), H = Math.ceil(height + PAD.top + PAD.bottom);
  return `<svg xmlns="${SVG_NS}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${escAttr(FIGURE_FONT)}" font-size="${FONT_SIZE}" color="black">`
    + `<rect width="${W}" height="${H}" fill="white"/>${box ? box.draw(PAD.left, PAD.top, width) : ''}</svg>\n`;
}

/** The width the report and `--figures` draw a plot at (side-by-side panels get more room). */
export const figureWidth = (spec: PlotSpec): number => (spec.facet ? 960 : 640);

/** A plot spec and its rows as a standalone SVG, or null when nothing can be drawn. */
export function figureSvg(spec: PlotSpec, rows: Record<string, number | string>[], document: Document, width = figureWidth(spec)): string | null {
  const el = plotElement(spec, rows, document, width);
  return el ? standaloneSvg(el) : null;
}
