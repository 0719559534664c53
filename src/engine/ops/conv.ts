/**
 * 2-D convolution and pooling on NCHW tensors, by im2col and one backend matmul.
 *
 *   y[n,o,i,j] = Σ_{c,p,q} w[o,c,p,q] · x[n, c, i·sh − ph + p, j·sw − pw + q]   (cross-correlation,
 *   zero padding), Ho = ⌊(H + 2ph − kh)/sh⌋ + 1, Wo likewise.
 *
 * im2col(x) lays the receptive field of each output pixel out as a row:
 *   cols[(n·Ho + i)·Wo + j, (c·kh + p)·kw + q] = x[n, c, i·sh − ph + p, j·sw − pw + q]  (0 outside),
 * so y = cols · W₂ᵀ with W₂ = w reshaped [O, C·kh·kw]. im2col is linear; its adjoint col2im
 * scatters rows back (summing overlaps). Each is the other's vjp, so conv2d's backward pass is
 * made of differentiable ops and Hessian-vector products through a CNN are exact.
 *
 * conv2d itself uses the transposed layout (channel-major patch matrix)
 *   colsT[(c·kh + p)·kw + q, (n·Ho + i)·Wo + j] = x[n, c, i·sh − ph + p, j·sw − pw + q],
 * so Y = W₂ · colsT is [O, N·Ho·Wo]: each copy run is a whole output row j = 0..Wo−1 (contiguous in
 * both arrays at stride 1), the product is one gemm, and moving O behind N is a permute whose
 * inner run is a whole image plane. im2colT/col2imT are adjoint to each other as above.
 *
 * Pooling: avgPool2d reuses im2col on the channels-as-batch view [N·C, 1, H, W] (mean over the
 * window). maxPool2d records, for each output, the flat index of the first maximal input of its
 * window, and is then a gather of x at those indices: its vjp is scatterAdd (overlapping windows
 * sum), whose vjp is the gather again, so double backward is exact.
 */
import type { TensorData } from '../dtype.js';
import { Tensor, fmtShape } from '../tensor.js';
import { alloc, make, requireFloat } from './core.js';
import { scatterAddAt } from './indexing.js';
import { matmulT } from './matmul.js';
import { mean } from './reduce.js';
import { concat, permute, reshape } from './shape.js';

/** Window geometry: kernel, stride and padding per spatial axis. */
export interface Window {
  kh: number; kw: number;
  sh: number; sw: number;
  ph: number; pw: number;
}

function pair(name: string, v: number | readonly [number, number], min: number): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.some((x) => !Number.isInteger(x) || x < min)) {
    throw new Error(`${name}: must be an integer ≥ ${min} (or a pair of them), got ${JSON.stringify(v)}`);
  }
  return p;
}

function outSize(op: string, x: readonly number[], w: Window): [number, number] {
  const [, , H, W] = x;
  const Ho = Math.floor((H + 2 * w.ph - w.kh) / w.sh) + 1;
  const Wo = Math.floor((W + 2 * w.pw - w.kw) / w.sw) + 1;
  if (Ho < 1 || Wo < 1) {
    throw new Error(`${op}: window ${w.kh}×${w.kw} (stride ${w.sh}×${w.sw}, padding ${w.ph}×${w.pw}) does not fit input ${fmtShape(x)}`);
  }
  return [Ho, Wo];
}

function checkNchw(op: string, x: Tensor): void {
  if (x.rank !== 4) throw new Error(`${op}: input must be [N, C, H, W], got ${fmtShape(x.shape)}`);
}

/**
 * The im2col copy cols[r, col] = x[...] (toCols) or its adjoint x[...] += cols[r, col].
 * Padding entries are skipped (cols must start zeroed); the innermost run over q is contiguous
 * in both arrays. Each direction is its own loop nest (one job, monomorphic inner loop).
 */
function patches(x: TensorData, cols: TensorData, xShape: readonly number[], win: Window, toCols: boolean): void {
  if (toCols) gatherPatches(x, cols, xShape, win);
  else scatterPatches(x, cols, xShape, win);
}

function gatherPatches(x: TensorData, cols: TensorData, xShape: readonly number[], win: Window): void {
  const [N, C, H, W] = xShape;
  const [Ho, Wo] = outSize('im2col', xShape, win);
  const { kh, kw, sh, sw, ph, pw } = win;
  const K = C * kh * kw;
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < Ho; i++) {
      const h0 = i * sh - ph;
      const plo = Math.max(0, -h0), phi = Math.min(kh, H - h0);
      for (let j = 0; j < Wo; j++) {
        const row = ((n * Ho + i) * Wo + j) * K;
        const w0 = j * sw - pw;
        const qlo = Math.max(0, -w0), qhi = Math.min(kw, W - w0);
        for (let c = 0; c < C; c++) {
          const xc = ((n * C + c) * H + h0) * W + w0, cc = row + c * kh * kw;
          for (let p = plo; p < phi; p++) {
            const xo = xc + p * W, co = cc + p * kw;
            for (let q = qlo; q < qhi; q++) cols[co + q] = x[xo + q];
          }
        }
      }
    }
  }
}

function scatterPatches(x: TensorData, cols: TensorData, xShape: readonly number[], win: Window): void {
  const [N, C, H, W] = xShape;
  const [Ho, Wo] = outSize('col2im', xShape, win);
  const { kh, kw, sh, sw, ph, pw } = win;
  const K = C * kh * kw;
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < Ho; i++) {
      const h0 = i * sh - ph;
      const plo = Math.max(0, -h0), phi = Math.min(kh, H - h0);
      for (let j = 0; j < Wo; j++) {
        const row = ((n * Ho + i) * Wo + j) * K;
        const w0 = j * sw - pw;
        const qlo = Math.max(0, -w0), qhi = Math.min(kw, W - w0);
        for (let c = 0; c < C; c++) {
          const xc = ((n * C + c) * H + h0) * W + w0, cc = row + c * kh * kw;
          for (let p = plo; p < phi; p++) {
            const xo = xc + p * W, co = cc + p * kw;
            for (let q = qlo; q < qhi; q++) x[xo + q] += cols[co + q];
          }
        }
      }
    }
  }
}

/** x [N,C,H,W] → cols [N·Ho·Wo, C·kh·kw]. d/dx = col2im(g). */
export function im2col(x: Tensor, win: Window): Tensor {
  checkNchw('im2col', x);
  const [N, C] = x.shape;
  const [Ho, Wo] = outSize('im2col', x.shape, win);
  const K = C * win.kh * win.kw;
  const out = alloc(x.dtype, N * Ho * Wo * K);
  patches(x.data, out, x.shape, win, true);
  const xShape = x.shape;
  return make('im2col', out, [N * Ho * Wo, K], [x], (g) => [col2im(g, xShape, win)]);
}

/** The adjoint of im2col: cols [N·Ho·Wo, C·kh·kw] → x-shaped sums. d/dcols = im2col(g). */
export function col2im(cols: Tensor, xShape: readonly number[], win: Window): Tensor {
  if (xShape.length !== 4) throw new Error(`col2im: xShape must be [N, C, H, W], got ${fmtShape(xShape)}`);
  const [N, C, H, W] = xShape;
  const [Ho, Wo] = outSize('col2im', xShape, win);
  const K = C * win.kh * win.kw;
  if (cols.rank !== 2 || cols.shape[0] !== N * Ho * Wo || cols.shape[1] !== K) {
    throw new Error(`col2im: cols ${fmtShape(cols.shape)} do not match [${N * Ho * Wo},${K}] for input ${fmtShape(xShape)}`);
  }
  const out = alloc(cols.dtype, N * C * H * W);
  patches(out, cols.data, xShape, win, false);
  return make('col2im', out, xShape, [cols], (g) => [im2col(g, win)]);
}

/**
 * The output positions j ∈ [lo, hi) whose tap q lands inside the input (0 ≤ j·s − pad + q < W);
 * the same rule gives the rows i for tap p.
 */
function tapRange(q: number, s: number, pad: number, W: number, Wo: number): [number, number] {
  const off = q - pad;
  const lo = off >= 0 ? 0 : Math.ceil(-off / s);
  const hi = Math.min(Wo, Math.floor((W - 1 - off) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * colsT[r, (n·Ho + i)·Wo + j] = x[n, c, i·sh − ph + p, j·sw − pw + q], r = (c·kh + p)·kw + q
 * (cols must start zeroed). At unit stride with Wo = W ("same" width), the block of one (r, n) is
 * the input plane shifted by (p − ph)·W + q − pw: one contiguous copy, then the wrapped border
 * columns are zeroed.
 */
function gatherPatchesT(x: TensorData, cols: TensorData, xShape: readonly number[], win: Window): void {
  const [N, C, H, W] = xShape;
  const [Ho, Wo] = outSize('im2colT', xShape, win);
  const { kh, kw, sh, sw, ph, pw } = win;
  const NP = N * Ho * Wo, HW = H * W, P = Ho * Wo;
  const shifted = sh === 1 && sw === 1 && Wo === W;
  for (let c = 0; c < C; c++) {
    for (let p = 0; p < kh; p++) {
      const [ilo, ihi] = tapRange(p, sh, ph, H, Ho);
      if (ilo >= ihi) continue;
      for (let q = 0; q < kw; q++) {
        const r = (c * kh + p) * kw + q;
        const [jlo, jhi] = tapRange(q, sw, pw, W, Wo);
        if (jlo >= jhi) continue;
        if (shifted) {
          const delta = (p - ph) * W + q - pw, first = ilo * W + jlo, last = (ihi - 1) * W + jhi;
          for (let n = 0; n < N; n++) {
            const xb = (n * C + c) * HW + delta, cb = r * NP + n * P;
            cols.set(x.subarray(xb + first, xb + last), cb + first);
            for (let i = ilo; i < ihi; i++) {
              const row = cb + i * W;
              for (let j = 0; j < jlo; j++) cols[row + j] = 0;
              for (let j = jhi; j < W; j++) cols[row + j] = 0;
            }
          }
          continue;
        }
        for (let n = 0; n < N; n++) {
          let xo = (n * C + c) * HW + (ilo * sh - ph + p) * W + q - pw, co = r * NP + n * P + ilo * Wo;
          for (let i = ilo; i < ihi; i++, xo += sh * W, co += Wo) {
            for (let j = jlo; j < jhi; j++) cols[co + j] = x[xo + j * sw];
          }
        }
      }
    }
  }
}

/** The adjoint of gatherPatchesT: x[n, c, i·sh − ph + p, j·sw − pw + q] += colsT[r, (n·Ho + i)·Wo + j]. */
function scatterPatchesT(x: TensorData, cols: TensorData, xShape: readonly number[], win: Window): void {
  const [N, C, H, W] = xShape;
  const [Ho, Wo] = outSize('col2imT', xShape, win);
  const { kh, kw, sh, sw, ph, pw } = win;
  const NP = N * Ho * Wo, HW = H * W, P = Ho * Wo;
  for (let c = 0; c < C; c++) {
    for (let p = 0; p < kh; p++) {
      const [ilo, ihi] = tapRange(p, sh, ph, H, Ho);
      for (let q = 0; q < kw; q++) {
        const r = (c * kh + p) * kw + q;
        const [jlo, jhi] = tapRange(q, sw, pw, W, Wo);
        for (let n = 0; n < N; n++) {
          let xo = (n * C + c) * HW + (ilo * sh - ph + p) * W + q - pw, co = r * NP + n * P + ilo * Wo;
          if (sw === 1) {
            for (let i = ilo; i < ihi; i++, xo += sh * W, co += Wo) {
              for (let j = jlo; j < jhi; j++) x[xo + j] += cols[co + j];
            }
          } else {
            for (let i = ilo; i < ihi; i++, xo += sh * W, co += Wo) {
              for (let j = jlo; j < jhi; j++) x[xo + j * sw] += cols[co + j];
            }
          }
        }
      }
    }
  }
}

/**
 * x [N,C,H,W] → colsT [C·kh·kw, N·Ho·Wo] (the transpose of im2col). With `extraRow` = 1 (or 0) a
 * last row of ones (or zeros) is appended, [C·kh·kw + 1, N·Ho·Wo]: W_b = [W₂ | b] times it adds the
 * bias inside the gemm, and its gradient G·colsTᵀ carries the bias gradient Σ_cols G as its last
 * column. The extra row is constant, so d/dx = col2imT(g) ignores it.
 */
export function im2colT(x: Tensor, win: Window, extraRow?: 0 | 1): Tensor {
  checkNchw('im2colT', x);
  const [N, C] = x.shape;
  const [Ho, Wo] = outSize('im2colT', x.shape, win);
  const K = C * win.kh * win.kw, NP = N * Ho * Wo;
  const rows = extraRow === undefined ? K : K + 1;
  const out = alloc(x.dtype, rows * NP);
  gatherPatchesT(x.data, out, x.shape, win);
  if (extraRow === 1) out.fill(1, K * NP);
  const xShape = x.shape;
  return make('im2colT', out, [rows, NP], [x], (g) => [col2imT(g, xShape, win)]);
}

/**
 * The adjoint of im2colT: colsT [C·kh·kw, N·Ho·Wo] → x-shaped sums (a last extra row, if present,
 * is ignored). d/dcolsT = im2colT(g), with a zero extra row when cols had one.
 */
export function col2imT(cols: Tensor, xShape: readonly number[], win: Window): Tensor {
  if (xShape.length !== 4) throw new Error(`col2imT: xShape must be [N, C, H, W], got ${fmtShape(xShape)}`);
  const [N, C, H, W] = xShape;
  const [Ho, Wo] = outSize('col2imT', xShape, win);
  const K = C * win.kh * win.kw;
  if (cols.rank !== 2 || (cols.shape[0] !== K && cols.shape[0] !== K + 1) || cols.shape[1] !== N * Ho * Wo) {
    throw new Error(`col2imT: cols ${fmtShape(cols.shape)} do not match [${K} (or ${K + 1}),${N * Ho * Wo}] for input ${fmtShape(xShape)}`);
  }
  const out = alloc(cols.dtype, N * C * H * W);
  scatterPatchesT(out, cols.data, xShape, win);
  const extra = cols.shape[0] === K + 1 ? 0 : undefined;
  return make('col2imT', out, xShape, [cols], (g) => [im2colT(g, win, extra)]);
}

export interface Conv2dOptions {
  /** Step between windows (default 1; a number or [sh, sw]). */
  stride?: number | readonly [number, number];
  /** Zeros added on each side (default 0; a number or [ph, pw]). */
  padding?: number | readonly [number, number];
  /** Per-output-channel bias b [O], added inside the gemm (y[n,o,i,j] += b[o]). */
  bias?: Tensor;
}

/** Cross-correlation of x [N,C,H,W] with w [O,C,kh,kw] (plus an optional bias [O]) → [N,O,Ho,Wo]. */
export function conv2d(x: Tensor, w: Tensor, { stride = 1, padding = 0, bias }: Conv2dOptions = {}): Tensor {
  checkNchw('conv2d', x);
  requireFloat('conv2d', x, w);
  if (w.rank !== 4 || w.shape[1] !== x.shape[1]) {
    throw new Error(`conv2d: weight must be [O, C=${x.shape[1]}, kh, kw], got ${fmtShape(w.shape)} for input ${fmtShape(x.shape)}`);
  }
  const [O, C, kh, kw] = w.shape;
  const [sh, sw] = pair('conv2d: stride', stride, 1);
  const [ph, pw] = pair('conv2d: padding', padding, 0);
  const win: Window = { kh, kw, sh, sw, ph, pw };
  const [Ho, Wo] = outSize('conv2d', x.shape, win);
  const N = x.shape[0], K = C * kh * kw;
  let y: Tensor; // [O, N·Ho·Wo]
  if (bias) {
    requireFloat('conv2d', bias);
    if (bias.rank !== 1 || bias.shape[0] !== O) throw new Error(`conv2d: bias must be [O=${O}], got ${fmtShape(bias.shape)}`);
    const Wb = concat([reshape(w, [O, K]), reshape(bias, [O, 1])], 1); // [O, K + 1]
    y = matmulT(Wb, im2colT(x, win, 1));
  } else {
    y = matmulT(reshape(w, [O, K]), im2colT(x, win));
  }
  return reshape(permute(reshape(y, [O, N, Ho * Wo]), [1, 0, 2]), [N, O, Ho, Wo]);
}

function pool(op: string, x: Tensor, k: number, stride: number, reduce: (t: Tensor) => Tensor): Tensor {
  checkNchw(op, x);
  requireFloat(op, x);
  pair(`${op}: k`, k, 1);
  pair(`${op}: stride`, stride, 1);
  const [N, C, H, W] = x.shape;
  const win: Window = { kh: k, kw: k, sh: stride, sw: stride, ph: 0, pw: 0 };
  const [Ho, Wo] = outSize(op, x.shape, win);
  const cols = im2col(reshape(x, [N * C, 1, H, W]), win); // [N·C·Ho·Wo, k·k]
  return reshape(reduce(cols), [N, C, Ho, Wo]);
}

/** Mean over k×k windows (stride defaults to k). */
export function avgPool2d(x: Tensor, k: number, stride = k): Tensor {
  return pool('avgPool2d', x, k, stride, (c) => mean(c, -1));
}

/**
 * Max over k×k windows (stride defaults to k); the gradient goes to the first maximal entry of each
 * window (row-major order; a NaN wins and propagates).
 */
export function maxPool2d(x: Tensor, k: number, stride = k): Tensor {
  checkNchw('maxPool2d', x);
  requireFloat('maxPool2d', x);
  pair('maxPool2d: k', k, 1);
  pair('maxPool2d: stride', stride, 1);
  const [N, C, H, W] = x.shape;
  const [Ho, Wo] = outSize('maxPool2d', x.shape, { kh: k, kw: k, sh: stride, sw: stride, ph: 0, pw: 0 });
  const X = x.data;
  const out = alloc(x.dtype, N * C * Ho * Wo);
  const arg = new Int32Array(N * C * Ho * Wo);
  if (k === 2) maxPool2(X, out, arg, N * C, H, W, Ho, Wo, stride);
  else maxPoolK(X, out, arg, N * C, H, W, Ho, Wo, k, stride);
  const idx = new Tensor(arg, [N, C, Ho, Wo]);
  const xShape = x.shape, size = x.size;
  return make('maxPool2d', out, [N, C, Ho, Wo], [x], (g) => [reshape(scatterAddAt(g, idx, 0, size), xShape)]);
}

/** `a` beats the running maximum `best`: larger, or the first NaN. */
const beats = (a: number, best: number): boolean => a > best || (a !== a && best === best);

/** The first maximal entry (a NaN wins) of the k×k window at `corner`, by the rule `beats`. */
function argmaxWindow(X: TensorData, corner: number, W: number, k: number): number {
  let at = corner;
  for (let p = 0; p < k; p++) {
    for (let q = 0; q < k; q++) if (beats(X[corner + p * W + q], X[at])) at = corner + p * W + q;
  }
  return at;
}

/*
 * The pooling loops are branch-free: the running argmax moves by at += [X[e] > X[at]]·(e − at)
 * (a comparison turned into 0/1), so random data costs no mispredicted branches; a window holding
 * a NaN (its sum is NaN) is redone by argmaxWindow.
 */

/** A comparison as 0 or 1 (no branch). */
const bit = (c: boolean): number => (c as unknown as number) | 0;

/** Window maxima and the flat index of each one's first maximal entry, k×k windows. */
function maxPoolK(X: TensorData, out: TensorData, arg: Int32Array, planes: number, H: number, W: number, Ho: number, Wo: number, k: number, stride: number): void {
  let t = 0;
  for (let nc = 0; nc < planes; nc++) {
    const plane = nc * H * W;
    for (let i = 0; i < Ho; i++) {
      for (let j = 0; j < Wo; j++, t++) {
        const corner = plane + i * stride * W + j * stride;
        let at = corner, s = 0;
        for (let p = 0; p < k; p++) {
          const row = corner + p * W;
          for (let q = 0; q < k; q++) {
            const e = row + q, v = X[e];
            s += v;
            at += bit(v > X[at]) * (e - at);
          }
        }
        if (s !== s) at = argmaxWindow(X, corner, W, k);
        out[t] = X[at];
        arg[t] = at;
      }
    }
  }
}

/** maxPoolK for k = 2, unrolled: the better of each row pair, then the better row. */
function maxPool2(X: TensorData, out: TensorData, arg: Int32Array, planes: number, H: number, W: number, Ho: number, Wo: number, stride: number): void {
  let t = 0;
  for (let nc = 0; nc < planes; nc++) {
    const plane = nc * H * W;
    for (let i = 0; i < Ho; i++) {
      let r0 = plane + i * stride * W;
      for (let j = 0; j < Wo; j++, t++, r0 += stride) {
        const r1 = r0 + W;
        const i1 = r0 + bit(X[r0 + 1] > X[r0]);
        const i2 = r1 + bit(X[r1 + 1] > X[r1]);
        let at = i1 + bit(X[i2] > X[i1]) * (i2 - i1);
        const s = X[r0] + X[r0 + 1] + X[r1] + X[r1 + 1];
        if (s !== s) at = argmaxWindow(X, r0, W, 2);
        out[t] = X[at];
        arg[t] = at;
      }
    }
  }
}
