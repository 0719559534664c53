import { eye, frobenius, mat, matmul, maxAbs, sub, transpose, type Mat } from '../../src/engine/linalg/index.js';

/** max |QᵀQ − I| for the columns of Q. */
export function orthError(Q: Mat): number {
  return maxAbs(sub(matmul(transpose(Q), Q), eye(Q.cols)));
}

/** M·diag(s) (scale column j by s[j]). */
export function scaleCols(M: Mat, s: ArrayLike<number>): Mat {
  const out = mat(M.rows, M.cols, M.data.slice());
  for (let i = 0; i < M.rows; i++) for (let j = 0; j < M.cols; j++) out.data[i * M.cols + j] *= s[j];
  return out;
}

/** ‖A·V − V·Λ‖_F / ‖A‖_F. */
export function eigResidual(A: Mat, values: Float64Array, V: Mat): number {
  return frobenius(sub(matmul(A, V), scaleCols(V, values))) / frobenius(A);
}
