/**
 * Dense float64 linear algebra: plain row-major matrices and pure functions.
 * Symmetric eigensolver (Householder tridiagonalization + implicit QR), Golub–Reinsch SVD,
 * Cholesky and LU solves, and Lanczos with full reorthogonalization for matrix-free operators.
 */
export {
  type Mat,
  mat,
  clone,
  fromRows,
  toRows,
  eye,
  diag,
  transpose,
  matmul,
  matvec,
  frobenius,
  maxAbs,
  sub,
  add,
  scale,
  symmetrize,
  randomGaussian,
  randomOrthogonal,
  qr,
} from './matrix.js';
export { type EighMethod, type EighOptions, type EighResult, eigh, eigvalsh, tridiagonalEigen, tridiagonalEigenEnds } from './eigh.js';
export { type SvdResult, svd, singularValues } from './svd.js';
export { type LU, cholesky, choleskySolve, logDet, luFactor, luSolve, solve } from './solve.js';
export { type LanczosOptions, type LanczosResult, lanczos } from './lanczos.js';
