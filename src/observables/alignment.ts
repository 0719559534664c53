/**
 * Alignment of adjacent layers' singular vectors: A_ij = |⟨v_i(W_{l+1}), u_j(W_l)⟩|, the overlap of
 * layer l+1's right singular vectors with layer l's left singular vectors. Saxe's reduction
 * needs A ≈ I on the learned modes (V_{l+1} = U_l); for the outer layers the reference frames
 * are the target's: |U_Lᵀ U*| and |V_1ᵀ V*|.
 */
import { type Mat, svd } from '../engine/linalg/index.js';

export function overlap(A: Mat, B: Mat, k: number): number[][] {
  // |Aᵀ B| restricted to the first k columns of each.
  const out: number[][] = [];
  for (let i = 0; i < k; i++) {
    const row: number[] = [];
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let r = 0; r < A.rows; r++) s += A.data[r * A.cols + i] * B.data[r * B.cols + j];
      row.push(Math.abs(s));
    }
    out.push(row);
  }
  return out;
}

export interface LayerAlignment {
  /** Label such as "W2·W1" (between layers) or "W1·target". */
  pair: string;
  matrix: number[][];
  /** Mean of the diagonal: 1 when perfectly aligned. */
  score: number;
}

export function layerAlignments(layers: Mat[], U: Mat, V: Mat, k: number): LayerAlignment[] {
  const s = layers.map((W) => svd(W));
  const out: LayerAlignment[] = [];
  const push = (pair: string, m: number[][]) =>
    out.push({ pair, matrix: m, score: m.reduce((acc, row, i) => acc + row[i], 0) / m.length });
  const kk = Math.min(k, ...s.map((x) => x.S.length));
  push('W1·target', overlap(s[0].V, V, kk));
  for (let l = 0; l + 1 < layers.length; l++) push(`W${l + 2}·W${l + 1}`, overlap(s[l + 1].V, s[l].U, kk));
  push(`W${layers.length}·target`, overlap(s[layers.length - 1].U, U, kk));
  return out;
}
