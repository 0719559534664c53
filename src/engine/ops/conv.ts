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
 * Pooling reuses im2col on the channels-as-batch view [N·C, 1, H, W]: avgPool2d = mean over the
 * window, maxPool2d = max over the window (gradient to the first maximal entry).
 */
import type { TensorData } from '../dtype.js';
import { Tensor, fmtShape } from '../tensor.js';
import { alloc, make, requireFloat } from './core.js';
import { matmulT } from './matmul.js';
import { max, mean } from './reduce.js';
import { permute, reshape } from './shape.js';

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

export interface Conv2dOptions {
  /** Step between windows (default 1; a number or [sh, sw]). */
  stride?: number | readonly [number, number];
  /** Zeros added on each side (default 0; a number or [ph, pw]). */
  padding?: number | readonly [number, number];
}

/** Cross-correlation of x [N,C,H,W] with w [O,C,kh,kw] → [N,O,Ho,Wo] (no bias: add it after). */
export function conv2d(x: Tensor, w: Tensor, { stride = 1, padding = 0 }: Conv2dOptions = {}): Tensor {
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
  const cols = im2col(x, win);
  const y = matmulT(cols, reshape(w, [O, C * kh * kw]), false, true); // [N·Ho·Wo, O]
  return permute(reshape(y, [x.shape[0], Ho, Wo, O]), [0, 3, 1, 2]);
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

/** Max over k×k windows (stride defaults to k); the gradient goes to the first maximal entry. */
export function maxPool2d(x: Tensor, k: number, stride = k): Tensor {
  return pool('maxPool2d', x, k, stride, (c) => max(c, -1));
}
