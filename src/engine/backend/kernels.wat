;; WebAssembly SIMD128 kernels for the `wasm` backend (see wasm.ts, which owns the memory layout).
;;
;; Assembled by scripts/build-wasm.mjs (wabt) into wasm-bytes.generated.ts, twice:
;;   simd128       baseline SIMD128: runs on Node 20 and every current browser without flags;
;;   relaxed-simd  the same module with the micro-kernels' multiply-adds as relaxed_madd (one
;;                 FMA on x64 with FMA3); wasm.ts loads it where WebAssembly.validate accepts it.
;; The source writes each multiply-add of a micro-kernel as the placeholder instruction
;; f32x4.madd / f64x2.madd (folded, operands a b c, value a·b + c), which the build script
;; expands to mul + add or to relaxed_madd. Nothing else differs between the two binaries.
;;
;; Conventions
;;   * All pointers are byte addresses into the exported memory; strides are in elements.
;;   * Matrices are dense row-major. The gemm kernels read op(A)[i,p] = A[i*rsa + p*csa] and
;;     op(B)[p,j] = B[p*rsb + j*csb], so every transpose combination goes through the same code:
;;     the operands are first packed (a transposed copy when needed) into contiguous panels, and
;;     one register-blocked micro-kernel does all the arithmetic.
;;   * GEMM blocking (Goto/BLIS style):
;;       for jc in n step NC          B block  kc×nc  -> packed NR-column panels (k-major)
;;         for pc in k step KC
;;           pack B[pc:pc+kc, jc:jc+nc]
;;           for ic in m step MC      A block  mc×kc  -> packed MR-row panels (k-major)
;;             pack A[ic:ic+mc, pc:pc+kc]
;;             for jr in nc step NR
;;               for ir in mc step MR
;;                 micro-kernel: C[MR×NR] (+)= Apanel · Bpanel over kc
;;     Panels are zero-padded to full MR/NR, so the micro-kernel always computes a full tile;
;;     edge tiles are written to a scratch tile and only their valid part is copied into C.
;;   * f32: MR×NR = 4×8 (eight f32x4 accumulators); f64: 4×4 (eight f64x2 accumulators).
;;     V8 (11.3, x64) gives wasm SIMD 15 allocatable xmm registers, and TurboFan schedules all
;;     loads of the k-loop body (two B vectors, MR broadcast A values) ahead of the arithmetic,
;;     so a tile needs 2·MR accumulators + 2 + MR registers (+1 product for mul + add): 14-15
;;     for MR = 4. MR = 6 (12 accumulators, which FMA's latency would like) needs 20 and spills
;;     four accumulators per iteration: measured at half the speed of 4×8, with relaxed_madd too.
;;     With mul + add the 4×8 loop is issue-bound (~28 µops per 64 flops on Zen 4); relaxed_madd
;;     cuts it to ~20, so the FMA pipes become the limit. The k-loop is deliberately not
;;     unrolled, for the same reason: an unrolled body's hoisted loads spill.
;;   * MC/KC/NC arrive as parameters (wasm.ts picks them); MC must be a multiple of MR and NC
;;     a multiple of NR.

(module
  (memory (export "memory") 1)

  ;; ======================================================================================
  ;; f32 GEMM
  ;; ======================================================================================

  ;; C[4×8] (+)= Σ_p Apanel[p][0..3] ⊗ Bpanel[p][0..7], p < kc (kc ≥ 1).
  ;; $ldc: byte stride between rows of C. $acc: 0 = overwrite C, otherwise add into C.
  (func $ukr_f32 (param $pa i32) (param $pb i32) (param $kc i32) (param $c i32) (param $ldc i32) (param $acc i32)
    (local $end i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $a v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $end (i32.add (local.get $pa) (i32.shl (local.get $kc) (i32.const 4))))
    (loop $k
      (local.set $b0 (v128.load (local.get $pb)))
      (local.set $b1 (v128.load offset=16 (local.get $pb)))
      (local.set $a (v128.load32_splat (local.get $pa)))
      (local.set $c00 (f32x4.madd (local.get $a) (local.get $b0) (local.get $c00)))
      (local.set $c01 (f32x4.madd (local.get $a) (local.get $b1) (local.get $c01)))
      (local.set $a (v128.load32_splat offset=4 (local.get $pa)))
      (local.set $c10 (f32x4.madd (local.get $a) (local.get $b0) (local.get $c10)))
      (local.set $c11 (f32x4.madd (local.get $a) (local.get $b1) (local.get $c11)))
      (local.set $a (v128.load32_splat offset=8 (local.get $pa)))
      (local.set $c20 (f32x4.madd (local.get $a) (local.get $b0) (local.get $c20)))
      (local.set $c21 (f32x4.madd (local.get $a) (local.get $b1) (local.get $c21)))
      (local.set $a (v128.load32_splat offset=12 (local.get $pa)))
      (local.set $c30 (f32x4.madd (local.get $a) (local.get $b0) (local.get $c30)))
      (local.set $c31 (f32x4.madd (local.get $a) (local.get $b1) (local.get $c31)))
      (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
      (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
      (br_if $k (i32.lt_u (local.get $pa) (local.get $end))))
    (local.set $r1 (i32.add (local.get $c) (local.get $ldc)))
    (local.set $r2 (i32.add (local.get $r1) (local.get $ldc)))
    (local.set $r3 (i32.add (local.get $r2) (local.get $ldc)))
    (if (local.get $acc)
      (then
        (local.set $c00 (f32x4.add (local.get $c00) (v128.load (local.get $c))))
        (local.set $c01 (f32x4.add (local.get $c01) (v128.load offset=16 (local.get $c))))
        (local.set $c10 (f32x4.add (local.get $c10) (v128.load (local.get $r1))))
        (local.set $c11 (f32x4.add (local.get $c11) (v128.load offset=16 (local.get $r1))))
        (local.set $c20 (f32x4.add (local.get $c20) (v128.load (local.get $r2))))
        (local.set $c21 (f32x4.add (local.get $c21) (v128.load offset=16 (local.get $r2))))
        (local.set $c30 (f32x4.add (local.get $c30) (v128.load (local.get $r3))))
        (local.set $c31 (f32x4.add (local.get $c31) (v128.load offset=16 (local.get $r3))))))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (v128.store (local.get $r1) (local.get $c10))
    (v128.store offset=16 (local.get $r1) (local.get $c11))
    (v128.store (local.get $r2) (local.get $c20))
    (v128.store offset=16 (local.get $r2) (local.get $c21))
    (v128.store (local.get $r3) (local.get $c30))
    (v128.store offset=16 (local.get $r3) (local.get $c31)))

  ;; Pack an mc×kc block of op(A) (top-left element at byte address $a, element strides
  ;; $rs between rows and $cs between columns) into ⌈mc/4⌉ panels of 4 rows. Panel layout:
  ;; for each p, the 4 row values op(A)[4r..4r+3, p]; rows past mc are zero.
  (func $packA_f32 (param $dst i32) (param $a i32) (param $rs i32) (param $cs i32) (param $mc i32) (param $kc i32)
    (local $src i32) (local $p i32) (local $i i32) (local $rs2 i32) (local $rs3 i32)
    (local.set $rs (i32.shl (local.get $rs) (i32.const 2)))
    (local.set $cs (i32.shl (local.get $cs) (i32.const 2)))
    (local.set $rs2 (i32.shl (local.get $rs) (i32.const 1)))
    (local.set $rs3 (i32.add (local.get $rs2) (local.get $rs)))
    (block $done
      (loop $panel
        (br_if $done (i32.le_s (local.get $mc) (i32.const 0)))
        (local.set $src (local.get $a))
        (local.set $p (local.get $kc))
        (if (i32.ge_s (local.get $mc) (i32.const 4))
          (then
            (if (i32.eq (local.get $rs) (i32.const 4))
              (then
                ;; op(A) columns are contiguous (A stored transposed): straight vector copy.
                (loop $k
                  (v128.store (local.get $dst) (v128.load (local.get $src)))
                  (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
                  (local.set $src (i32.add (local.get $src) (local.get $cs)))
                  (br_if $k (local.tee $p (i32.sub (local.get $p) (i32.const 1))))))
              (else
                (loop $k
                  (f32.store (local.get $dst) (f32.load (local.get $src)))
                  (f32.store offset=4 (local.get $dst) (f32.load (i32.add (local.get $src) (local.get $rs))))
                  (f32.store offset=8 (local.get $dst) (f32.load (i32.add (local.get $src) (local.get $rs2))))
                  (f32.store offset=12 (local.get $dst) (f32.load (i32.add (local.get $src) (local.get $rs3))))
                  (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
                  (local.set $src (i32.add (local.get $src) (local.get $cs)))
                  (br_if $k (local.tee $p (i32.sub (local.get $p) (i32.const 1))))))))
          (else
            ;; Partial panel (1..3 rows): zero the slot, then fill the valid rows.
            (loop $k
              (v128.store (local.get $dst) (v128.const i32x4 0 0 0 0))
              (local.set $i (i32.const 0))
              (loop $row
                (f32.store
                  (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2)))
                  (f32.load (i32.add (local.get $src) (i32.mul (local.get $i) (local.get $rs)))))
                (br_if $row (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $mc))))
              (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
              (local.set $src (i32.add (local.get $src) (local.get $cs)))
              (br_if $k (local.tee $p (i32.sub (local.get $p) (i32.const 1)))))))
        (local.set $a (i32.add (local.get $a) (i32.shl (local.get $rs) (i32.const 2))))
        (local.set $mc (i32.sub (local.get $mc) (i32.const 4)))
        (br $panel))))

  ;; Pack a kc×nc block of op(B) (top-left at $b, strides $rs/$cs in elements) into
  ;; ⌈nc/8⌉ panels of 8 columns: for each p, op(B)[p, 8r..8r+7]; columns past nc are zero.
  (func $packB_f32 (param $dst i32) (param $b i32) (param $rs i32) (param $cs i32) (param $kc i32) (param $nc i32)
    (local $src i32) (local $s i32) (local $p i32) (local $j i32)
    (local.set $rs (i32.shl (local.get $rs) (i32.const 2)))
    (local.set $cs (i32.shl (local.get $cs) (i32.const 2)))
    (block $done
      (loop $panel
        (br_if $done (i32.le_s (local.get $nc) (i32.const 0)))
        (local.set $src (local.get $b))
        (local.set $p (local.get $kc))
        (if (i32.ge_s (local.get $nc) (i32.const 8))
          (then
            (if (i32.eq (local.get $cs) (i32.const 4))
              (then
                ;; op(B) rows are contiguous (B not transposed): two vector copies per p.
                (loop $k
                  (v128.store (local.get $dst) (v128.load (local.get $src)))
                  (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
                  (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                  (local.set $src (i32.add (local.get $src) (local.get $rs)))
                  (br_if $k (local.tee $p (i32.sub (local.get $p) (i32.const 1))))))
              (else
                ;; Strided gather (B stored transposed): walk the 8 columns with a pointer.
                (loop $k
                  (local.set $s (local.get $src))
                  (f32.store (local.get $dst) (f32.load (local.get $s)))
                  (f32.store offset=4 (local.get $dst) (f32.load (local.tee $s (i32.add (local.get $s) (local.get $cs)))))
                  (f32.store offset=8 (local.get $dst) (f32.load (local.tee $s (i32.add (local.get $s) (local.get $cs)))))
                  (f32.store offset=12 (local.get $dst) (f32.load (local.tee $s (i32.add (local.get $s) (local.get $cs)))))
                  (f32.store offset=16 (local.get $dst) (f32.load (local.tee $s (i32.add (local.get $s) (local.get $cs)))))
                  (f32.store offset=20 (local.get $dst) (f32.load (local.tee $s (i32.add (local.get $s) (local.get $cs)))))
                  (f32.store offset=24 (local.get $dst) (f32.load (local.tee $s (i32.add (local.get $s) (local.get $cs)))))
                  (f32.store offset=28 (local.get $dst) (f32.load (local.tee $s (i32.add (local.get $s) (local.get $cs)))))
                  (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                  (local.set $src (i32.add (local.get $src) (local.get $rs)))
                  (br_if $k (local.tee $p (i32.sub (local.get $p) (i32.const 1))))))))
          (else
            ;; Partial panel (1..7 columns).
            (loop $k
              (v128.store (local.get $dst) (v128.const i32x4 0 0 0 0))
              (v128.store offset=16 (local.get $dst) (v128.const i32x4 0 0 0 0))
              (local.set $j (i32.const 0))
              (loop $col
                (f32.store
                  (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
                  (f32.load (i32.add (local.get $src) (i32.mul (local.get $j) (local.get $cs)))))
                (br_if $col (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $nc))))
              (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
              (local.set $src (i32.add (local.get $src) (local.get $rs)))
              (br_if $k (local.tee $p (i32.sub (local.get $p) (i32.const 1)))))))
        (local.set $b (i32.add (local.get $b) (i32.shl (local.get $cs) (i32.const 3))))
        (local.set $nc (i32.sub (local.get $nc) (i32.const 8)))
        (br $panel))))

  ;; Copy the valid rows×cols corner of a 4×8 scratch tile into C (or add it into C).
  (func $edge_f32 (param $tile i32) (param $c i32) (param $ldc i32) (param $rows i32) (param $cols i32) (param $acc i32)
    (local $i i32) (local $j i32) (local $d i32) (local $s i32)
    (loop $row
      (local.set $d (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))
      (local.set $s (i32.add (local.get $tile) (i32.shl (local.get $i) (i32.const 5))))
      (local.set $j (local.get $cols))
      (loop $col
        (if (local.get $acc)
          (then (f32.store (local.get $d) (f32.add (f32.load (local.get $d)) (f32.load (local.get $s)))))
          (else (f32.store (local.get $d) (f32.load (local.get $s)))))
        (local.set $d (i32.add (local.get $d) (i32.const 4)))
        (local.set $s (i32.add (local.get $s) (i32.const 4)))
        (br_if $col (local.tee $j (i32.sub (local.get $j) (i32.const 1)))))
      (br_if $row (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $rows)))))

  ;; C[m×n] = op(A)[m×k] · op(B)[k×n]   (m, n, k ≥ 1; C must not overlap the operands)
  ;; $pa needs ⌈min(MC,m)/4⌉·4·min(KC,k) floats, $pb min(KC,k)·⌈min(NC,n)/8⌉·8 floats,
  ;; $tile 32 floats.
  (func (export "gemm_f32")
    (param $m i32) (param $k i32) (param $n i32)
    (param $a i32) (param $rsa i32) (param $csa i32)
    (param $b i32) (param $rsb i32) (param $csb i32)
    (param $c i32) (param $pa i32) (param $pb i32) (param $tile i32)
    (param $MC i32) (param $KC i32) (param $NC i32)
    (local $jc i32) (local $pc i32) (local $ic i32) (local $jr i32) (local $ir i32)
    (local $nc i32) (local $kc i32) (local $mc i32) (local $acc i32) (local $ldc i32)
    (local $cp i32) (local $kcb i32)
    (local.set $ldc (i32.shl (local.get $n) (i32.const 2)))
    (loop $jcl
      (local.set $nc (i32.sub (local.get $n) (local.get $jc)))
      (if (i32.gt_s (local.get $nc) (local.get $NC)) (then (local.set $nc (local.get $NC))))
      (local.set $pc (i32.const 0))
      (loop $pcl
        (local.set $kc (i32.sub (local.get $k) (local.get $pc)))
        (if (i32.gt_s (local.get $kc) (local.get $KC)) (then (local.set $kc (local.get $KC))))
        (local.set $kcb (i32.shl (local.get $kc) (i32.const 2)))
        (local.set $acc (i32.ne (local.get $pc) (i32.const 0)))
        (call $packB_f32 (local.get $pb)
          (i32.add (local.get $b)
            (i32.shl (i32.add (i32.mul (local.get $pc) (local.get $rsb)) (i32.mul (local.get $jc) (local.get $csb))) (i32.const 2)))
          (local.get $rsb) (local.get $csb) (local.get $kc) (local.get $nc))
        (local.set $ic (i32.const 0))
        (loop $icl
          (local.set $mc (i32.sub (local.get $m) (local.get $ic)))
          (if (i32.gt_s (local.get $mc) (local.get $MC)) (then (local.set $mc (local.get $MC))))
          (call $packA_f32 (local.get $pa)
            (i32.add (local.get $a)
              (i32.shl (i32.add (i32.mul (local.get $ic) (local.get $rsa)) (i32.mul (local.get $pc) (local.get $csa))) (i32.const 2)))
            (local.get $rsa) (local.get $csa) (local.get $mc) (local.get $kc))
          (local.set $jr (i32.const 0))
          (loop $jrl
            (local.set $ir (i32.const 0))
            (loop $irl
              (local.set $cp (i32.add (local.get $c)
                (i32.shl
                  (i32.add (i32.mul (i32.add (local.get $ic) (local.get $ir)) (local.get $n))
                           (i32.add (local.get $jc) (local.get $jr)))
                  (i32.const 2))))
              (if (i32.and
                    (i32.le_s (i32.add (local.get $ir) (i32.const 4)) (local.get $mc))
                    (i32.le_s (i32.add (local.get $jr) (i32.const 8)) (local.get $nc)))
                (then
                  (call $ukr_f32
                    (i32.add (local.get $pa) (i32.mul (local.get $ir) (local.get $kcb)))
                    (i32.add (local.get $pb) (i32.mul (local.get $jr) (local.get $kcb)))
                    (local.get $kc) (local.get $cp) (local.get $ldc) (local.get $acc)))
                (else
                  (call $ukr_f32
                    (i32.add (local.get $pa) (i32.mul (local.get $ir) (local.get $kcb)))
                    (i32.add (local.get $pb) (i32.mul (local.get $jr) (local.get $kcb)))
                    (local.get $kc) (local.get $tile) (i32.const 32) (i32.const 0))
                  (call $edge_f32 (local.get $tile) (local.get $cp) (local.get $ldc)
                    (select (i32.const 4) (i32.sub (local.get $mc) (local.get $ir))
                      (i32.ge_s (i32.sub (local.get $mc) (local.get $ir)) (i32.const 4)))
                    (select (i32.const 8) (i32.sub (local.get $nc) (local.get $jr))
                      (i32.ge_s (i32.sub (local.get $nc) (local.get $jr)) (i32.const 8)))
                    (local.get $acc))))
              (br_if $irl (i32.lt_s (local.tee $ir (i32.add (local.get $ir) (i32.const 4))) (local.get $mc))))
            (br_if $jrl (i32.lt_s (local.tee $jr (i32.add (local.get $jr) (i32.const 8))) (local.get $nc))))
          (br_if $icl (i32.lt_s (local.tee $ic (i32.add (local.get $ic) (local.get $MC))) (local.get $m))))
        (br_if $pcl (i32.lt_s (local.tee $pc (i32.add (local.get $pc) (local.get $KC))) (local.get $k))))
      (br_if $jcl (i32.lt_s (local.tee $jc (i32.add (local.get $jc) (local.get $NC))) (local.get $n)))))

  ;; ======================================================================================
  ;; f64 GEMM (same structure; 4×4 tile = 4 rows × two f64x2 vectors)
  ;; ======================================================================================

  (func $ukr_f64 (param $pa i32) (param $pb i32) (param $kc i32) (param $c i32) (param $ldc i32) (param $acc i32)
    (local $end i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $a v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $end (i32.add (local.get $pa) (i32.shl (local.get $kc) (i32.const 5))))
    (loop $k
      (local.set $b0 (v128.load (local.get $pb)))
      (local.set $b1 (v128.load offset=16 (local.get $pb)))
      (local.set $a (v128.load64_splat (local.get $pa)))
      (local.set $c00 (f64x2.madd (local.get $a) (local.get $b0) (local.get $c00)))
      (local.set $c01 (f64x2.madd (local.get $a) (local.get $b1) (local.get $c01)))
      (local.set $a (v128.load64_splat offset=8 (local.get $pa)))
      (local.set $c10 (f64x2.madd (local.get $a) (local.get $b0) (local.get $c10)))
      (local.set $c11 (f64x2.madd (local.get $a) (local.get $b1) (local.get $c11)))
      (local.set $a (v128.load64_splat offset=16 (local.get $pa)))
      (local.set $c20 (f64x2.madd (local.get $a) (local.get $b0) (local.get $c20)))
      (local.set $c21 (f64x2.madd (local.get $a) (local.get $b1) (local.get $c21)))
      (local.set $a (v128.load64_splat offset=24 (local.get $pa)))
      (local.set $c30 (f64x2.madd (local.get $a) (local.get $b0) (local.get $c30)))
      (local.set $c31 (f64x2.madd (local.get $a) (local.get $b1) (local.get $c31)))
      (local.set $pa (i32.add (local.get $pa) (i32.const 32)))
      (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
      (br_if $k (i32.lt_u (local.get $pa) (local.get $end))))
    (local.set $r1 (i32.add (local.get $c) (local.get $ldc)))
    (local.set $r2 (i32.add (local.get $r1) (local.get $ldc)))
    (local.set $r3 (i32.add (local.get $r2) (local.get $ldc)))
    (if (local.get $acc)
      (then
        (local.set $c00 (f64x2.add (local.get $c00) (v128.load (local.get $c))))
        (local.set $c01 (f64x2.add (local.get $c01) (v128.load offset=16 (local.get $c))))
        (local.set $c10 (f64x2.add (local.get $c10) (v128.load (local.get $r1))))
        (local.set $c11 (f64x2.add (local.get $c11) (v128.load offset=16 (local.get $r1))))
        (local.set $c20 (f64x2.add (local.get $c20) (v128.load (local.get $r2))))
        (local.set $c21 (f64x2.add (local.get $c21) (v128.load offset=16 (local.get $r2))))
        (local.set $c30 (f64x2.add (local.get $c30) (v128.load (local.get $r3))))
        (local.set $c31 (f64x2.add (local.get $c31) (v128.load offset=16 (local.get $r3))))))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (v128.store (local.get $r1) (local.get $c10))
    (v128.store offset=16 (local.get $r1) (local.get $c11))
    (v128.store (local.get $r2) (local.get $c20))
    (v128.store offset=16 (local.get $r2) (local.get $c21))
    (v128.store (local.get $r3) (local.get $c30))
    (v128.store offset=16 (local.get $r3) (local.get $c31)))

  ;; As packA_f32, for doubles: panels of 4 rows, 32 bytes per p.
  (func $packA_f64 (param $dst i32) (param $a i32) (param $rs i32) (param $cs i32) (param $mc i32) (param $kc i32)
    (local $src i32) (local $p i32) (local $i i32) (local $rs2 i32) (local $rs3 i32)
    (local.set $rs (i32.shl (local.get $rs) (i32.const 3)))
    (local.set $cs (i32.shl (local.get $cs) (i32.const 3)))
    (local.set $rs2 (i32.shl (local.get $rs) (i32.const 1)))
    (local.set $rs3 (i32.add (local.get $rs2) (local.get $rs)))
    (block $done
      (loop $panel
        (br_if $done (i32.le_s (local.get $mc) (i32.const 0)))
        (local.set $src (local.get $a))
        (local.set $p (local.get $kc))
        (if (i32.ge_s (local.get $mc) (i32.const 4))
          (then
            (if (i32.eq (local.get $rs) (i32.const 8))
              (then
                (loop $k
                  (v128.store (local.get $dst) (v128.load (local.get $src)))
                  (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
                  (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                  (local.set $src (i32.add (local.get $src) (local.get $cs)))
                  (br_if $k (local.tee $p (i32.sub (local.get $p) (i32.const 1))))))
              (else
                (loop $k
                  (f64.store (local.get $dst) (f64.load (local.get $src)))
                  (f64.store offset=8 (local.get $dst) (f64.load (i32.add (local.get $src) (local.get $rs))))
                  (f64.store offset=16 (local.get $dst) (f64.load (i32.add (local.get $src) (local.get $rs2))))
                  (f64.store offset=24 (local.get $dst) (f64.load (i32.add (local.get $src) (local.get $rs3))))
                  (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                  (local.set $src (i32.add (local.get $src) (local.get $cs)))
                  (br_if $k (local.tee $p (i32.sub (local.get $p) (i32.const 1))))))))
          (else
            (loop $k
              (v128.store (local.get $dst) (v128.const i32x4 0 0 0 0))
              (v128.store offset=16 (local.get $dst) (v128.const i32x4 0 0 0 0))
              (local.set $i (i32.const 0))
              (loop $row
                (f64.store
                  (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 3)))
                  (f64.load (i32.add (local.get $src) (i32.mul (local.get $i) (local.get $rs)))))
                (br_if $row (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $mc))))
              (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
              (local.set $src (i32.add (local.get $src) (local.get $cs)))
              (br_if $k (local.tee $p (i32.sub (local.get $p) (i32.const 1)))))))
        (local.set $a (i32.add (local.get $a) (i32.shl (local.get $rs) (i32.const 2))))
        (local.set $mc (i32.sub (local.get $mc) (i32.const 4)))
        (br $panel))))

  ;; As packB_f32, for doubles: panels of 4 columns, 32 bytes per p.
  (func $packB_f64 (param $dst i32) (param $b i32) (param $rs i32) (param $cs i32) (param $kc i32) (param $nc i32)
    (local $src i32) (local $s i32) (local $p i32) (local $j i32)
    (local.set $rs (i32.shl (local.get $rs) (i32.const 3)))
    (local.set $cs (i32.shl (local.get $cs) (i32.const 3)))
    (block $done
      (loop $panel
        (br_if $done (i32.le_s (local.get $nc) (i32.const 0)))
        (local.set $src (local.get $b))
        (local.set $p (local.get $kc))
        (if (i32.ge_s (local.get $nc) (i32.const 4))
          (then
            (if (i32.eq (local.get $cs) (i32.const 8))
              (then
                (loop $k
                  (v128.store (local.get $dst) (v128.load (local.get $src)))
                  (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
                  (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                  (local.set $src (i32.add (local.get $src) (local.get $rs)))
                  (br_if $k (local.tee $p (i32.sub (local.get $p) (i32.const 1))))))
              (else
                (loop $k
                  (local.set $s (local.get $src))
                  (f64.store (local.get $dst) (f64.load (local.get $s)))
                  (f64.store offset=8 (local.get $dst) (f64.load (local.tee $s (i32.add (local.get $s) (local.get $cs)))))
                  (f64.store offset=16 (local.get $dst) (f64.load (local.tee $s (i32.add (local.get $s) (local.get $cs)))))
                  (f64.store offset=24 (local.get $dst) (f64.load (local.tee $s (i32.add (local.get $s) (local.get $cs)))))
                  (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                  (local.set $src (i32.add (local.get $src) (local.get $rs)))
                  (br_if $k (local.tee $p (i32.sub (local.get $p) (i32.const 1))))))))
          (else
            (loop $k
              (v128.store (local.get $dst) (v128.const i32x4 0 0 0 0))
              (v128.store offset=16 (local.get $dst) (v128.const i32x4 0 0 0 0))
              (local.set $j (i32.const 0))
              (loop $col
                (f64.store
                  (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 3)))
                  (f64.load (i32.add (local.get $src) (i32.mul (local.get $j) (local.get $cs)))))
                (br_if $col (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $nc))))
              (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
              (local.set $src (i32.add (local.get $src) (local.get $rs)))
              (br_if $k (local.tee $p (i32.sub (local.get $p) (i32.const 1)))))))
        (local.set $b (i32.add (local.get $b) (i32.shl (local.get $cs) (i32.const 2))))
        (local.set $nc (i32.sub (local.get $nc) (i32.const 4)))
        (br $panel))))

  ;; Copy the valid rows×cols corner of a 4×4 scratch tile of doubles into C (or add it).
  (func $edge_f64 (param $tile i32) (param $c i32) (param $ldc i32) (param $rows i32) (param $cols i32) (param $acc i32)
    (local $i i32) (local $j i32) (local $d i32) (local $s i32)
    (loop $row
      (local.set $d (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))
      (local.set $s (i32.add (local.get $tile) (i32.shl (local.get $i) (i32.const 5))))
      (local.set $j (local.get $cols))
      (loop $col
        (if (local.get $acc)
          (then (f64.store (local.get $d) (f64.add (f64.load (local.get $d)) (f64.load (local.get $s)))))
          (else (f64.store (local.get $d) (f64.load (local.get $s)))))
        (local.set $d (i32.add (local.get $d) (i32.const 8)))
        (local.set $s (i32.add (local.get $s) (i32.const 8)))
        (br_if $col (local.tee $j (i32.sub (local.get $j) (i32.const 1)))))
      (br_if $row (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $rows)))))

  ;; C[m×n] = op(A) · op(B) for doubles; buffers as gemm_f32 with NR = 4 and 16 tile doubles.
  (func (export "gemm_f64")
    (param $m i32) (param $k i32) (param $n i32)
    (param $a i32) (param $rsa i32) (param $csa i32)
    (param $b i32) (param $rsb i32) (param $csb i32)
    (param $c i32) (param $pa i32) (param $pb i32) (param $tile i32)
    (param $MC i32) (param $KC i32) (param $NC i32)
    (local $jc i32) (local $pc i32) (local $ic i32) (local $jr i32) (local $ir i32)
    (local $nc i32) (local $kc i32) (local $mc i32) (local $acc i32) (local $ldc i32)
    (local $cp i32) (local $kcb i32)
    (local.set $ldc (i32.shl (local.get $n) (i32.const 3)))
    (loop $jcl
      (local.set $nc (i32.sub (local.get $n) (local.get $jc)))
      (if (i32.gt_s (local.get $nc) (local.get $NC)) (then (local.set $nc (local.get $NC))))
      (local.set $pc (i32.const 0))
      (loop $pcl
        (local.set $kc (i32.sub (local.get $k) (local.get $pc)))
        (if (i32.gt_s (local.get $kc) (local.get $KC)) (then (local.set $kc (local.get $KC))))
        (local.set $kcb (i32.shl (local.get $kc) (i32.const 3)))
        (local.set $acc (i32.ne (local.get $pc) (i32.const 0)))
        (call $packB_f64 (local.get $pb)
          (i32.add (local.get $b)
            (i32.shl (i32.add (i32.mul (local.get $pc) (local.get $rsb)) (i32.mul (local.get $jc) (local.get $csb))) (i32.const 3)))
          (local.get $rsb) (local.get $csb) (local.get $kc) (local.get $nc))
        (local.set $ic (i32.const 0))
        (loop $icl
          (local.set $mc (i32.sub (local.get $m) (local.get $ic)))
          (if (i32.gt_s (local.get $mc) (local.get $MC)) (then (local.set $mc (local.get $MC))))
          (call $packA_f64 (local.get $pa)
            (i32.add (local.get $a)
              (i32.shl (i32.add (i32.mul (local.get $ic) (local.get $rsa)) (i32.mul (local.get $pc) (local.get $csa))) (i32.const 3)))
            (local.get $rsa) (local.get $csa) (local.get $mc) (local.get $kc))
          (local.set $jr (i32.const 0))
          (loop $jrl
            (local.set $ir (i32.const 0))
            (loop $irl
              (local.set $cp (i32.add (local.get $c)
                (i32.shl
                  (i32.add (i32.mul (i32.add (local.get $ic) (local.get $ir)) (local.get $n))
                           (i32.add (local.get $jc) (local.get $jr)))
                  (i32.const 3))))
              (if (i32.and
                    (i32.le_s (i32.add (local.get $ir) (i32.const 4)) (local.get $mc))
                    (i32.le_s (i32.add (local.get $jr) (i32.const 4)) (local.get $nc)))
                (then
                  (call $ukr_f64
                    (i32.add (local.get $pa) (i32.mul (local.get $ir) (local.get $kcb)))
                    (i32.add (local.get $pb) (i32.mul (local.get $jr) (local.get $kcb)))
                    (local.get $kc) (local.get $cp) (local.get $ldc) (local.get $acc)))
                (else
                  (call $ukr_f64
                    (i32.add (local.get $pa) (i32.mul (local.get $ir) (local.get $kcb)))
                    (i32.add (local.get $pb) (i32.mul (local.get $jr) (local.get $kcb)))
                    (local.get $kc) (local.get $tile) (i32.const 32) (i32.const 0))
                  (call $edge_f64 (local.get $tile) (local.get $cp) (local.get $ldc)
                    (select (i32.const 4) (i32.sub (local.get $mc) (local.get $ir))
                      (i32.ge_s (i32.sub (local.get $mc) (local.get $ir)) (i32.const 4)))
                    (select (i32.const 4) (i32.sub (local.get $nc) (local.get $jr))
                      (i32.ge_s (i32.sub (local.get $nc) (local.get $jr)) (i32.const 4)))
                    (local.get $acc))))
              (br_if $irl (i32.lt_s (local.tee $ir (i32.add (local.get $ir) (i32.const 4))) (local.get $mc))))
            (br_if $jrl (i32.lt_s (local.tee $jr (i32.add (local.get $jr) (i32.const 4))) (local.get $nc))))
          (br_if $icl (i32.lt_s (local.tee $ic (i32.add (local.get $ic) (local.get $MC))) (local.get $m))))
        (br_if $pcl (i32.lt_s (local.tee $pc (i32.add (local.get $pc) (local.get $KC))) (local.get $k))))
      (br_if $jcl (i32.lt_s (local.tee $jc (i32.add (local.get $jc) (local.get $NC))) (local.get $n)))))

  ;; ======================================================================================
  ;; Elementwise kernels: ($x, $y, $out) byte addresses, $n elements (n ≥ 0).
  ;; $out may equal $x or $y (each vector is read before it is written).
  ;; Results are bit-identical to the reference backend:
  ;;   * axpby_f32 computes in f64 and rounds once, exactly like `alpha*x + beta*y` stored
  ;;     into a Float32Array;
  ;;   * relu / reluMask use an `x > 0` mask, so NaN and -0 map to +0 as in the reference.
  ;; ======================================================================================

  (func (export "axpby_f32") (param $alpha f64) (param $x i32) (param $beta f64) (param $y i32) (param $out i32) (param $n i32)
    (local $end i32) (local $va v128) (local $vb v128) (local $xv v128) (local $yv v128)
    (local.set $va (f64x2.splat (local.get $alpha)))
    (local.set $vb (f64x2.splat (local.get $beta)))
    (local.set $end (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vd
      (loop $v
        (br_if $vd (i32.ge_u (local.get $out) (local.get $end)))
        (local.set $xv (v128.load (local.get $x)))
        (local.set $yv (v128.load (local.get $y)))
        (v128.store (local.get $out)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero
              (f64x2.add
                (f64x2.mul (local.get $va) (f64x2.promote_low_f32x4 (local.get $xv)))
                (f64x2.mul (local.get $vb) (f64x2.promote_low_f32x4 (local.get $yv)))))
            (f32x4.demote_f64x2_zero
              (f64x2.add
                (f64x2.mul (local.get $va) (f64x2.promote_low_f32x4
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $xv) (local.get $xv))))
                (f64x2.mul (local.get $vb) (f64x2.promote_low_f32x4
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $yv) (local.get $yv))))))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $v)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $sd
      (loop $s
        (br_if $sd (i32.ge_u (local.get $out) (local.get $end)))
        (f32.store (local.get $out)
          (f32.demote_f64
            (f64.add
              (f64.mul (local.get $alpha) (f64.promote_f32 (f32.load (local.get $x))))
              (f64.mul (local.get $beta) (f64.promote_f32 (f32.load (local.get $y)))))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $s))))

  (func (export "axpby_f64") (param $alpha f64) (param $x i32) (param $beta f64) (param $y i32) (param $out i32) (param $n i32)
    (local $end i32) (local $va v128) (local $vb v128)
    (local.set $va (f64x2.splat (local.get $alpha)))
    (local.set $vb (f64x2.splat (local.get $beta)))
    (local.set $end (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $vd
      (loop $v
        (br_if $vd (i32.ge_u (local.get $out) (local.get $end)))
        (v128.store (local.get $out)
          (f64x2.add
            (f64x2.mul (local.get $va) (v128.load (local.get $x)))
            (f64x2.mul (local.get $vb) (v128.load (local.get $y)))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $v)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (f64.store (local.get $out)
          (f64.add
            (f64.mul (local.get $alpha) (f64.load (local.get $x)))
            (f64.mul (local.get $beta) (f64.load (local.get $y))))))))

  (func (export "mul_f32") (param $x i32) (param $y i32) (param $out i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vd
      (loop $v
        (br_if $vd (i32.ge_u (local.get $out) (local.get $end)))
        (v128.store (local.get $out) (f32x4.mul (v128.load (local.get $x)) (v128.load (local.get $y))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $v)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $sd
      (loop $s
        (br_if $sd (i32.ge_u (local.get $out) (local.get $end)))
        (f32.store (local.get $out) (f32.mul (f32.load (local.get $x)) (f32.load (local.get $y))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $s))))

  (func (export "mul_f64") (param $x i32) (param $y i32) (param $out i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $vd
      (loop $v
        (br_if $vd (i32.ge_u (local.get $out) (local.get $end)))
        (v128.store (local.get $out) (f64x2.mul (v128.load (local.get $x)) (v128.load (local.get $y))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $v)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then (f64.store (local.get $out) (f64.mul (f64.load (local.get $x)) (f64.load (local.get $y)))))))

  ;; reluMask_*(g, x, out, n): out = g where x > 0, else 0. relu_*(x, out, n) is reluMask(x, x).
  (func $reluMask_f32 (export "reluMask_f32") (param $g i32) (param $x i32) (param $out i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vd
      (loop $l
        (br_if $vd (i32.ge_u (local.get $out) (local.get $end)))
        (v128.store (local.get $out)
          (v128.and (v128.load (local.get $g))
            (f32x4.gt (v128.load (local.get $x)) (v128.const f32x4 0 0 0 0))))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $l)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $sd
      (loop $s
        (br_if $sd (i32.ge_u (local.get $out) (local.get $end)))
        (f32.store (local.get $out)
          (select (f32.load (local.get $g)) (f32.const 0) (f32.gt (f32.load (local.get $x)) (f32.const 0))))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $s))))

  (func $reluMask_f64 (export "reluMask_f64") (param $g i32) (param $x i32) (param $out i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $vd
      (loop $l
        (br_if $vd (i32.ge_u (local.get $out) (local.get $end)))
        (v128.store (local.get $out)
          (v128.and (v128.load (local.get $g))
            (f64x2.gt (v128.load (local.get $x)) (v128.const f64x2 0 0))))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $l)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (f64.store (local.get $out)
          (select (f64.load (local.get $g)) (f64.const 0) (f64.gt (f64.load (local.get $x)) (f64.const 0)))))))

  (func (export "relu_f32") (param $x i32) (param $out i32) (param $n i32)
    (call $reluMask_f32 (local.get $x) (local.get $x) (local.get $out) (local.get $n)))

  (func (export "relu_f64") (param $x i32) (param $out i32) (param $n i32)
    (call $reluMask_f64 (local.get $x) (local.get $x) (local.get $out) (local.get $n)))
  ;; Kernel families in their own files (kernels-*.wat) are spliced in here by scripts/build-wasm.mjs.
  ;; @fragments
)
