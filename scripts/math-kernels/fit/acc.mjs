// Max ulp error vs mpmath (exact-<op>.json) for a generated module (GEN env), both variants.
import { readFileSync, existsSync } from 'node:fs';
import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const gen = process.env.GEN ?? '/work/main/src/engine/backend/wasm-bytes.generated.ts';
const load = async (v) => (await WebAssembly.instantiate(Buffer.from(new RegExp(v + " = '([^']+)'").exec(readFileSync(gen, 'utf8'))[1], 'base64'), {})).instance.exports;
const ulp = (v) => { v = Math.abs(v); if (v < 2.2250738585072014e-308) return 5e-324; let e = Math.floor(Math.log2(v)); if (2 ** e > v) e--; else if (2 ** (e + 1) <= v) e++; return 2 ** (e - 52); };
for (const v of ['wasmRelaxedBase64', 'wasmBase64']) {
  const ex = await load(v);
  const line = [];
  for (const op of (process.env.OPS ?? 'exp,tanh,sigmoid,erf,gelu,geluSlope,geluCurv').split(',')) {
    const p = `/tmp/mk2/exact-${op}.json`; if (!existsSync(p)) continue;
    const { x, v: ev } = JSON.parse(readFileSync(p, 'utf8').replaceAll('Infinity', '1e999').replaceAll('NaN', 'null'));
    const n = x.length;
    if (ex.memory.buffer.byteLength < n * 16 + 4096) ex.memory.grow(Math.ceil((n * 16 + 4096 - ex.memory.buffer.byteLength) / 65536));
    const m = new Float64Array(ex.memory.buffer); m.set(x, 0);
    ex[`${op}_f64`](0, 8 * n, n, 16 * n);
    const y = m.subarray(n, 2 * n);
    let wp = [0, 0], wn = [0, 0], sub = 0;
    for (let i = 0; i < n; i++) {
      const [hi, lo, sc] = ev[i];
      if (op === 'exp' && x[i] > 709.78) continue;
      if (!Number.isFinite(hi)) continue;
      if (Math.abs(hi) < 2.2250738585072014e-308) { sub = Math.max(sub, Math.abs((y[i] - hi) - lo) / 5e-324); continue; }
      const e = Math.abs((y[i] - hi) - lo) / ulp(sc);
      if (Number.isNaN(e)) { console.log('NaN at', op, x[i], y[i]); continue; }
      if (x[i] < 0 || Object.is(x[i], -0)) { if (e > wn[0]) wn = [e, x[i]]; } else if (e > wp[0]) wp = [e, x[i]];
    }
    line.push(`${op} +${wp[0].toFixed(3)}@${wp[1].toPrecision(6)} -${wn[0].toFixed(3)}@${wn[1].toPrecision(6)} sub${sub.toFixed(1)}`);
  }
  console.log(v === 'wasmBase64' ? 'plain  ' : 'relaxed', line.join(' | '));
}
