  ;; ======================================================================================
  ;; Level-2 BLAS (linalg-kernels.ts, wasm-linalg.ts): f64 matrix–vector products on row-major
  ;; matrices with row stride $lda (elements). Pointers are byte addresses; no alignment is
  ;; assumed (v128 loads of a row at an odd column are unaligned, which x64 serves at full speed
  ;; within a cache line).
  ;; ======================================================================================
  ;;
  ;; A matrix–vector product reads each matrix element once for 2 flops (symv: 4), so it runs at
  ;; memory (or L2/L3) bandwidth, not at the FMA rate: the loops are built to keep the loads of
  ;; the matrix streaming. gemv: four rows at a time share one load of x_j (transposed: one load
  ;; and store of y_j) per two columns. symv: six rows, so the running t_j is loaded and stored
  ;; once per six row segments; that keeps 6 accumulators + 6 broadcast x_i + x_j, t_j and one
  ;; matrix load = 15 v128 values live, the 15 xmm registers V8 gives wasm on x64. Measured at
  ;; n = 2000 (16 MB triangle, Zen 4, loaded machine) 4, 6 and 8 rows were within noise of one
  ;; another (17–23 GB/s), all ahead of the first 4-row version that held four matrix loads live.
  ;; Multiply-adds are written f64x2.madd (mul + add, or relaxed_madd in the relaxed build).

  ;; Horizontal sum of an f64x2.
  (func $linalg_hsum (param $v v128) (result f64)
    (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))

  ;; Σ_{j<n} p[j]·x[j], two lanes.
  (func $linalg_dot (param $p i32) (param $x i32) (param $n i32) (result f64)
    (local $acc v128) (local $end i32) (local $s f64)
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $acc (f64x2.madd (v128.load (local.get $p)) (v128.load (local.get $x)) (local.get $acc)))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (br $l)))
    (local.set $s (call $linalg_hsum (local.get $acc)))
    (if (result f64) (i32.and (local.get $n) (i32.const 1))
      (then (f64.add (local.get $s) (f64.mul (f64.load (local.get $p)) (f64.load (local.get $x)))))
      (else (local.get $s))))

  ;; y[j] += c·p[j] for j < n.
  (func $linalg_axpy (param $c f64) (param $p i32) (param $y i32) (param $n i32)
    (local $cv v128) (local $end i32)
    (local.set $cv (f64x2.splat (local.get $c)))
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (v128.store (local.get $y) (f64x2.madd (v128.load (local.get $p)) (local.get $cv) (v128.load (local.get $y))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (br $l)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (local.get $y)
        (f64.add (f64.load (local.get $y)) (f64.mul (local.get $c) (f64.load (local.get $p))))))))

  ;; p[0..n) = 0.
  (func $linalg_zero (param $p i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (v128.store (local.get $p) (v128.const i64x2 0 0))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $l)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (local.get $p) (f64.const 0)))))

  ;; y[j] ← α·t[j] + β·u[j] for j < n; β = 0 writes α·t[j] without reading u (y may equal t or u).
  (func $linalg_combine (param $t i32) (param $u i32) (param $y i32) (param $n i32) (param $alpha f64) (param $beta f64)
    (local $j i32) (local $av v128) (local $bv v128) (local $zero i32)
    (local.set $av (f64x2.splat (local.get $alpha)))
    (local.set $bv (f64x2.splat (local.get $beta)))
    (local.set $zero (f64.eq (local.get $beta) (f64.const 0)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (i32.add (local.get $j) (i32.const 1)) (local.get $n)))
      (v128.store (local.get $y)
        (if (result v128) (local.get $zero)
          (then (f64x2.mul (local.get $av) (v128.load (local.get $t))))
          (else (f64x2.add (f64x2.mul (local.get $av) (v128.load (local.get $t)))
                           (f64x2.mul (local.get $bv) (v128.load (local.get $u)))))))
      (local.set $t (i32.add (local.get $t) (i32.const 16)))
      (local.set $u (i32.add (local.get $u) (i32.const 16)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (local.set $j (i32.add (local.get $j) (i32.const 2)))
      (br $l)))
    (if (i32.lt_u (local.get $j) (local.get $n))
      (then (f64.store (local.get $y)
        (if (result f64) (local.get $zero)
          (then (f64.mul (local.get $alpha) (f64.load (local.get $t))))
          (else (f64.add (f64.mul (local.get $alpha) (f64.load (local.get $t)))
                         (f64.mul (local.get $beta) (f64.load (local.get $u))))))))))

  ;; *p ← α·s + β·*u (β = 0: α·s, *u not read).
  (func $linalg_put (param $p i32) (param $u i32) (param $s f64) (param $alpha f64) (param $beta f64)
    (f64.store (local.get $p)
      (if (result f64) (f64.eq (local.get $beta) (f64.const 0))
        (then (f64.mul (local.get $alpha) (local.get $s)))
        (else (f64.add (f64.mul (local.get $alpha) (local.get $s))
                       (f64.mul (local.get $beta) (f64.load (local.get $u))))))))

  ;; y[i] ← α·Σ_j A[i,j]·x[j] + β·u[i] for i < m (A m×n, row stride lda; u: y's old values,
  ;; not read when β = 0). Each dot product sums in two lanes (even and odd j), then adds the
  ;; odd last column.
  (func (export "linalg_gemv_n_f64")
    (param $a i32) (param $lda i32) (param $x i32) (param $u i32) (param $y i32) (param $m i32) (param $n i32)
    (param $alpha f64) (param $beta f64) (local $up i32)
    (local $i i32) (local $stride i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $c i32) (local $cEnd i32) (local $xj v128)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $s0 f64) (local $s1 f64) (local $s2 f64) (local $s3 f64) (local $xl f64) (local $yp i32)
    (local.set $stride (i32.shl (local.get $lda) (i32.const 3)))
    (local.set $cEnd (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3)))
    (block $rowsDone (loop $rows
      (br_if $rowsDone (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
      (local.set $p0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $stride))))
      (local.set $p1 (i32.add (local.get $p0) (local.get $stride)))
      (local.set $p2 (i32.add (local.get $p1) (local.get $stride)))
      (local.set $p3 (i32.add (local.get $p2) (local.get $stride)))
      (local.set $acc0 (v128.const i64x2 0 0))
      (local.set $acc1 (v128.const i64x2 0 0))
      (local.set $acc2 (v128.const i64x2 0 0))
      (local.set $acc3 (v128.const i64x2 0 0))
      (local.set $c (i32.const 0))
      (block $colsDone (loop $cols
        (br_if $colsDone (i32.ge_u (local.get $c) (local.get $cEnd)))
        (local.set $xj (v128.load (i32.add (local.get $x) (local.get $c))))
        (local.set $acc0 (f64x2.madd (v128.load (i32.add (local.get $p0) (local.get $c))) (local.get $xj) (local.get $acc0)))
        (local.set $acc1 (f64x2.madd (v128.load (i32.add (local.get $p1) (local.get $c))) (local.get $xj) (local.get $acc1)))
        (local.set $acc2 (f64x2.madd (v128.load (i32.add (local.get $p2) (local.get $c))) (local.get $xj) (local.get $acc2)))
        (local.set $acc3 (f64x2.madd (v128.load (i32.add (local.get $p3) (local.get $c))) (local.get $xj) (local.get $acc3)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $cols)))
      (local.set $s0 (call $linalg_hsum (local.get $acc0)))
      (local.set $s1 (call $linalg_hsum (local.get $acc1)))
      (local.set $s2 (call $linalg_hsum (local.get $acc2)))
      (local.set $s3 (call $linalg_hsum (local.get $acc3)))
      (if (i32.and (local.get $n) (i32.const 1))
        (then
          (local.set $xl (f64.load (i32.add (local.get $x) (local.get $cEnd))))
          (local.set $s0 (f64.add (local.get $s0) (f64.mul (f64.load (i32.add (local.get $p0) (local.get $cEnd))) (local.get $xl))))
          (local.set $s1 (f64.add (local.get $s1) (f64.mul (f64.load (i32.add (local.get $p1) (local.get $cEnd))) (local.get $xl))))
          (local.set $s2 (f64.add (local.get $s2) (f64.mul (f64.load (i32.add (local.get $p2) (local.get $cEnd))) (local.get $xl))))
          (local.set $s3 (f64.add (local.get $s3) (f64.mul (f64.load (i32.add (local.get $p3) (local.get $cEnd))) (local.get $xl))))))
      (local.set $yp (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3))))
      (local.set $up (i32.add (local.get $u) (i32.shl (local.get $i) (i32.const 3))))
      (call $linalg_put (local.get $yp) (local.get $up) (local.get $s0) (local.get $alpha) (local.get $beta))
      (call $linalg_put (i32.add (local.get $yp) (i32.const 8)) (i32.add (local.get $up) (i32.const 8)) (local.get $s1) (local.get $alpha) (local.get $beta))
      (call $linalg_put (i32.add (local.get $yp) (i32.const 16)) (i32.add (local.get $up) (i32.const 16)) (local.get $s2) (local.get $alpha) (local.get $beta))
      (call $linalg_put (i32.add (local.get $yp) (i32.const 24)) (i32.add (local.get $up) (i32.const 24)) (local.get $s3) (local.get $alpha) (local.get $beta))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $rows)))
    ;; The last m mod 4 rows, one at a time.
    (block $restDone (loop $rest
      (br_if $restDone (i32.ge_u (local.get $i) (local.get $m)))
      (call $linalg_put (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3)))
        (i32.add (local.get $u) (i32.shl (local.get $i) (i32.const 3)))
        (call $linalg_dot (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $stride))) (local.get $x) (local.get $n))
        (local.get $alpha) (local.get $beta))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rest))))

  ;; y[j] ← β·u[j] + Σ_i A[i,j]·(α·x[i]) for j < n (A m×n, row stride lda; u: y's old values):
  ;; y = β·u first (β = 0: zeros, u not read), then four rows at a time add into it, two
  ;; columns per step.
  (func (export "linalg_gemv_t_f64")
    (param $a i32) (param $lda i32) (param $x i32) (param $u i32) (param $y i32) (param $m i32) (param $n i32)
    (param $alpha f64) (param $beta f64)
    (local $i i32) (local $stride i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $c i32) (local $cEnd i32) (local $yv v128)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $xp i32) (local $yl i32)
    (if (f64.eq (local.get $beta) (f64.const 0))
      (then (call $linalg_zero (local.get $y) (local.get $n)))
      (else (call $linalg_combine (local.get $u) (local.get $u) (local.get $y) (local.get $n) (local.get $beta) (f64.const 0))))
    (local.set $stride (i32.shl (local.get $lda) (i32.const 3)))
    (local.set $cEnd (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3)))
    (local.set $yl (i32.add (local.get $y) (local.get $cEnd)))
    (block $rowsDone (loop $rows
      (br_if $rowsDone (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
      (local.set $p0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $stride))))
      (local.set $p1 (i32.add (local.get $p0) (local.get $stride)))
      (local.set $p2 (i32.add (local.get $p1) (local.get $stride)))
      (local.set $p3 (i32.add (local.get $p2) (local.get $stride)))
      (local.set $xp (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3))))
      (local.set $x0 (f64x2.splat (f64.mul (local.get $alpha) (f64.load offset=0 (local.get $xp)))))
      (local.set $x1 (f64x2.splat (f64.mul (local.get $alpha) (f64.load offset=8 (local.get $xp)))))
      (local.set $x2 (f64x2.splat (f64.mul (local.get $alpha) (f64.load offset=16 (local.get $xp)))))
      (local.set $x3 (f64x2.splat (f64.mul (local.get $alpha) (f64.load offset=24 (local.get $xp)))))
      (local.set $c (i32.const 0))
      (block $colsDone (loop $cols
        (br_if $colsDone (i32.ge_u (local.get $c) (local.get $cEnd)))
        (local.set $yv (f64x2.madd (v128.load (i32.add (local.get $p0) (local.get $c))) (local.get $x0)
          (v128.load (i32.add (local.get $y) (local.get $c)))))
        (local.set $yv (f64x2.madd (v128.load (i32.add (local.get $p1) (local.get $c))) (local.get $x1) (local.get $yv)))
        (local.set $yv (f64x2.madd (v128.load (i32.add (local.get $p2) (local.get $c))) (local.get $x2) (local.get $yv)))
        (local.set $yv (f64x2.madd (v128.load (i32.add (local.get $p3) (local.get $c))) (local.get $x3) (local.get $yv)))
        (v128.store (i32.add (local.get $y) (local.get $c)) (local.get $yv))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $cols)))
      (if (i32.and (local.get $n) (i32.const 1))
        (then (f64.store (local.get $yl)
          (f64.add (f64.load (local.get $yl))
            (f64.add
              (f64.add (f64.mul (f64.load (i32.add (local.get $p0) (local.get $cEnd))) (f64x2.extract_lane 0 (local.get $x0)))
                       (f64.mul (f64.load (i32.add (local.get $p1) (local.get $cEnd))) (f64x2.extract_lane 0 (local.get $x1))))
              (f64.add (f64.mul (f64.load (i32.add (local.get $p2) (local.get $cEnd))) (f64x2.extract_lane 0 (local.get $x2)))
                       (f64.mul (f64.load (i32.add (local.get $p3) (local.get $cEnd))) (f64x2.extract_lane 0 (local.get $x3)))))))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $rows)))
    ;; The last m mod 4 rows, one at a time.
    (block $restDone (loop $rest
      (br_if $restDone (i32.ge_u (local.get $i) (local.get $m)))
      (call $linalg_axpy
        (f64.mul (local.get $alpha) (f64.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3)))))
        (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $stride))) (local.get $y) (local.get $n))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rest))))

  ;; y ← α·A·x + β·u for the symmetric n×n A held in the upper triangle (row stride lda; u: y's
  ;; old values, not read when β = 0): t = A·x is accumulated in scratch $t (n doubles) and
  ;; combined into y at the end. Rows i..i+5 at a time: their 6×6 diagonal block entry by
  ;; entry, then for each column pair j ≥ i+6 the 6 dot products s_r += a_rj·x_j (vector
  ;; accumulators) and, by symmetry, t_j += Σ_r a_rj·x_{i+r}, so each pass over a column pair
  ;; loads and stores t_j once for 6 rows. The last n mod 6 rows entry by entry.
  (func (export "linalg_symv_upper_f64")
    (param $a i32) (param $lda i32) (param $x i32) (param $u i32) (param $y i32) (param $n i32)
    (param $alpha f64) (param $beta f64) (param $t i32)
    (local $i i32) (local $stride i32) (local $p0 i32) (local $c i32) (local $cLen i32) (local $cEnd i32)
    (local $xi i32) (local $ti i32) (local $xj v128) (local $tj v128) (local $b v128)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128) (local $acc4 v128) (local $acc5 v128)
    (local $X0 v128) (local $X1 v128) (local $X2 v128) (local $X3 v128) (local $X4 v128) (local $X5 v128)
    (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $p4 i32) (local $p5 i32)
    (local $xl f64) (local $tl f64)
    (call $linalg_zero (local.get $t) (local.get $n))
    (local.set $stride (i32.shl (local.get $lda) (i32.const 3)))
    (block $rowsDone (loop $rows
      (br_if $rowsDone (i32.gt_u (i32.add (local.get $i) (i32.const 6)) (local.get $n)))
      ;; The diagonal block (rows and columns i..i+5), straight into t.
      (call $linalg_symv_rows (local.get $a) (local.get $lda) (local.get $x) (local.get $t)
        (local.get $i) (i32.add (local.get $i) (i32.const 6)) (i32.add (local.get $i) (i32.const 6)))
      ;; p_r → a[i+r, i]; xi → x[i]; ti → t[i]; columns c (bytes) counted from column i.
      (local.set $p0 (i32.add (local.get $a)
        (i32.shl (i32.add (i32.mul (local.get $i) (local.get $lda)) (local.get $i)) (i32.const 3))))
      (local.set $p1 (i32.add (local.get $p0) (local.get $stride)))
      (local.set $p2 (i32.add (local.get $p1) (local.get $stride)))
      (local.set $p3 (i32.add (local.get $p2) (local.get $stride)))
      (local.set $p4 (i32.add (local.get $p3) (local.get $stride)))
      (local.set $p5 (i32.add (local.get $p4) (local.get $stride)))
      (local.set $xi (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3))))
      (local.set $ti (i32.add (local.get $t) (i32.shl (local.get $i) (i32.const 3))))
      (local.set $X0 (v128.load64_splat offset=0 (local.get $xi)))
      (local.set $acc0 (v128.const i64x2 0 0))
      (local.set $X1 (v128.load64_splat offset=8 (local.get $xi)))
      (local.set $acc1 (v128.const i64x2 0 0))
      (local.set $X2 (v128.load64_splat offset=16 (local.get $xi)))
      (local.set $acc2 (v128.const i64x2 0 0))
      (local.set $X3 (v128.load64_splat offset=24 (local.get $xi)))
      (local.set $acc3 (v128.const i64x2 0 0))
      (local.set $X4 (v128.load64_splat offset=32 (local.get $xi)))
      (local.set $acc4 (v128.const i64x2 0 0))
      (local.set $X5 (v128.load64_splat offset=40 (local.get $xi)))
      (local.set $acc5 (v128.const i64x2 0 0))
      ;; Columns i+6 .. n−1: cLen bytes from column i, pairs up to cEnd.
      (local.set $cLen (i32.shl (i32.sub (local.get $n) (local.get $i)) (i32.const 3)))
      (local.set $cEnd (i32.add (i32.const 48)
        (i32.and (i32.sub (local.get $cLen) (i32.const 48)) (i32.const -16))))
      (local.set $c (i32.const 48))
      (block $colsDone (loop $cols
        (br_if $colsDone (i32.ge_u (local.get $c) (local.get $cEnd)))
        (local.set $xj (v128.load (i32.add (local.get $xi) (local.get $c))))
        (local.set $tj (v128.load (i32.add (local.get $ti) (local.get $c))))
        (local.set $b (v128.load (i32.add (local.get $p0) (local.get $c))))
        (local.set $acc0 (f64x2.madd (local.get $b) (local.get $xj) (local.get $acc0)))
        (local.set $tj (f64x2.madd (local.get $b) (local.get $X0) (local.get $tj)))
        (local.set $b (v128.load (i32.add (local.get $p1) (local.get $c))))
        (local.set $acc1 (f64x2.madd (local.get $b) (local.get $xj) (local.get $acc1)))
        (local.set $tj (f64x2.madd (local.get $b) (local.get $X1) (local.get $tj)))
        (local.set $b (v128.load (i32.add (local.get $p2) (local.get $c))))
        (local.set $acc2 (f64x2.madd (local.get $b) (local.get $xj) (local.get $acc2)))
        (local.set $tj (f64x2.madd (local.get $b) (local.get $X2) (local.get $tj)))
        (local.set $b (v128.load (i32.add (local.get $p3) (local.get $c))))
        (local.set $acc3 (f64x2.madd (local.get $b) (local.get $xj) (local.get $acc3)))
        (local.set $tj (f64x2.madd (local.get $b) (local.get $X3) (local.get $tj)))
        (local.set $b (v128.load (i32.add (local.get $p4) (local.get $c))))
        (local.set $acc4 (f64x2.madd (local.get $b) (local.get $xj) (local.get $acc4)))
        (local.set $tj (f64x2.madd (local.get $b) (local.get $X4) (local.get $tj)))
        (local.set $b (v128.load (i32.add (local.get $p5) (local.get $c))))
        (local.set $acc5 (f64x2.madd (local.get $b) (local.get $xj) (local.get $acc5)))
        (local.set $tj (f64x2.madd (local.get $b) (local.get $X5) (local.get $tj)))
        (v128.store (i32.add (local.get $ti) (local.get $c)) (local.get $tj))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $cols)))
      ;; An odd last column (lane 0 of each product; the zero lane 1 adds nothing).
      (if (i32.lt_u (local.get $cEnd) (local.get $cLen))
        (then
          (local.set $xj (v128.load64_zero (i32.add (local.get $xi) (local.get $cEnd))))
          (local.set $tj (v128.load64_zero (i32.add (local.get $ti) (local.get $cEnd))))
          (local.set $b (v128.load64_zero (i32.add (local.get $p0) (local.get $cEnd))))
          (local.set $acc0 (f64x2.madd (local.get $b) (local.get $xj) (local.get $acc0)))
          (local.set $tj (f64x2.madd (local.get $b) (local.get $X0) (local.get $tj)))
          (local.set $b (v128.load64_zero (i32.add (local.get $p1) (local.get $cEnd))))
          (local.set $acc1 (f64x2.madd (local.get $b) (local.get $xj) (local.get $acc1)))
          (local.set $tj (f64x2.madd (local.get $b) (local.get $X1) (local.get $tj)))
          (local.set $b (v128.load64_zero (i32.add (local.get $p2) (local.get $cEnd))))
          (local.set $acc2 (f64x2.madd (local.get $b) (local.get $xj) (local.get $acc2)))
          (local.set $tj (f64x2.madd (local.get $b) (local.get $X2) (local.get $tj)))
          (local.set $b (v128.load64_zero (i32.add (local.get $p3) (local.get $cEnd))))
          (local.set $acc3 (f64x2.madd (local.get $b) (local.get $xj) (local.get $acc3)))
          (local.set $tj (f64x2.madd (local.get $b) (local.get $X3) (local.get $tj)))
          (local.set $b (v128.load64_zero (i32.add (local.get $p4) (local.get $cEnd))))
          (local.set $acc4 (f64x2.madd (local.get $b) (local.get $xj) (local.get $acc4)))
          (local.set $tj (f64x2.madd (local.get $b) (local.get $X4) (local.get $tj)))
          (local.set $b (v128.load64_zero (i32.add (local.get $p5) (local.get $cEnd))))
          (local.set $acc5 (f64x2.madd (local.get $b) (local.get $xj) (local.get $acc5)))
          (local.set $tj (f64x2.madd (local.get $b) (local.get $X5) (local.get $tj)))
          (f64.store (i32.add (local.get $ti) (local.get $cEnd)) (f64x2.extract_lane 0 (local.get $tj)))))
      (f64.store offset=0 (local.get $ti) (f64.add (f64.load offset=0 (local.get $ti)) (call $linalg_hsum (local.get $acc0))))
      (f64.store offset=8 (local.get $ti) (f64.add (f64.load offset=8 (local.get $ti)) (call $linalg_hsum (local.get $acc1))))
      (f64.store offset=16 (local.get $ti) (f64.add (f64.load offset=16 (local.get $ti)) (call $linalg_hsum (local.get $acc2))))
      (f64.store offset=24 (local.get $ti) (f64.add (f64.load offset=24 (local.get $ti)) (call $linalg_hsum (local.get $acc3))))
      (f64.store offset=32 (local.get $ti) (f64.add (f64.load offset=32 (local.get $ti)) (call $linalg_hsum (local.get $acc4))))
      (f64.store offset=40 (local.get $ti) (f64.add (f64.load offset=40 (local.get $ti)) (call $linalg_hsum (local.get $acc5))))
      (local.set $i (i32.add (local.get $i) (i32.const 6)))
      (br $rows)))
    ;; The last n mod 6 rows.
    (call $linalg_symv_rows (local.get $a) (local.get $lda) (local.get $x) (local.get $t)
      (local.get $i) (local.get $n) (local.get $n))
    (call $linalg_combine (local.get $t) (local.get $u) (local.get $y) (local.get $n) (local.get $alpha) (local.get $beta)))

  ;; Rows r0..r1−1 of the upper triangle, columns r..c1−1 of row r, entry by entry:
  ;; t_r += a_rr·x_r + Σ_{r<j<c1} a_rj·x_j and t_j += a_rj·x_r.
  (func $linalg_symv_rows (param $a i32) (param $lda i32) (param $x i32) (param $t i32)
    (param $r0 i32) (param $r1 i32) (param $c1 i32)
    (local $r i32) (local $j i32) (local $pj i32) (local $xr f64) (local $s f64) (local $arj f64) (local $tp i32)
    (local.set $r (local.get $r0))
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $r) (local.get $r1)))
      (local.set $pj (i32.add (local.get $a)
        (i32.shl (i32.add (i32.mul (local.get $r) (local.get $lda)) (local.get $r)) (i32.const 3))))
      (local.set $xr (f64.load (i32.add (local.get $x) (i32.shl (local.get $r) (i32.const 3)))))
      (local.set $s (f64.mul (f64.load (local.get $pj)) (local.get $xr)))
      (local.set $j (i32.add (local.get $r) (i32.const 1)))
      (block $jDone (loop $cols
        (br_if $jDone (i32.ge_u (local.get $j) (local.get $c1)))
        (local.set $pj (i32.add (local.get $pj) (i32.const 8)))
        (local.set $arj (f64.load (local.get $pj)))
        (local.set $s (f64.add (local.get $s)
          (f64.mul (local.get $arj) (f64.load (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 3)))))))
        (local.set $tp (i32.add (local.get $t) (i32.shl (local.get $j) (i32.const 3))))
        (f64.store (local.get $tp) (f64.add (f64.load (local.get $tp)) (f64.mul (local.get $arj) (local.get $xr))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $cols)))
      (local.set $tp (i32.add (local.get $t) (i32.shl (local.get $r) (i32.const 3))))
      (f64.store (local.get $tp) (f64.add (f64.load (local.get $tp)) (local.get $s)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rows))))

