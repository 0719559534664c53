/**
 * Equations in report texts. Convention: in an experiment's description, a plot's title or
 * caption, a check's name, quantity or note, text wrapped in `$…$` is TeX (`$u^{2-2/L}$`);
 * `\$` is a literal dollar. As in Pandoc, a `$` opens math only when a non-space follows it and
 * closes only when a non-space precedes it and no digit follows, so "$5 or $6" stays text.
 *
 * TeX is rendered with KaTeX to MathML (output 'mathml'): the browser lays MathML out with its
 * own math fonts, so neither KaTeX's CSS nor its web fonts are needed, and the HTML report stays
 * one self-contained file. The same function serves the report (Node) and the page (browser).
 * A TeX error renders as the source in red (throwOnError: false), never as a failed report.
 */
import katex from 'katex';
import { esc } from './escape.js';

export type MathPart = { math: false; text: string } | { math: true; tex: string };

/** Split text into plain and `$…$` parts (plain parts with `\$` unescaped). */
export function splitMath(text: string): MathPart[] {
  const parts: MathPart[] = [];
  let plain = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\' && text[i + 1] === '$') { plain += '$'; i += 2; continue; }
    if (c === '$' && i + 1 < text.length && !/\s|\$/.test(text[i + 1])) {
      const close = closingDollar(text, i + 1);
      if (close > 0) {
        if (plain) parts.push({ math: false, text: plain });
        plain = '';
        parts.push({ math: true, tex: text.slice(i + 1, close) });
        i = close + 1;
        continue;
      }
    }
    plain += c;
    i++;
  }
  if (plain) parts.push({ math: false, text: plain });
  return parts;
}

function closingDollar(text: string, from: number): number {
  for (let j = from; j < text.length; j++) {
    if (text[j] === '\\') { j++; continue; } // \$ and other escapes inside TeX
    if (text[j] === '$' && !/\s/.test(text[j - 1]) && !/[0-9]/.test(text[j + 1] ?? '')) return j;
  }
  return -1;
}

/** Does the text carry any `$…$` math? */
export const hasMath = (text: string): boolean => splitMath(text).some((p) => p.math);

/** One TeX formula as inline MathML (a `<span class="katex"><math>…</math></span>`). */
export function texToMathml(tex: string): string {
  return katex.renderToString(tex, { output: 'mathml', throwOnError: false, strict: false, displayMode: false });
}

/** Text → HTML: plain parts escaped, `$…$` parts rendered by KaTeX. Safe to set as innerHTML. */
export function mathHtml(text: string | undefined | null): string {
  if (text === undefined || text === null) return '';
  return splitMath(String(text)).map((p) => (p.math ? texToMathml(p.tex) : esc(p.text))).join('');
}

/** Text with the `$` delimiters dropped (the TeX source kept), for terminals, file names, CSV. */
export function plainMath(text: string): string {
  return splitMath(text).map((p) => (p.math ? p.tex : p.text)).join('');
}

/** Put text with `$…$` math into an element (the page). */
export function setMath(el: { innerHTML: string; textContent: string | null }, text: string | undefined | null): void {
  if (text && hasMath(text)) el.innerHTML = mathHtml(text);
  else el.textContent = text ?? '';
}
