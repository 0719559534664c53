/**
 * Row-major wrappers over three LAPACK drivers (Anderson et al., LAPACK Users' Guide, 3rd ed.,
 * 1999), called through their Fortran entry points with every argument by reference:
 *
 * - dsyevd: symmetric A = V·diag(λ)·Vᵀ by Householder tridiagonalization and Cuppen's
 *   divide and conquer (Gu & Eisenstat 1995); λ ascending.
 * - dgesdd: thin SVD A = U·diag(σ)·Vᵀ by bidiagonalization and divide and conquer; σ descending.
 * - dpotrf: Cholesky A = L·Lᵀ (blocked, right-looking).
 *
 * Layout. A row-major m×n buffer read as column-major is the n×m matrix Aᵀ, so:
 * - eigh: the upper triangle of a row-major symmetric A is the lower triangle of the
 *   column-major view (uplo = 'L'); the eigenvectors come back as columns of the column-major
 *   buffer, i.e. as rows of the row-major one, and are transposed once.
 * - svd: the routine factors Aᵀ = U'·Σ·V'ᵀ, hence A = V'·Σ·U'ᵀ: the column-major V'ᵀ (r×m)
 *   *is* the row-major U (m×r) as stored, and V = U' needs one transpose.
 * - cholesky: the lower triangle of row-major A is the upper triangle of the column-major view;
 *   dpotrf('U') leaves U with Aᵀ = UᵀU there, which read row-major is L = Uᵀ.
 *
 * Character arguments get their hidden Fortran length arguments (size_t, = 1) passed
 * explicitly, as gfortran's ABI expects. Integers are LP64 (32-bit), as in Debian's libopenblas0.
 * Nothing here loads a library: the caller hands in the three routines (see backend/native.ts).
 */

type I32 = Int32Array;

/** The Fortran routines, as bound by an FFI (pointers are typed arrays, strings are "V", "L"…). */
export interface LapackRoutines {
  dsyevd(
    jobz: string, uplo: string, n: I32, a: Float64Array, lda: I32, w: Float64Array,
    work: Float64Array, lwork: I32, iwork: I32, liwork: I32, info: I32, lenJobz: number, lenUplo: number,
  ): void;
  dgesdd(
    jobz: string, m: I32, n: I32, a: Float64Array, lda: I32, s: Float64Array,
    u: Float64Array, ldu: I32, vt: Float64Array, ldvt: I32,
    work: Float64Array, lwork: I32, iwork: I32, info: I32, lenJobz: number,
  ): void;
  dpotrf(uplo: string, n: I32, a: Float64Array, lda: I32, info: I32, lenUplo: number): void;
}

/** The row-major kernels built on them; these are the optional `Backend` fields eigh/svd/cholesky. */
export interface LapackKernels {
  /**
   * Eigendecomposition of the symmetric n×n row-major `a` (only its upper triangle is read;
   * `a` is destroyed). Writes the ascending eigenvalues to `values` and, when `vectors` is
   * given, the unit eigenvectors as its columns (row-major n×n).
   */
  eigh(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array | null): void;
  /**
   * Thin SVD of the row-major m×n `a` (destroyed), r = min(m, n): `S` gets the r singular
   * values descending; with vectors, `U` (m×r) and `V` (n×r) get orthonormal columns.
   * Returns false when LAPACK reports no convergence (the caller then takes another route).
   */
  svd(a: Float64Array, m: number, n: number, S: Float64Array, U: Float64Array | null, V: Float64Array | null): boolean;
  /**
   * Cholesky factor of the symmetric positive definite n×n row-major `a` (only its lower
   * triangle is read): `L` gets the lower-triangular factor, zeros above the diagonal.
   * Returns 0, or the 1-based order of the leading minor that is not positive definite.
   */
  cholesky(a: Float64Array, n: number, L: Float64Array): number;
}

const one = (x: number): I32 => Int32Array.of(x);

function lapackError(routine: string, info: number): Error {
  return new Error(`${routine}: argument ${-info} had an illegal value (LAPACK info = ${info})`);
}

/** Column-major rows×cols `src` (leading dimension `ld`) into row-major `dst`. */
function fromColumnMajor(src: Float64Array, ld: number, rows: number, cols: number, dst: Float64Array): void {
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) dst[o + j] = src[i + j * ld];
  }
}

/** Workspace size from a query call (work[0] holds it as a double). */
const workSize = (w: number, min: number) => Math.max(min, Math.ceil(w));

export function lapackKernels(f: LapackRoutines): LapackKernels {
  return {
    eigh(a, n, values, vectors) {
      if (n === 0) return;
      const jobz = vectors ? 'V' : 'N';
      const N = one(n), lda = one(n), info = one(0);
      const qwork = new Float64Array(1), qiwork = new Int32Array(1);
      f.dsyevd(jobz, 'L', N, a, lda, values, qwork, one(-1), qiwork, one(-1), info, 1, 1);
      if (info[0] !== 0) throw lapackError('dsyevd', info[0]);
      const lwork = workSize(qwork[0], vectors ? 1 + 6 * n + 2 * n * n : 2 * n + 1);
      const liwork = Math.max(qiwork[0], vectors ? 3 + 5 * n : 1);
      const work = new Float64Array(lwork), iwork = new Int32Array(liwork);
      f.dsyevd(jobz, 'L', N, a, lda, values, work, one(lwork), iwork, one(liwork), info, 1, 1);
      if (info[0] < 0) throw lapackError('dsyevd', info[0]);
      if (info[0] > 0) throw new Error(`dsyevd: failed to converge (LAPACK info = ${info[0]})`);
      if (vectors) fromColumnMajor(a, n, n, n, vectors);
    },

    svd(a, m, n, S, U, V) {
      const r = Math.min(m, n);
      if (r === 0) return true;
      const want = U !== null && V !== null;
      // Column-major view: Aᵀ is n×m with leading dimension n.
      const cm = n, cn = m;
      const jobz = want ? 'S' : 'N';
      const u = want ? new Float64Array(cm * r) : new Float64Array(1);
      const ldu = want ? cm : 1;
      const ldvt = want ? r : 1;
      const vt = want ? U : new Float64Array(1);
      const iwork = new Int32Array(8 * r);
      const M = one(cm), N = one(cn), lda = one(cm), info = one(0);
      const qwork = new Float64Array(1);
      f.dgesdd(jobz, M, N, a, lda, S, u, one(ldu), vt, one(ldvt), qwork, one(-1), iwork, info, 1);
      if (info[0] !== 0) throw lapackError('dgesdd', info[0]);
      const lwork = workSize(qwork[0], 3 * r + Math.max(Math.max(m, n), want ? 5 * r * r + 4 * r : 7 * r));
      const work = new Float64Array(lwork);
      f.dgesdd(jobz, M, N, a, lda, S, u, one(ldu), vt, one(ldvt), work, one(lwork), iwork, info, 1);
      if (info[0] < 0) throw lapackError('dgesdd', info[0]);
      if (info[0] > 0) return false;
      // U (m×r, row-major) was written in place as V'ᵀ; V (n×r) = U' from column-major.
      if (want) fromColumnMajor(u, cm, cm, r, V);
      return true;
    },

    cholesky(a, n, L) {
      if (n === 0) return 0;
      L.set(a.subarray(0, n * n));
      const info = one(0);
      f.dpotrf('U', one(n), L, one(n), info, 1);
      if (info[0] < 0) throw lapackError('dpotrf', info[0]);
      if (info[0] > 0) return info[0];
      for (let i = 0; i < n; i++) L.fill(0, i * n + i + 1, (i + 1) * n);
      return 0;
    },
  };
}
