#!/usr/bin/env node
// Assemble src/engine/backend/kernels.wat into src/engine/backend/wasm-bytes.generated.ts
// (base64 strings, so the modules load the same way in Node and in the browser).
//
// Generated fragment: kernels-math.wat (the transcendental kernels) is written first by
// scripts/math-kernels/gen.mjs from its coefficients (gitignored; never edit it by hand).
//
// Fragments: every src/engine/backend/kernels-*.wat file (sorted by name) is a list of
// top-level module fields (funcs, globals, data) spliced into kernels.wat at the line
// `;; @fragments`, so independent kernel families live in their own files but share one
// module and one linear memory.
//
// Variants: one source, two binaries. The source writes a multiply-add as the placeholder
// instruction `(f32x4.madd a b c)` / `(f64x2.madd a b c)` = a·b + c (folded form only), which
// this script rewrites per variant:
//   simd128       (f32x4.add c (f32x4.mul a b))      baseline SIMD128, runs everywhere
//   relaxed-simd  (f32x4.relaxed_madd a b c)         relaxed SIMD: one FMA on x64 with FMA3
//                                                    (the spec lets it round once or twice)
// and exports `wasmBase64` (simd128) and `wasmRelaxedBase64` (relaxed-simd). The operands are
// evaluated in a different order in the two expansions, so they must be free of side effects
// (local.get, loads).
//
// Offline: uses the `wabt` devDependency (WABT compiled to JavaScript).
// Usage: node scripts/build-wasm.mjs [--check]
//   --check   assemble and validate only; exit 1 if the generated file is missing or stale.

import { readFile, readdir, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import wabtInit from 'wabt';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [path.join(root, 'scripts/math-kernels/gen.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
const watPath = path.join(root, 'src/engine/backend/kernels.wat');
const outPath = path.join(root, 'src/engine/backend/wasm-bytes.generated.ts');
const checkOnly = process.argv.includes('--check');

const MARKER = ';; @fragments';
const dir = path.dirname(watPath);
const fragmentNames = (await readdir(dir)).filter((f) => /^kernels-.+\.wat$/.test(f)).sort();
let wat = await readFile(watPath, 'utf8');
if (!wat.includes(MARKER)) {
  console.error(`build-wasm: kernels.wat lacks the line '${MARKER}' where fragments go`);
  process.exit(1);
}
const fragments = await Promise.all(
  fragmentNames.map(async (f) => `;; ---- ${f} ----\n${await readFile(path.join(dir, f), 'utf8')}`),
);
wat = wat.replace(MARKER, fragments.join('\n'));

/** Line number (1-based) of character offset `at` in `text`, for error messages. */
const lineOf = (text, at) => text.slice(0, at).split('\n').length;

/** Skip whitespace and `;;` line comments from `at`. */
function skipBlank(text, at) {
  for (;;) {
    while (at < text.length && /\s/.test(text[at])) at++;
    if (!text.startsWith(';;', at)) return at;
    const nl = text.indexOf('\n', at);
    at = nl < 0 ? text.length : nl + 1;
  }
}

/** One operand of a folded instruction at or after `at`: [text, end]. */
function readOperand(text, at) {
  at = skipBlank(text, at);
  if (text[at] !== '(') {
    const m = /^[^\s()]+/.exec(text.slice(at));
    if (!m) throw new Error(`line ${lineOf(text, at)}: expected an operand`);
    return [m[0], at + m[0].length];
  }
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    if (text.startsWith(';;', i)) i = text.indexOf('\n', i);
    else if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return [text.slice(at, i + 1), i + 1];
    if (i < 0) break;
  }
  throw new Error(`line ${lineOf(text, at)}: unbalanced parentheses`);
}

/** Rewrite every `(f32x4.madd a b c)` / `(f64x2.madd a b c)` = a·b + c for the given variant. */
function expandMadd(text, variant) {
  const re = /\((f32x4|f64x2)\.madd(?=[\s(])/g;
  let out = '';
  let last = 0;
  for (let m; (m = re.exec(text)); ) {
    const shape = m[1];
    let at = m.index + m[0].length;
    const ops = [];
    for (let i = 0; i < 3; i++) {
      const [op, end] = readOperand(text, at);
      ops.push(expandMadd(op, variant)); // an operand may itself hold a madd
      at = end;
    }
    at = skipBlank(text, at);
    if (text[at] !== ')') throw new Error(`line ${lineOf(text, m.index)}: ${shape}.madd takes exactly three operands`);
    const [a, b, c] = ops;
    out += text.slice(last, m.index) + (variant === 'relaxed-simd'
      ? `(${shape}.relaxed_madd ${a} ${b} ${c})`
      : `(${shape}.add ${c} (${shape}.mul ${a} ${b}))`);
    last = at + 1;
    re.lastIndex = last;
  }
  return out + text.slice(last);
}

const wabt = await wabtInit();
// Node 20 (V8 11.3) ships relaxed SIMD behind a flag; set it so WebAssembly.validate can check
// the relaxed module here (newer engines accept it without).
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

/** Assemble one variant: bytes, or exit 1 with wabt's message. */
function assemble(variant) {
  let mod;
  try {
    const source = expandMadd(wat, variant);
    mod = wabt.parseWat(path.relative(root, watPath), source, { simd: true, relaxed_simd: variant === 'relaxed-simd' });
    mod.resolveNames();
    mod.validate();
    const bytes = mod.toBinary({ log: false, write_debug_names: false }).buffer;
    if (!WebAssembly.validate(bytes)) throw new Error(`this Node rejects the ${variant} module (no WebAssembly SIMD support?)`);
    return bytes;
  } catch (err) {
    console.error(`build-wasm (${variant}): ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  } finally {
    mod?.destroy();
  }
}

const plain = assemble('simd128');
const relaxed = assemble('relaxed-simd');
if (Buffer.from(plain).equals(Buffer.from(relaxed))) {
  console.error('build-wasm: the two variants are identical (kernels.wat uses no f32x4.madd / f64x2.madd)');
  process.exit(1);
}

const source =
  `// Generated by scripts/build-wasm.mjs from kernels.wat${fragmentNames.length ? ' + ' + fragmentNames.join(' + ') : ''}. Do not edit; do not commit.\n` +
  `// ${plain.length} bytes of WebAssembly SIMD128; ${relaxed.length} bytes with relaxed SIMD (relaxed_madd).\n` +
  `export const wasmBase64 = '${Buffer.from(plain).toString('base64')}';\n` +
  `export const wasmRelaxedBase64 = '${Buffer.from(relaxed).toString('base64')}';\n`;

let current = null;
try {
  current = await readFile(outPath, 'utf8');
} catch {
  // not generated yet
}

const sizes = `${plain.length} + ${relaxed.length} bytes`;
if (checkOnly) {
  if (current !== source) {
    console.error(`build-wasm: ${path.relative(root, outPath)} is missing or stale; run node scripts/build-wasm.mjs`);
    process.exit(1);
  }
  console.log(`build-wasm: ok (${sizes})`);
} else if (current === source) {
  console.log(`build-wasm: ${path.relative(root, outPath)} up to date (${sizes})`);
} else {
  await writeFile(outPath, source);
  console.log(`build-wasm: wrote ${path.relative(root, outPath)} (${sizes})`);
}
