  ;; ======================================================================================
  ;; Row kernels (row-kernels.ts, wasm-rows.ts): [rows × n] row-major arrays.
  ;; ======================================================================================
  ;;
  ;; Bias add / product and the sums run natively in f32x4 / f64x2: addRow, mulRow and sumRows
  ;; are then bit-identical to the reference (one rounding per operation, same order); sumCols
  ;; sums in two lanes (four for f32), a different order.
  ;;
  ;; The softmax family works on f64 rows. The f32 drivers (flag $single) promote each row into
  ;; f64 scratch, run the same f64 row function, and round the outputs once on the way back, as
  ;; the reference does. Scratch: 4·n doubles (+ 16 bytes per row of padding) at $scratch.
  ;;
  ;; e^x (f64x2, inside $rows_exp_array): x = k·ln2 + r with k = round(x·log2 e), |r| ≤ ln2/2 (Cody–Waite
  ;; split ln2 = LN2HI + LN2LO, LN2HI with 32 significant bits so k·LN2HI is exact), e^r from
  ;; its Taylor series to r¹³ (truncation < 2e-17 relative; Horner steps as madd, so an FMA in
  ;; the relaxed-SIMD build), 2^k built in the exponent field.
  ;; Valid for x ≤ 700 (all its uses have x ≤ 0); x < −708.39 (subnormal results) and −∞ give 0,
  ;; NaN gives NaN.
  ;; log s (scalar, $rows_log): s = 2^e·f, f ∈ (√½, √2], log f = 2·atanh(u), u = (f−1)/(f+1),
  ;; |u| ≤ 0.172, the odd series to u²³. For normal positive s (here s ≥ 1: the row maximum
  ;; contributes e⁰); NaN and +∞ pass through.

  ;; 1: e^x to f64 accuracy; 0: to f32 accuracy (set by the drivers from their $single flag).
  (global $rows_full (mut i32) (i32.const 1))

  ;; e[j] = exp(x[j] − m) for j < n (e may equal x). The loop body is the only copy of e^x: one
  ;; f64x2 per iteration, the odd last entry as a splat.
  (func $rows_exp_array (param $x0 i32) (param $e0 i32) (param $n i32) (param $m f64)
    (local $x v128) (local $t v128) (local $k v128) (local $r v128) (local $p v128) (local $under v128)
    (local $mv v128) (local $j i32) (local $pair i32) (local $xp i32) (local $ep i32)
    (local.set $mv (f64x2.splat (local.get $m)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $xp (i32.add (local.get $x0) (i32.shl (local.get $j) (i32.const 3))))
      (local.set $ep (i32.add (local.get $e0) (i32.shl (local.get $j) (i32.const 3))))
      (local.set $pair (i32.lt_u (i32.add (local.get $j) (i32.const 1)) (local.get $n)))
      (local.set $x (f64x2.sub
        (if (result v128) (local.get $pair)
          (then (v128.load (local.get $xp)))
          (else (v128.load64_splat (local.get $xp))))
        (local.get $mv)))
      (local.set $under (f64x2.lt (local.get $x) (v128.const f64x2 -708.39 -708.39)))
      (local.set $x (f64x2.max (local.get $x) (v128.const f64x2 -708.39 -708.39)))
      ;; t = x·log2e + 1.5·2^52: its low mantissa bits hold k = round(x·log2e) (two's complement).
      (local.set $t (f64x2.add
        (f64x2.mul (local.get $x) (v128.const f64x2 1.4426950408889634 1.4426950408889634))
        (v128.const f64x2 6755399441055744.0 6755399441055744.0)))
      (local.set $k (f64x2.sub (local.get $t) (v128.const f64x2 6755399441055744.0 6755399441055744.0)))
      (local.set $r (f64x2.sub
        (f64x2.sub (local.get $x) (f64x2.mul (local.get $k) (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01)))
        (f64x2.mul (local.get $k) (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10))))
      ;; Terms r¹³..r⁹ only for full (f64) accuracy; for f32 outputs the series stops at r⁸
      ;; (truncation < 2.1e-10 relative).
      (if (global.get $rows_full)
        (then
          (local.set $p (v128.const f64x2 1.6059043836821613e-10 1.6059043836821613e-10))
          (local.set $p (f64x2.madd (local.get $p) (local.get $r) (v128.const f64x2 2.0876756987868100e-9 2.0876756987868100e-9)))
          (local.set $p (f64x2.madd (local.get $p) (local.get $r) (v128.const f64x2 2.5052108385441720e-8 2.5052108385441720e-8)))
          (local.set $p (f64x2.madd (local.get $p) (local.get $r) (v128.const f64x2 2.7557319223985888e-7 2.7557319223985888e-7)))
          (local.set $p (f64x2.madd (local.get $p) (local.get $r) (v128.const f64x2 2.7557319223985893e-6 2.7557319223985893e-6)))
          (local.set $p (f64x2.madd (local.get $p) (local.get $r) (v128.const f64x2 2.4801587301587302e-5 2.4801587301587302e-5))))
        (else (local.set $p (v128.const f64x2 2.4801587301587302e-5 2.4801587301587302e-5))))
      (local.set $p (f64x2.madd (local.get $p) (local.get $r) (v128.const f64x2 1.9841269841269841e-4 1.9841269841269841e-4)))
      (local.set $p (f64x2.madd (local.get $p) (local.get $r) (v128.const f64x2 1.3888888888888889e-3 1.3888888888888889e-3)))
      (local.set $p (f64x2.madd (local.get $p) (local.get $r) (v128.const f64x2 8.3333333333333332e-3 8.3333333333333332e-3)))
      (local.set $p (f64x2.madd (local.get $p) (local.get $r) (v128.const f64x2 4.1666666666666664e-2 4.1666666666666664e-2)))
      (local.set $p (f64x2.madd (local.get $p) (local.get $r) (v128.const f64x2 1.6666666666666666e-1 1.6666666666666666e-1)))
      (local.set $p (f64x2.madd (local.get $p) (local.get $r) (v128.const f64x2 0.5 0.5)))
      (local.set $p (f64x2.madd (local.get $p) (local.get $r) (v128.const f64x2 1.0 1.0)))
      (local.set $p (f64x2.madd (local.get $p) (local.get $r) (v128.const f64x2 1.0 1.0)))
      ;; 2^k = bits (k + 1023) << 52, read off t's low bits; 0 where x < −708.39.
      (local.set $p (v128.andnot
        (f64x2.mul (local.get $p)
          (i64x2.shl (i64x2.add (local.get $t) (v128.const i64x2 1023 1023)) (i32.const 52)))
        (local.get $under)))
      (if (local.get $pair)
        (then (v128.store (local.get $ep) (local.get $p)))
        (else (v128.store64_lane 0 (local.get $ep) (local.get $p))))
      (local.set $j (i32.add (local.get $j) (i32.const 2)))
      (br $l))))

  (func $rows_log (param $s f64) (result f64)
    (local $bits i64) (local $e f64) (local $f f64) (local $u f64) (local $u2 f64) (local $p f64)
    (if (f64.ne (local.get $s) (local.get $s)) (then (return (local.get $s))))
    (if (f64.eq (local.get $s) (f64.const inf)) (then (return (local.get $s))))
    (if (f64.le (local.get $s) (f64.const 0))
      (then (return (select (f64.const -inf) (f64.const nan) (f64.eq (local.get $s) (f64.const 0))))))
    (local.set $bits (i64.reinterpret_f64 (local.get $s)))
    (local.set $e (f64.convert_i64_s (i64.sub (i64.shr_u (local.get $bits) (i64.const 52)) (i64.const 1023))))
    (local.set $f (f64.reinterpret_i64 (i64.or
      (i64.and (local.get $bits) (i64.const 0x000FFFFFFFFFFFFF)) (i64.const 0x3FF0000000000000))))
    (if (f64.gt (local.get $f) (f64.const 1.4142135623730951))
      (then
        (local.set $f (f64.mul (local.get $f) (f64.const 0.5)))
        (local.set $e (f64.add (local.get $e) (f64.const 1)))))
    (local.set $u (f64.div (f64.sub (local.get $f) (f64.const 1)) (f64.add (local.get $f) (f64.const 1))))
    (local.set $u2 (f64.mul (local.get $u) (local.get $u)))
    (local.set $p (f64.const 0.08695652173913043))
    (local.set $p (f64.add (f64.mul (local.get $p) (local.get $u2)) (f64.const 0.09523809523809523)))
    (local.set $p (f64.add (f64.mul (local.get $p) (local.get $u2)) (f64.const 0.10526315789473684)))
    (local.set $p (f64.add (f64.mul (local.get $p) (local.get $u2)) (f64.const 0.11764705882352941)))
    (local.set $p (f64.add (f64.mul (local.get $p) (local.get $u2)) (f64.const 0.13333333333333333)))
    (local.set $p (f64.add (f64.mul (local.get $p) (local.get $u2)) (f64.const 0.15384615384615385)))
    (local.set $p (f64.add (f64.mul (local.get $p) (local.get $u2)) (f64.const 0.18181818181818182)))
    (local.set $p (f64.add (f64.mul (local.get $p) (local.get $u2)) (f64.const 0.2222222222222222)))
    (local.set $p (f64.add (f64.mul (local.get $p) (local.get $u2)) (f64.const 0.2857142857142857)))
    (local.set $p (f64.add (f64.mul (local.get $p) (local.get $u2)) (f64.const 0.4)))
    (local.set $p (f64.add (f64.mul (local.get $p) (local.get $u2)) (f64.const 0.6666666666666666)))
    (local.set $p (f64.add (f64.mul (local.get $p) (local.get $u2)) (f64.const 2)))
    (f64.add
      (f64.mul (local.get $e) (f64.const 6.93147180369123816490e-01))
      (f64.add (f64.mul (local.get $u) (local.get $p)) (f64.mul (local.get $e) (f64.const 1.90821492927058770002e-10)))))

  ;; ---- f32 ↔ f64 rows -------------------------------------------------------------------

  (func $rows_promote (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $src) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 2))))
    (block $done
      (loop $v
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (v128.store (local.get $dst) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $src))))
        (local.set $src (i32.add (local.get $src) (i32.const 8)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $v)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (local.get $dst) (f64.promote_f32 (f32.load (local.get $src)))))))

  (func $rows_demote (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 2))))
    (block $done
      (loop $v
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store64_lane 0 (local.get $dst) (f32x4.demote_f64x2_zero (v128.load (local.get $src))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
        (br $v)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f32.store (local.get $dst) (f32.demote_f64 (f64.load (local.get $src)))))))

  ;; ---- bias add / product ---------------------------------------------------------------

  ;; out[r,j] = x[r,j] (+ or ·) b[j]; $op 0 = add, 1 = mul.
  (func (export "rows_bias_f64") (param $x i32) (param $b i32) (param $out i32) (param $rows i32) (param $n i32) (param $op i32)
    (local $j i32) (local $nv i32) (local $row i32) (local $bp i32)
    (local.set $nv (i32.and (local.get $n) (i32.const -2)))
    (block $done
      (loop $r
        (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $j (i32.const 0))
        (local.set $bp (local.get $b))
        (if (local.get $op)
          (then
            (block $vd (loop $v
              (br_if $vd (i32.ge_u (local.get $j) (local.get $nv)))
              (v128.store (local.get $out) (f64x2.mul (v128.load (local.get $x)) (v128.load (local.get $bp))))
              (local.set $x (i32.add (local.get $x) (i32.const 16)))
              (local.set $out (i32.add (local.get $out) (i32.const 16)))
              (local.set $bp (i32.add (local.get $bp) (i32.const 16)))
              (local.set $j (i32.add (local.get $j) (i32.const 2)))
              (br $v)))
            (if (i32.and (local.get $n) (i32.const 1))
              (then (f64.store (local.get $out) (f64.mul (f64.load (local.get $x)) (f64.load (local.get $bp)))))))
          (else
            (block $vd (loop $v
              (br_if $vd (i32.ge_u (local.get $j) (local.get $nv)))
              (v128.store (local.get $out) (f64x2.add (v128.load (local.get $x)) (v128.load (local.get $bp))))
              (local.set $x (i32.add (local.get $x) (i32.const 16)))
              (local.set $out (i32.add (local.get $out) (i32.const 16)))
              (local.set $bp (i32.add (local.get $bp) (i32.const 16)))
              (local.set $j (i32.add (local.get $j) (i32.const 2)))
              (br $v)))
            (if (i32.and (local.get $n) (i32.const 1))
              (then (f64.store (local.get $out) (f64.add (f64.load (local.get $x)) (f64.load (local.get $bp))))))))
        (if (i32.and (local.get $n) (i32.const 1))
          (then
            (local.set $x (i32.add (local.get $x) (i32.const 8)))
            (local.set $out (i32.add (local.get $out) (i32.const 8)))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $r))))

  (func (export "rows_bias_f32") (param $x i32) (param $b i32) (param $out i32) (param $rows i32) (param $n i32) (param $op i32)
    (local $j i32) (local $nv i32) (local $row i32) (local $bp i32) (local $t i32)
    (local.set $nv (i32.and (local.get $n) (i32.const -4)))
    (block $done
      (loop $r
        (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $j (i32.const 0))
        (local.set $bp (local.get $b))
        (if (local.get $op)
          (then
            (block $vd (loop $v
              (br_if $vd (i32.ge_u (local.get $j) (local.get $nv)))
              (v128.store (local.get $out) (f32x4.mul (v128.load (local.get $x)) (v128.load (local.get $bp))))
              (local.set $x (i32.add (local.get $x) (i32.const 16)))
              (local.set $out (i32.add (local.get $out) (i32.const 16)))
              (local.set $bp (i32.add (local.get $bp) (i32.const 16)))
              (local.set $j (i32.add (local.get $j) (i32.const 4)))
              (br $v))))
          (else
            (block $vd (loop $v
              (br_if $vd (i32.ge_u (local.get $j) (local.get $nv)))
              (v128.store (local.get $out) (f32x4.add (v128.load (local.get $x)) (v128.load (local.get $bp))))
              (local.set $x (i32.add (local.get $x) (i32.const 16)))
              (local.set $out (i32.add (local.get $out) (i32.const 16)))
              (local.set $bp (i32.add (local.get $bp) (i32.const 16)))
              (local.set $j (i32.add (local.get $j) (i32.const 4)))
              (br $v)))))
        ;; Tail (0..3 entries), scalar.
        (block $td (loop $t
          (br_if $td (i32.ge_u (local.get $j) (local.get $n)))
          (f32.store (local.get $out)
            (select
              (f32.mul (f32.load (local.get $x)) (f32.load (local.get $bp)))
              (f32.add (f32.load (local.get $x)) (f32.load (local.get $bp)))
              (local.get $op)))
          (local.set $x (i32.add (local.get $x) (i32.const 4)))
          (local.set $out (i32.add (local.get $out) (i32.const 4)))
          (local.set $bp (i32.add (local.get $bp) (i32.const 4)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $t)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $r))))

  ;; ---- sums -----------------------------------------------------------------------------

  ;; out[j] = Σ_r x[r,j] (rows ≥ 1), rows added in order (bit-identical to the reference).
  (func (export "rows_sumRows_f64") (param $x i32) (param $out i32) (param $rows i32) (param $n i32)
    (local $j i32) (local $nv i32) (local $row i32) (local $o i32)
    (local.set $nv (i32.and (local.get $n) (i32.const -2)))
    (memory.copy (local.get $out) (local.get $x) (i32.shl (local.get $n) (i32.const 3)))
    (local.set $x (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $row (i32.const 1))
    (block $done
      (loop $r
        (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $o (local.get $out))
        (local.set $j (i32.const 0))
        (block $vd (loop $v
          (br_if $vd (i32.ge_u (local.get $j) (local.get $nv)))
          (v128.store (local.get $o) (f64x2.add (v128.load (local.get $o)) (v128.load (local.get $x))))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (local.set $o (i32.add (local.get $o) (i32.const 16)))
          (local.set $j (i32.add (local.get $j) (i32.const 2)))
          (br $v)))
        (if (i32.and (local.get $n) (i32.const 1))
          (then
            (f64.store (local.get $o) (f64.add (f64.load (local.get $o)) (f64.load (local.get $x))))
            (local.set $x (i32.add (local.get $x) (i32.const 8)))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $r))))

  (func (export "rows_sumRows_f32") (param $x i32) (param $out i32) (param $rows i32) (param $n i32)
    (local $j i32) (local $nv i32) (local $row i32) (local $o i32)
    (local.set $nv (i32.and (local.get $n) (i32.const -4)))
    (memory.copy (local.get $out) (local.get $x) (i32.shl (local.get $n) (i32.const 2)))
    (local.set $x (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $row (i32.const 1))
    (block $done
      (loop $r
        (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $o (local.get $out))
        (local.set $j (i32.const 0))
        (block $vd (loop $v
          (br_if $vd (i32.ge_u (local.get $j) (local.get $nv)))
          (v128.store (local.get $o) (f32x4.add (v128.load (local.get $o)) (v128.load (local.get $x))))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (local.set $o (i32.add (local.get $o) (i32.const 16)))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $v)))
        (block $td (loop $t
          (br_if $td (i32.ge_u (local.get $j) (local.get $n)))
          (f32.store (local.get $o) (f32.add (f32.load (local.get $o)) (f32.load (local.get $x))))
          (local.set $x (i32.add (local.get $x) (i32.const 4)))
          (local.set $o (i32.add (local.get $o) (i32.const 4)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $t)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $r))))

  ;; Σ_j p[j] for one f64 row (two lanes, then the odd tail).
  (func $rows_rowsum_f64 (param $p i32) (param $n i32) (result f64)
    (local $acc v128) (local $end i32) (local $s f64)
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done (loop $v
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $acc (f64x2.add (local.get $acc) (v128.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $v)))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
    (if (result f64) (i32.and (local.get $n) (i32.const 1))
      (then (f64.add (local.get $s) (f64.load (local.get $p))))
      (else (local.get $s))))

  ;; out[r] = Σ_j x[r,j].
  (func (export "rows_sumCols_f64") (param $x i32) (param $out i32) (param $rows i32) (param $n i32)
    (local $row i32)
    (block $done (loop $r
      (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
      (f64.store (local.get $out) (call $rows_rowsum_f64 (local.get $x) (local.get $n)))
      (local.set $x (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 3))))
      (local.set $out (i32.add (local.get $out) (i32.const 8)))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $r))))

  (func (export "rows_sumCols_f32") (param $x i32) (param $out i32) (param $rows i32) (param $n i32)
    (local $row i32) (local $acc v128) (local $end i32) (local $s f32) (local $rowEnd i32)
    (block $done (loop $r
      (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $rowEnd (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
      (block $vd (loop $v
        (br_if $vd (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $acc (f32x4.add (local.get $acc) (v128.load (local.get $x))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $v)))
      (local.set $s (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
        (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
      (block $td (loop $t
        (br_if $td (i32.ge_u (local.get $x) (local.get $rowEnd)))
        (local.set $s (f32.add (local.get $s) (f32.load (local.get $x))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br $t)))
      (f32.store (local.get $out) (local.get $s))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $r))))

  ;; ---- softmax family: f64 row functions ------------------------------------------------

  ;; max_j p[j] (NaN if any entry is NaN; −∞ for n = 0).
  (func $rows_max (param $p i32) (param $n i32) (result f64)
    (local $m v128) (local $end i32) (local $s f64)
    (local.set $m (v128.const f64x2 -inf -inf))
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done (loop $v
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $m (f64x2.max (local.get $m) (v128.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $v)))
    (local.set $s (f64.max (f64x2.extract_lane 0 (local.get $m)) (f64x2.extract_lane 1 (local.get $m))))
    (if (result f64) (i32.and (local.get $n) (i32.const 1))
      (then (f64.max (local.get $s) (f64.load (local.get $p))))
      (else (local.get $s))))

  ;; e[j] = exp(x[j] − m); returns Σ_j e[j]. e may equal x.
  (func $rows_expsum (param $x i32) (param $e i32) (param $n i32) (param $m f64) (result f64)
    (call $rows_exp_array (local.get $x) (local.get $e) (local.get $n) (local.get $m))
    (call $rows_rowsum_f64 (local.get $e) (local.get $n)))

  ;; y = softmax(x) = e · (1/Σe) (y may equal x).
  (func $rows_softmax_row (param $x i32) (param $y i32) (param $n i32)
    (local $s f64) (local $sv v128) (local $end i32)
    (local.set $s (call $rows_expsum (local.get $x) (local.get $y) (local.get $n)
      (call $rows_max (local.get $x) (local.get $n))))
    (local.set $s (f64.div (f64.const 1) (local.get $s)))
    (local.set $sv (f64x2.splat (local.get $s)))
    (local.set $end (i32.add (local.get $y) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
      (v128.store (local.get $y) (f64x2.mul (v128.load (local.get $y)) (local.get $sv)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (br $l)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (local.get $y) (f64.mul (f64.load (local.get $y)) (local.get $s))))))

  ;; y = (x − m) − log Σ e^{x − m}; $tmp: n doubles of scratch (y may equal x).
  (func $rows_logsoftmax_row (param $x i32) (param $y i32) (param $n i32) (param $tmp i32)
    (local $m f64) (local $l f64) (local $mv v128) (local $lv v128) (local $end i32)
    (local.set $m (call $rows_max (local.get $x) (local.get $n)))
    (local.set $l (call $rows_log (call $rows_expsum (local.get $x) (local.get $tmp) (local.get $n) (local.get $m))))
    (local.set $mv (f64x2.splat (local.get $m)))
    (local.set $lv (f64x2.splat (local.get $l)))
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $done (loop $v
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (v128.store (local.get $y) (f64x2.sub (f64x2.sub (v128.load (local.get $x)) (local.get $mv)) (local.get $lv)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (br $v)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (local.get $y) (f64.sub (f64.sub (f64.load (local.get $x)) (local.get $m)) (local.get $l))))))

  ;; log Σ_j e^{x[j]} (the maximum itself when it is ±∞).
  (func $rows_lse_row (param $x i32) (param $n i32) (param $tmp i32) (result f64)
    (local $m f64)
    (local.set $m (call $rows_max (local.get $x) (local.get $n)))
    (if (f64.eq (f64.abs (local.get $m)) (f64.const inf)) (then (return (local.get $m))))
    (f64.add (local.get $m)
      (call $rows_log (call $rows_expsum (local.get $x) (local.get $tmp) (local.get $n) (local.get $m)))))

  ;; out = y ⊙ (g − Σ_j g_j y_j).
  (func $rows_softmaxback_row (param $g i32) (param $y i32) (param $out i32) (param $n i32)
    (local $acc v128) (local $sv v128) (local $s f64) (local $j i32) (local $nv i32) (local $o i32)
    (local.set $nv (i32.and (local.get $n) (i32.const -2)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $j) (local.get $nv)))
      (local.set $o (i32.shl (local.get $j) (i32.const 3)))
      (local.set $acc (f64x2.add (local.get $acc)
        (f64x2.mul (v128.load (i32.add (local.get $g) (local.get $o))) (v128.load (i32.add (local.get $y) (local.get $o))))))
      (local.set $j (i32.add (local.get $j) (i32.const 2)))
      (br $l)))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
    (local.set $o (i32.shl (local.get $nv) (i32.const 3)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (local.set $s (f64.add (local.get $s)
        (f64.mul (f64.load (i32.add (local.get $g) (local.get $o))) (f64.load (i32.add (local.get $y) (local.get $o))))))))
    (local.set $sv (f64x2.splat (local.get $s)))
    (local.set $j (i32.const 0))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $j) (local.get $nv)))
      (local.set $o (i32.shl (local.get $j) (i32.const 3)))
      (v128.store (i32.add (local.get $out) (local.get $o))
        (f64x2.mul (v128.load (i32.add (local.get $y) (local.get $o)))
          (f64x2.sub (v128.load (i32.add (local.get $g) (local.get $o))) (local.get $sv))))
      (local.set $j (i32.add (local.get $j) (i32.const 2)))
      (br $l)))
    (local.set $o (i32.shl (local.get $nv) (i32.const 3)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (i32.add (local.get $out) (local.get $o))
        (f64.mul (f64.load (i32.add (local.get $y) (local.get $o)))
          (f64.sub (f64.load (i32.add (local.get $g) (local.get $o))) (local.get $s)))))))

  ;; out = g − e^y · Σ_j g_j; $tmp: n doubles of scratch.
  (func $rows_logsoftmaxback_row (param $g i32) (param $y i32) (param $out i32) (param $n i32) (param $tmp i32)
    (local $sv v128) (local $s f64) (local $j i32) (local $nv i32) (local $o i32)
    (local.set $nv (i32.and (local.get $n) (i32.const -2)))
    (local.set $s (call $rows_rowsum_f64 (local.get $g) (local.get $n)))
    (local.set $sv (f64x2.splat (local.get $s)))
    (call $rows_exp_array (local.get $y) (local.get $tmp) (local.get $n) (f64.const 0))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $j) (local.get $nv)))
      (local.set $o (i32.shl (local.get $j) (i32.const 3)))
      (v128.store (i32.add (local.get $out) (local.get $o))
        (f64x2.sub (v128.load (i32.add (local.get $g) (local.get $o)))
          (f64x2.mul (v128.load (i32.add (local.get $tmp) (local.get $o))) (local.get $sv))))
      (local.set $j (i32.add (local.get $j) (i32.const 2)))
      (br $l)))
    (local.set $o (i32.shl (local.get $nv) (i32.const 3)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (i32.add (local.get $out) (local.get $o))
        (f64.sub (f64.load (i32.add (local.get $g) (local.get $o)))
          (f64.mul (f64.load (i32.add (local.get $tmp) (local.get $o))) (local.get $s)))))))

  ;; Cross-entropy of one row of logits z against target row t (dense) or class $id ($t = 0):
  ;; grad = c·(e·(1/Σe) − t); returns lse(z) − ⟨t, z⟩. grad may not alias z or t.
  (func $rows_ce_row (param $z i32) (param $t i32) (param $id i32) (param $grad i32) (param $n i32) (param $c f64) (result f64)
    (local $m f64) (local $s f64) (local $tz f64) (local $k f64) (local $kv v128) (local $cv v128)
    (local $acc v128) (local $j i32) (local $nv i32) (local $o i32) (local $lse f64) (local $e f64)
    (local.set $nv (i32.and (local.get $n) (i32.const -2)))
    (local.set $m (call $rows_max (local.get $z) (local.get $n)))
    (local.set $s (call $rows_expsum (local.get $z) (local.get $grad) (local.get $n) (local.get $m)))
    (local.set $lse (f64.add (local.get $m) (call $rows_log (local.get $s))))
    (local.set $cv (f64x2.splat (local.get $c)))
    (local.set $k (f64.div (f64.const 1) (local.get $s)))
    (local.set $kv (f64x2.splat (local.get $k)))
    (if (local.get $t)
      (then
        ;; ⟨t, z⟩ and grad = c·(e/s − t).
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get $j) (local.get $nv)))
          (local.set $o (i32.shl (local.get $j) (i32.const 3)))
          (local.set $acc (f64x2.add (local.get $acc)
            (f64x2.mul (v128.load (i32.add (local.get $t) (local.get $o))) (v128.load (i32.add (local.get $z) (local.get $o))))))
          (v128.store (i32.add (local.get $grad) (local.get $o))
            (f64x2.mul (local.get $cv)
              (f64x2.sub (f64x2.mul (v128.load (i32.add (local.get $grad) (local.get $o))) (local.get $kv))
                (v128.load (i32.add (local.get $t) (local.get $o))))))
          (local.set $j (i32.add (local.get $j) (i32.const 2)))
          (br $l)))
        (local.set $tz (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
        (local.set $o (i32.shl (local.get $nv) (i32.const 3)))
        (if (i32.and (local.get $n) (i32.const 1))
          (then
            (local.set $tz (f64.add (local.get $tz)
              (f64.mul (f64.load (i32.add (local.get $t) (local.get $o))) (f64.load (i32.add (local.get $z) (local.get $o))))))
            (f64.store (i32.add (local.get $grad) (local.get $o))
              (f64.mul (local.get $c)
                (f64.sub (f64.mul (f64.load (i32.add (local.get $grad) (local.get $o))) (local.get $k))
                  (f64.load (i32.add (local.get $t) (local.get $o)))))))))
      (else
        ;; One-hot target: ⟨t, z⟩ = z[id]; grad = c·e/s, then c·(e/s − 1) at id.
        (local.set $o (i32.shl (local.get $id) (i32.const 3)))
        (local.set $tz (f64.load (i32.add (local.get $z) (local.get $o))))
        (local.set $e (f64.load (i32.add (local.get $grad) (local.get $o))))
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get $j) (local.get $nv)))
          (local.set $o (i32.add (local.get $grad) (i32.shl (local.get $j) (i32.const 3))))
          (v128.store (local.get $o)
            (f64x2.mul (local.get $cv) (f64x2.mul (v128.load (local.get $o)) (local.get $kv))))
          (local.set $j (i32.add (local.get $j) (i32.const 2)))
          (br $l)))
        (if (i32.and (local.get $n) (i32.const 1))
          (then
            (local.set $o (i32.add (local.get $grad) (i32.shl (local.get $nv) (i32.const 3))))
            (f64.store (local.get $o) (f64.mul (local.get $c) (f64.mul (f64.load (local.get $o)) (local.get $k))))))
        (f64.store (i32.add (local.get $grad) (i32.shl (local.get $id) (i32.const 3)))
          (f64.mul (local.get $c) (f64.sub (f64.mul (local.get $e) (local.get $k)) (f64.const 1))))))
    (f64.sub (local.get $lse) (local.get $tz)))

  ;; ---- softmax family: drivers over rows (f64, or f32 through f64 scratch) --------------

  ;; $kind: 0 softmax, 1 log-softmax (out [rows, n]); 2 log-sum-exp (out [rows]).
  (func (export "rows_softmax") (param $x i32) (param $out i32) (param $rows i32) (param $n i32)
    (param $kind i32) (param $single i32) (param $scratch i32)
    (local $row i32) (local $xp i32) (local $yp i32) (local $a i32) (local $b i32) (local $tmp i32)
    (local $w i32) (local $v f64)
    (global.set $rows_full (i32.eqz (local.get $single)))
    (local.set $w (i32.shl (local.get $n) (select (i32.const 2) (i32.const 3) (local.get $single))))
    (local.set $a (local.get $scratch))
    (local.set $b (i32.add (local.get $a) (i32.add (i32.shl (local.get $n) (i32.const 3)) (i32.const 16))))
    (local.set $tmp (i32.add (local.get $b) (i32.add (i32.shl (local.get $n) (i32.const 3)) (i32.const 16))))
    (block $done (loop $r
      (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
      (if (local.get $single)
        (then
          (call $rows_promote (local.get $x) (local.get $a) (local.get $n))
          (local.set $xp (local.get $a))
          (local.set $yp (local.get $b)))
        (else
          (local.set $xp (local.get $x))
          (local.set $yp (local.get $out))))
      (if (i32.eq (local.get $kind) (i32.const 2))
        (then
          (local.set $v (call $rows_lse_row (local.get $xp) (local.get $n) (local.get $tmp)))
          (if (local.get $single)
            (then
              (f32.store (local.get $out) (f32.demote_f64 (local.get $v)))
              (local.set $out (i32.add (local.get $out) (i32.const 4))))
            (else
              (f64.store (local.get $out) (local.get $v))
              (local.set $out (i32.add (local.get $out) (i32.const 8))))))
        (else
          (if (local.get $kind)
            (then (call $rows_logsoftmax_row (local.get $xp) (local.get $yp) (local.get $n) (local.get $tmp)))
            (else (call $rows_softmax_row (local.get $xp) (local.get $yp) (local.get $n))))
          (if (local.get $single) (then (call $rows_demote (local.get $b) (local.get $out) (local.get $n))))
          (local.set $out (i32.add (local.get $out) (local.get $w)))))
      (local.set $x (i32.add (local.get $x) (local.get $w)))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $r))))

  ;; $kind: 0 softmax backward (y = softmax), 1 log-softmax backward (y = log-softmax).
  (func (export "rows_softmaxBackward") (param $g i32) (param $y i32) (param $out i32) (param $rows i32) (param $n i32)
    (param $kind i32) (param $single i32) (param $scratch i32)
    (local $row i32) (local $gp i32) (local $yp i32) (local $op i32) (local $a i32) (local $b i32) (local $c i32) (local $w i32)
    (local $tmp i32)
    (global.set $rows_full (i32.eqz (local.get $single)))
    (local.set $w (i32.shl (local.get $n) (select (i32.const 2) (i32.const 3) (local.get $single))))
    (local.set $a (local.get $scratch))
    (local.set $b (i32.add (local.get $a) (i32.add (i32.shl (local.get $n) (i32.const 3)) (i32.const 16))))
    (local.set $c (i32.add (local.get $b) (i32.add (i32.shl (local.get $n) (i32.const 3)) (i32.const 16))))
    (local.set $tmp (i32.add (local.get $c) (i32.add (i32.shl (local.get $n) (i32.const 3)) (i32.const 16))))
    (block $done (loop $r
      (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
      (if (local.get $single)
        (then
          (call $rows_promote (local.get $g) (local.get $a) (local.get $n))
          (call $rows_promote (local.get $y) (local.get $b) (local.get $n))
          (local.set $gp (local.get $a))
          (local.set $yp (local.get $b))
          (local.set $op (local.get $c)))
        (else
          (local.set $gp (local.get $g))
          (local.set $yp (local.get $y))
          (local.set $op (local.get $out))))
      (if (local.get $kind)
        (then (call $rows_logsoftmaxback_row (local.get $gp) (local.get $yp) (local.get $op) (local.get $n) (local.get $tmp)))
        (else (call $rows_softmaxback_row (local.get $gp) (local.get $yp) (local.get $op) (local.get $n))))
      (if (local.get $single) (then (call $rows_demote (local.get $c) (local.get $out) (local.get $n))))
      (local.set $g (i32.add (local.get $g) (local.get $w)))
      (local.set $y (i32.add (local.get $y) (local.get $w)))
      (local.set $out (i32.add (local.get $out) (local.get $w)))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $r))))

  ;; Cross-entropy rows: targets $t [rows, n] (dense, $ids = 0) or class ids $ids [rows] (stored as
  ;; floats of the operands' type, $t = 0). loss [rows], grad [rows, n] = c·(softmax − t).
  (func (export "rows_crossEntropy") (param $z i32) (param $t i32) (param $ids i32) (param $loss i32) (param $grad i32)
    (param $rows i32) (param $n i32) (param $c f64) (param $single i32) (param $scratch i32)
    (local $row i32) (local $zp i32) (local $tp i32) (local $gp i32) (local $a i32) (local $b i32) (local $cc i32)
    (local $w i32) (local $id i32) (local $v f64)
    (global.set $rows_full (i32.eqz (local.get $single)))
    (local.set $w (i32.shl (local.get $n) (select (i32.const 2) (i32.const 3) (local.get $single))))
    (local.set $a (local.get $scratch))
    (local.set $b (i32.add (local.get $a) (i32.add (i32.shl (local.get $n) (i32.const 3)) (i32.const 16))))
    (local.set $cc (i32.add (local.get $b) (i32.add (i32.shl (local.get $n) (i32.const 3)) (i32.const 16))))
    (block $done (loop $r
      (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
      (local.set $tp (i32.const 0))
      (if (local.get $single)
        (then
          (call $rows_promote (local.get $z) (local.get $a) (local.get $n))
          (local.set $zp (local.get $a))
          (local.set $gp (local.get $cc))
          (if (local.get $t)
            (then
              (call $rows_promote (local.get $t) (local.get $b) (local.get $n))
              (local.set $tp (local.get $b))))
          (if (local.get $ids)
            (then (local.set $id (i32.trunc_sat_f32_s (f32.load (local.get $ids)))))))
        (else
          (local.set $zp (local.get $z))
          (local.set $gp (local.get $grad))
          (local.set $tp (local.get $t))
          (if (local.get $ids)
            (then (local.set $id (i32.trunc_sat_f64_s (f64.load (local.get $ids))))))))
      (local.set $v (call $rows_ce_row (local.get $zp) (local.get $tp) (local.get $id) (local.get $gp) (local.get $n) (local.get $c)))
      (if (local.get $single)
        (then
          (call $rows_demote (local.get $cc) (local.get $grad) (local.get $n))
          (f32.store (local.get $loss) (f32.demote_f64 (local.get $v)))
          (local.set $loss (i32.add (local.get $loss) (i32.const 4)))
          (if (local.get $ids) (then (local.set $ids (i32.add (local.get $ids) (i32.const 4))))))
        (else
          (f64.store (local.get $loss) (local.get $v))
          (local.set $loss (i32.add (local.get $loss) (i32.const 8)))
          (if (local.get $ids) (then (local.set $ids (i32.add (local.get $ids) (i32.const 8)))))))
      (local.set $z (i32.add (local.get $z) (local.get $w)))
      (if (local.get $t) (then (local.set $t (i32.add (local.get $t) (local.get $w)))))
      (local.set $grad (i32.add (local.get $grad) (local.get $w)))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $r))))
