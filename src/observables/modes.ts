/**
 * Mode strengths of a linear map E against target singular vectors: u_μ = u*_μᵀ E v*_μ.
 * For an aligned DLN these are exactly the singular values of E that Saxe's theory tracks;
 * otherwise they are the projections the theory predicts, and `singularValues` gives the
 * basis-free counterpart.
 */
import { type Mat, svd } from '../engine/linalg/index.js';

export function modeStrengths(E: Mat, U: Mat, V: Mat, modes: number): Float64Array {
  const out = new Float64Array(modes);
  const dOut = E.rows, dIn = E.cols;
  for (let mu = 0; mu < modes; mu++) {
    let s = 0;
    for (let i = 0; i < dOut; i++) {
      const ui = U.data[i * U.cols + mu];
      if (ui === 0) continue;
      let row = 0;
      for (let j = 0; j < dIn; j++) row += E.data[i * dIn + j] * V.data[j * V.cols + mu];
      s += ui * row;
    }
    out[mu] = s;
  }
  return out;
}

export function singularValues(E: Mat): Float64Array {
  return svd(E).S;
}
