  ;; ======================================================================================
  ;; Transcendental activations and their derivatives (math-kernels.ts, wasm-math.ts).
  ;;
  ;; Every kernel computes in f64x2; the f32 entry points promote, compute and round once.
  ;; Exports: <op>_f64 / <op>_f32 (x, out, n) for op in exp tanh sigmoid erf gelu geluSlope
  ;; geluCurv, and tanhBackward / sigmoidBackward _f64 / _f32 (g, y, out, n).
  ;;
  ;; exp(x): x = k*ln2 + r, k = nearest(x*log2e) (1.5*2^52 shifter, so k also sits in the low
  ;;   bits of the sum), ln2 = LN2HI + LN2LO (fdlibm's split: k*LN2HI is exact for |k| < 2^21),
  ;;   |r| <= ln2/2; e^r = 1 + r + r^2*Q(r), Q of degree 10; the result p*2^k is scaled in two
  ;;   exact halves 2^floor(k/2)*2^(k-floor(k/2)) so gradual underflow rounds once and overflow gives
  ;;   +Inf. x is first clamped to [-1100, 1100] (pmin/pmax keep a NaN x: NaN propagates).
  ;;   $m_expdd takes a second, small argument lo and returns e^(hi+lo) (used for e^(-x^2)).
  ;; tanh(x): |x| < 0.55: x + x^3*T(x^2), T of degree 10; otherwise sign(x)*(1-e)/(1+e) with
  ;;   e = e^(-2|x|) (no cancellation: e < 1/3); saturates to +-1, NaN propagates.
  ;; sigmoid(x): e = e^(-|x|); sigma = 1/(1+e) for x >= 0, e/(1+e) for x < 0 (as the reference).
  ;; erf(x): |x| < 1: x*E(x^2), E of degree 11; otherwise sign(x)*(1 - erfc|x|).
  ;; erfc(a), a >= 0: e^(-a^2)*erfcx(a). e^(-a^2) without the rounding of a^2: a = ah + al with ah
  ;;   the top 26 bits of a, so ah^2 is exact and a^2 = ah^2 + al*(a+ah) is passed to $m_expdd
  ;;   as (hi, lo). erfcx(a) = e^(a^2)erfc(a) = P7(a)/Q8(a), a rational of type (7, 8) with
  ;;   coefficients picked per lane for a < 2 and a >= 2 (a is clamped to <= 40, past underflow).
  ;; Phi(x) = 1/2 + 1/2*erf(x/sqrt2) for |x| < 1/2 (erf's polynomial), else h for x < 0 and
  ;;   1 - h for x > 0, with h = 1/2erfc(|x|/sqrt2) = 1/2e^(-x^2/2)*erfcx(|x|/sqrt2),
  ;;   e^(-x^2/2) split as above; phi(x) = e^(-x^2/2)/sqrt(2pi) shares that exponential.
  ;;   gelu = x*Phi(x), geluSlope = Phi(x) + x*phi(x), geluCurv = phi(x)*(2 - x^2).
  ;; Backward: tanhBackward = g*((1-y)(1+y)), sigmoidBackward = g*(y*(1-y)), in f64 (f32:
  ;;   promoted, rounded once): bit-identical to the reference.
  ;;
  ;; Coefficients: relative-weighted least squares on Chebyshev nodes at 50 digits (mpmath),
  ;; Loeb iteration for the rationals; near-minimax. Polynomials are evaluated by Estrin's
  ;; scheme (short dependency chains: about 1.5x faster than Horner here), except erf's
  ;; alternating series, which keeps Horner (Estrin costs it 1.5 ulp). Measured accuracy: see
  ;; math-kernels.ts.
  ;; ======================================================================================

  ;; e^(hi + lo) * 2^bias (bias: i64x2 lanes, 0 or 64), |lo| << 1 a correction to hi.
  (func $m_expdd (param $hi v128) (param $lo v128) (param $bias v128) (result v128)
    (local $pv2 v128) (local $pv4 v128) (local $pv8 v128) (local $pv16 v128)
    (local $x v128) (local $t v128) (local $kf v128) (local $r v128) (local $k v128) (local $k1 v128)
    (local.set $x (f64x2.pmax (f64x2.pmin (local.get $hi) (v128.const f64x2 1100 1100)) (v128.const f64x2 -1100 -1100)))
    (local.set $t (f64x2.add (f64x2.mul (local.get $x) (v128.const f64x2 1.4426950408889634 1.4426950408889634))
                             (v128.const f64x2 6755399441055744 6755399441055744)))
    (local.set $kf (f64x2.sub (local.get $t) (v128.const f64x2 6755399441055744 6755399441055744)))
    (local.set $r
      (f64x2.add
        (f64x2.sub (local.get $x) (f64x2.mul (local.get $kf) (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01)))
        (f64x2.sub (local.get $lo) (f64x2.mul (local.get $kf) (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10)))))
    (local.set $k (i64x2.sub (local.get $t) (v128.const i64x2 0x4338000000000000 0x4338000000000000)))
    (local.set $k1 (i64x2.shr_s (local.get $k) (i32.const 1)))
    (f64x2.mul
      (f64x2.mul
        (f64x2.add (v128.const f64x2 1 1)
          (f64x2.add (local.get $r)
            (f64x2.mul (f64x2.mul (local.get $r) (local.get $r)) (block (result v128) (local.set $pv2 (f64x2.mul (local.get $r) (local.get $r))) (local.set $pv4 (f64x2.mul (local.get $pv2) (local.get $pv2))) (local.set $pv8 (f64x2.mul (local.get $pv4) (local.get $pv4))) (local.set $pv16 (f64x2.mul (local.get $pv8) (local.get $pv8))) (f64x2.add (f64x2.add (f64x2.add (f64x2.add (v128.const f64x2 0.5 0.5) (f64x2.mul (v128.const f64x2 0.16666666666666685 0.16666666666666685) (local.get $r))) (f64x2.mul (f64x2.add (v128.const f64x2 0.04166666666666578 0.04166666666666578) (f64x2.mul (v128.const f64x2 0.008333333333316663 0.008333333333316663) (local.get $r))) (local.get $pv2))) (f64x2.mul (f64x2.add (f64x2.add (v128.const f64x2 0.0013888888889219606 0.0013888888889219606) (f64x2.mul (v128.const f64x2 0.00019841269897167673 0.00019841269897167673) (local.get $r))) (f64x2.mul (f64x2.add (v128.const f64x2 2.4801586770257432e-05 2.4801586770257432e-05) (f64x2.mul (v128.const f64x2 2.755723417054235e-06 2.755723417054235e-06) (local.get $r))) (local.get $pv2))) (local.get $pv4))) (f64x2.mul (f64x2.add (f64x2.add (v128.const f64x2 2.7557691206911387e-07 2.7557691206911387e-07) (f64x2.mul (v128.const f64x2 2.5112254608742596e-08 2.5112254608742596e-08) (local.get $r))) (f64x2.mul (v128.const f64x2 2.0797714653267934e-09 2.0797714653267934e-09) (local.get $pv2))) (local.get $pv8)))))))
        (i64x2.shl (i64x2.add (local.get $k1) (v128.const i64x2 1023 1023)) (i32.const 52)))
      (i64x2.shl (i64x2.add (i64x2.add (i64x2.sub (local.get $k) (local.get $k1)) (local.get $bias))
        (v128.const i64x2 1023 1023)) (i32.const 52))))

  (func $m_exp (param $x v128) (result v128)
    (call $m_expdd (local.get $x) (v128.const f64x2 0 0) (v128.const i64x2 0 0)))

  (func $m_tanh (param $x v128) (result v128)
    (local $pv2 v128) (local $pv4 v128) (local $pv8 v128) (local $pv16 v128)
    (local $a v128) (local $s v128) (local $e v128)
    (local.set $a (f64x2.abs (local.get $x)))
    (local.set $s (f64x2.mul (local.get $x) (local.get $x)))
    (local.set $e (call $m_exp (f64x2.mul (local.get $a) (v128.const f64x2 -2 -2))))
    (v128.bitselect
      (f64x2.add (local.get $x) (f64x2.mul (f64x2.mul (local.get $x) (local.get $s)) (block (result v128) (local.set $pv2 (f64x2.mul (local.get $s) (local.get $s))) (local.set $pv4 (f64x2.mul (local.get $pv2) (local.get $pv2))) (local.set $pv8 (f64x2.mul (local.get $pv4) (local.get $pv4))) (local.set $pv16 (f64x2.mul (local.get $pv8) (local.get $pv8))) (f64x2.add (f64x2.add (f64x2.add (f64x2.add (v128.const f64x2 -0.333333333333333 -0.333333333333333) (f64x2.mul (v128.const f64x2 0.13333333333326325 0.13333333333326325) (local.get $s))) (f64x2.mul (f64x2.add (v128.const f64x2 -0.05396825396361135 -0.05396825396361135) (f64x2.mul (v128.const f64x2 0.02186948838202139 0.02186948838202139) (local.get $s))) (local.get $pv2))) (f64x2.mul (f64x2.add (f64x2.add (v128.const f64x2 -0.008863232543810601 -0.008863232543810601) (f64x2.mul (v128.const f64x2 0.003592091488465451 0.003592091488465451) (local.get $s))) (f64x2.mul (f64x2.add (v128.const f64x2 -0.0014555395618353084 -0.0014555395618353084) (f64x2.mul (v128.const f64x2 0.000588431669416535 0.000588431669416535) (local.get $s))) (local.get $pv2))) (local.get $pv4))) (f64x2.mul (f64x2.add (f64x2.add (v128.const f64x2 -0.00023335043558498307 -0.00023335043558498307) (f64x2.mul (v128.const f64x2 8.327364281792357e-05 8.327364281792357e-05) (local.get $s))) (f64x2.mul (v128.const f64x2 -1.9469233179243163e-05 -1.9469233179243163e-05) (local.get $pv2))) (local.get $pv8))))))
      (v128.or
        (f64x2.div (f64x2.sub (v128.const f64x2 1 1) (local.get $e)) (f64x2.add (v128.const f64x2 1 1) (local.get $e)))
        (v128.and (local.get $x) (v128.const i64x2 0x8000000000000000 0x8000000000000000)))
      (f64x2.lt (local.get $a) (v128.const f64x2 0.55 0.55))))

  (func $m_sigmoid (param $x v128) (result v128)
    (local $e v128)
    (local.set $e (call $m_exp (f64x2.neg (f64x2.abs (local.get $x)))))
    (f64x2.div
      (v128.bitselect (v128.const f64x2 1 1) (local.get $e) (f64x2.ge (local.get $x) (v128.const f64x2 0 0)))
      (f64x2.add (v128.const f64x2 1 1) (local.get $e))))

  ;; erfcx(u) = e^(u^2)*erfc(u) for u >= 0.
  (func $m_erfcx (param $u v128) (result v128)
    (local $pv2 v128) (local $pv4 v128) (local $pv8 v128) (local $pv16 v128)
    (local $m v128)
    (local.set $m (f64x2.lt (local.get $u) (v128.const f64x2 2 2)))
    (f64x2.div (block (result v128) (local.set $pv2 (f64x2.mul (local.get $u) (local.get $u))) (local.set $pv4 (f64x2.mul (local.get $pv2) (local.get $pv2))) (local.set $pv8 (f64x2.mul (local.get $pv4) (local.get $pv4))) (local.set $pv16 (f64x2.mul (local.get $pv8) (local.get $pv8))) (f64x2.add (f64x2.add (f64x2.add (v128.bitselect (v128.const f64x2 1.0 1.0) (v128.const f64x2 0.9999815621150024 0.9999815621150024) (local.get $m)) (f64x2.mul (v128.bitselect (v128.const f64x2 1.5691344897853992 1.5691344897853992) (v128.const f64x2 2.1483812518324727 2.1483812518324727) (local.get $m)) (local.get $u))) (f64x2.mul (f64x2.add (v128.bitselect (v128.const f64x2 1.2454817022316451 1.2454817022316451) (v128.const f64x2 2.246037194888142 2.246037194888142) (local.get $m)) (f64x2.mul (v128.bitselect (v128.const f64x2 0.608045283722806 0.608045283722806) (v128.const f64x2 1.4623275300207703 1.4623275300207703) (local.get $m)) (local.get $u))) (local.get $pv2))) (f64x2.mul (f64x2.add (f64x2.add (v128.bitselect (v128.const f64x2 0.19411050114120848 0.19411050114120848) (v128.const f64x2 0.6392993970649269 0.6392993970649269) (local.get $m)) (f64x2.mul (v128.bitselect (v128.const f64x2 0.04016851799717221 0.04016851799717221) (v128.const f64x2 0.19044876284000847 0.19044876284000847) (local.get $m)) (local.get $u))) (f64x2.mul (f64x2.add (v128.bitselect (v128.const f64x2 0.004981631245456297 0.004981631245456297) (v128.const f64x2 0.036343518240266194 0.036343518240266194) (local.get $m)) (f64x2.mul (v128.bitselect (v128.const f64x2 0.00028641107025546874 0.00028641107025546874) (v128.const f64x2 0.003913353236260283 0.003913353236260283) (local.get $m)) (local.get $u))) (local.get $pv2))) (local.get $pv4)))) (block (result v128) (local.set $pv2 (f64x2.mul (local.get $u) (local.get $u))) (local.set $pv4 (f64x2.mul (local.get $pv2) (local.get $pv2))) (local.set $pv8 (f64x2.mul (local.get $pv4) (local.get $pv4))) (local.set $pv16 (f64x2.mul (local.get $pv8) (local.get $pv8))) (f64x2.add (f64x2.add (f64x2.add (f64x2.add (v128.bitselect (v128.const f64x2 1.0 1.0) (v128.const f64x2 1.0 1.0) (local.get $m)) (f64x2.mul (v128.bitselect (v128.const f64x2 2.6975136568809117 2.6975136568809117) (v128.const f64x2 3.2766304927870253 3.2766304927870253) (local.get $m)) (local.get $u))) (f64x2.mul (f64x2.add (v128.bitselect (v128.const f64x2 3.2892999156117013 3.2892999156117013) (v128.const f64x2 4.943772094943888 4.943772094943888) (local.get $m)) (f64x2.mul (v128.bitselect (v128.const f64x2 2.374361904010758 2.374361904010758) (v128.const f64x2 4.515351523675122 4.515351523675122) (local.get $m)) (local.get $u))) (local.get $pv2))) (f64x2.mul (f64x2.add (f64x2.add (v128.bitselect (v128.const f64x2 1.1132032354149801 1.1132032354149801) (v128.const f64x2 2.757220838992968 2.757220838992968) (local.get $m)) (f64x2.mul (v128.bitselect (v128.const f64x2 0.3484512357510962 0.3484512357510962) (v128.const f64x2 1.1653372799677997 1.1653372799677997) (local.get $m)) (local.get $u))) (f64x2.mul (f64x2.add (v128.bitselect (v128.const f64x2 0.07145208190297665 0.07145208190297665) (v128.const f64x2 0.3410297621669529 0.3410297621669529) (local.get $m)) (f64x2.mul (v128.bitselect (v128.const f64x2 0.008829626503781626 0.008829626503781626) (v128.const f64x2 0.06441720885949244 0.06441720885949244) (local.get $m)) (local.get $u))) (local.get $pv2))) (local.get $pv4))) (f64x2.mul (v128.bitselect (v128.const f64x2 0.0005076529476800004 0.0005076529476800004) (v128.const f64x2 0.006936238013569054 0.006936238013569054) (local.get $m)) (local.get $pv8))))))

  ;; e^(-c*a^2) * 2^bias for a >= 0 (finite), c = 1 or 1/2, without the rounding error of a^2.
  (func $m_expnegsq (param $a v128) (param $c v128) (param $bias v128) (result v128)
    (local $ah v128)
    (local.set $ah (v128.and (local.get $a) (v128.const i64x2 0xfffffffff8000000 0xfffffffff8000000)))
    (call $m_expdd
      (f64x2.neg (f64x2.mul (local.get $c) (f64x2.mul (local.get $ah) (local.get $ah))))
      (f64x2.neg (f64x2.mul (local.get $c)
        (f64x2.mul (f64x2.sub (local.get $a) (local.get $ah)) (f64x2.add (local.get $a) (local.get $ah)))))
      (local.get $bias)))

  (func $m_erf (param $x v128) (result v128)
    (local $pv2 v128) (local $pv4 v128) (local $pv8 v128) (local $pv16 v128)
    (local $a v128) (local $s v128)
    (local.set $a (f64x2.pmin (f64x2.abs (local.get $x)) (v128.const f64x2 40 40)))
    (local.set $s (f64x2.mul (local.get $x) (local.get $x)))
    (v128.bitselect
      (f64x2.mul (local.get $x) (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (v128.const f64x2 -7.77682913736281e-10 -7.77682913736281e-10) (local.get $s)) (v128.const f64x2 1.3709519207384055e-08 1.3709519207384055e-08)) (local.get $s)) (v128.const f64x2 -1.6205964194101388e-07 -1.6205964194101388e-07)) (local.get $s)) (v128.const f64x2 1.6447084274239356e-06 1.6447084274239356e-06)) (local.get $s)) (v128.const f64x2 -1.4924708324571507e-05 -1.4924708324571507e-05)) (local.get $s)) (v128.const f64x2 0.00012055293361789941 0.00012055293361789941)) (local.get $s)) (v128.const f64x2 -0.0008548325921832884 -0.0008548325921832884)) (local.get $s)) (v128.const f64x2 0.005223977605955977 0.005223977605955977)) (local.get $s)) (v128.const f64x2 -0.026866170643090832 -0.026866170643090832)) (local.get $s)) (v128.const f64x2 0.1128379167094405 0.1128379167094405)) (local.get $s)) (v128.const f64x2 -0.37612638903183515 -0.37612638903183515)) (local.get $s)) (v128.const f64x2 1.1283791670955126 1.1283791670955126)))
      (v128.or
        (f64x2.sub (v128.const f64x2 1 1)
          (f64x2.mul (call $m_expnegsq (local.get $a) (v128.const f64x2 1 1) (v128.const i64x2 0 0)) (call $m_erfcx (local.get $a))))
        (v128.and (local.get $x) (v128.const i64x2 0x8000000000000000 0x8000000000000000)))
      (f64x2.lt (local.get $a) (v128.const f64x2 1 1))))

  ;; S*Phi(x) and S*e^(-x^2/2) (two results), S = 2^64 in the lanes of $sm, else 1: far tails
  ;; whose phi is subnormal while the final result is not are computed scaled and unscaled once.
  (func $m_phi (param $x v128) (param $sm v128) (result v128 v128)
    (local $pv2 v128) (local $pv4 v128) (local $pv8 v128) (local $pv16 v128)
    (local $a v128) (local $e v128) (local $h v128) (local $u v128) (local $s v128) (local $sc v128)
    (local.set $sc (v128.bitselect (v128.const f64x2 0x1p64 0x1p64) (v128.const f64x2 1 1) (local.get $sm)))
    (local.set $a (f64x2.pmin (f64x2.abs (local.get $x)) (v128.const f64x2 40 40)))
    (local.set $e (call $m_expnegsq (local.get $a) (v128.const f64x2 0.5 0.5)
      (v128.and (local.get $sm) (v128.const i64x2 64 64))))
    (local.set $h (f64x2.mul (f64x2.mul (v128.const f64x2 0.5 0.5) (local.get $e))
      (call $m_erfcx (f64x2.mul (local.get $a) (v128.const f64x2 0.7071067811865476 0.7071067811865476)))))
    (local.set $u (f64x2.mul (local.get $x) (v128.const f64x2 0.7071067811865476 0.7071067811865476)))
    (local.set $s (f64x2.mul (local.get $u) (local.get $u)))
    (v128.bitselect
      (f64x2.add (v128.const f64x2 0.5 0.5) (f64x2.mul (v128.const f64x2 0.5 0.5) (f64x2.mul (local.get $u) (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (v128.const f64x2 -7.77682913736281e-10 -7.77682913736281e-10) (local.get $s)) (v128.const f64x2 1.3709519207384055e-08 1.3709519207384055e-08)) (local.get $s)) (v128.const f64x2 -1.6205964194101388e-07 -1.6205964194101388e-07)) (local.get $s)) (v128.const f64x2 1.6447084274239356e-06 1.6447084274239356e-06)) (local.get $s)) (v128.const f64x2 -1.4924708324571507e-05 -1.4924708324571507e-05)) (local.get $s)) (v128.const f64x2 0.00012055293361789941 0.00012055293361789941)) (local.get $s)) (v128.const f64x2 -0.0008548325921832884 -0.0008548325921832884)) (local.get $s)) (v128.const f64x2 0.005223977605955977 0.005223977605955977)) (local.get $s)) (v128.const f64x2 -0.026866170643090832 -0.026866170643090832)) (local.get $s)) (v128.const f64x2 0.1128379167094405 0.1128379167094405)) (local.get $s)) (v128.const f64x2 -0.37612638903183515 -0.37612638903183515)) (local.get $s)) (v128.const f64x2 1.1283791670955126 1.1283791670955126)))))
      (v128.bitselect (local.get $h)
        (f64x2.mul (local.get $sc) (f64x2.sub (v128.const f64x2 1 1) (f64x2.div (local.get $h) (local.get $sc))))
        (f64x2.lt (local.get $x) (v128.const f64x2 0 0)))
      (f64x2.lt (local.get $a) (v128.const f64x2 0.5 0.5)))
    (local.get $e))

  ;; 2^-64 in the lanes of $sm, else 1.
  (func $m_unscale (param $sm v128) (result v128)
    (v128.bitselect (v128.const f64x2 0x1p-64 0x1p-64) (v128.const f64x2 1 1) (local.get $sm)))

  (func $m_gelu (param $x v128) (result v128)
    (local $e v128) (local $sm v128)
    (local.set $sm (f64x2.lt (local.get $x) (v128.const f64x2 -20 -20)))
    (call $m_phi (local.get $x) (local.get $sm))
    (local.set $e)
    (f64x2.mul (local.get $x))
    (f64x2.mul (call $m_unscale (local.get $sm))))

  (func $m_geluSlope (param $x v128) (result v128)
    (local $e v128) (local $p v128) (local $sm v128)
    (local.set $sm (f64x2.gt (f64x2.abs (local.get $x)) (v128.const f64x2 20 20)))
    (call $m_phi (local.get $x) (local.get $sm))
    (local.set $e)
    (local.set $p)
    (f64x2.mul (call $m_unscale (local.get $sm))
      (f64x2.add (local.get $p)
        (f64x2.mul (local.get $x) (f64x2.mul (v128.const f64x2 0.3989422804014327 0.3989422804014327) (local.get $e))))))

  (func $m_geluCurv (param $x v128) (result v128)
    (local $sm v128)
    (local.set $sm (f64x2.gt (f64x2.abs (local.get $x)) (v128.const f64x2 20 20)))
    (f64x2.mul (call $m_unscale (local.get $sm))
      (f64x2.mul
        (f64x2.mul (v128.const f64x2 0.3989422804014327 0.3989422804014327)
          (call $m_expnegsq (f64x2.pmin (f64x2.abs (local.get $x)) (v128.const f64x2 40 40)) (v128.const f64x2 0.5 0.5)
            (v128.and (local.get $sm) (v128.const i64x2 64 64))))
        (f64x2.sub (v128.const f64x2 2 2) (f64x2.mul (local.get $x) (local.get $x))))))

  ;; Dispatch: 0 exp, 1 tanh, 2 sigmoid, 3 erf, 4 gelu, 5 geluSlope, 6 geluCurv.
  (func $m_op (param $op i32) (param $v v128) (result v128)
    (block $b6 (block $b5 (block $b4 (block $b3 (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b2 $b3 $b4 $b5 $b6 (local.get $op)))
      (return (call $m_exp (local.get $v))))
      (return (call $m_tanh (local.get $v))))
      (return (call $m_sigmoid (local.get $v))))
      (return (call $m_erf (local.get $v))))
      (return (call $m_gelu (local.get $v))))
      (return (call $m_geluSlope (local.get $v))))
    (call $m_geluCurv (local.get $v)))

  (func $m_map_f64 (param $op i32) (param $x i32) (param $out i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $vd
      (loop $v
        (br_if $vd (i32.ge_u (local.get $out) (local.get $end)))
        (v128.store (local.get $out) (call $m_op (local.get $op) (v128.load (local.get $x))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $v)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (f64.store (local.get $out)
          (f64x2.extract_lane 0 (call $m_op (local.get $op) (f64x2.splat (f64.load (local.get $x)))))))))

  (func $m_map_f32 (param $op i32) (param $x i32) (param $out i32) (param $n i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vd
      (loop $l
        (br_if $vd (i32.ge_u (local.get $out) (local.get $end)))
        (local.set $v (v128.load (local.get $x)))
        (v128.store (local.get $out)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (call $m_op (local.get $op) (f64x2.promote_low_f32x4 (local.get $v))))
            (f32x4.demote_f64x2_zero (call $m_op (local.get $op) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $l)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $sd
      (loop $s
        (br_if $sd (i32.ge_u (local.get $out) (local.get $end)))
        (f32.store (local.get $out)
          (f32.demote_f64 (f64x2.extract_lane 0
            (call $m_op (local.get $op) (f64x2.splat (f64.promote_f32 (f32.load (local.get $x))))))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $s))))

  (func (export "exp_f64") (param i32 i32 i32) (call $m_map_f64 (i32.const 0) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "exp_f32") (param i32 i32 i32) (call $m_map_f32 (i32.const 0) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "tanh_f64") (param i32 i32 i32) (call $m_map_f64 (i32.const 1) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "tanh_f32") (param i32 i32 i32) (call $m_map_f32 (i32.const 1) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "sigmoid_f64") (param i32 i32 i32) (call $m_map_f64 (i32.const 2) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "sigmoid_f32") (param i32 i32 i32) (call $m_map_f32 (i32.const 2) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "erf_f64") (param i32 i32 i32) (call $m_map_f64 (i32.const 3) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "erf_f32") (param i32 i32 i32) (call $m_map_f32 (i32.const 3) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "gelu_f64") (param i32 i32 i32) (call $m_map_f64 (i32.const 4) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "gelu_f32") (param i32 i32 i32) (call $m_map_f32 (i32.const 4) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "geluSlope_f64") (param i32 i32 i32) (call $m_map_f64 (i32.const 5) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "geluSlope_f32") (param i32 i32 i32) (call $m_map_f32 (i32.const 5) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "geluCurv_f64") (param i32 i32 i32) (call $m_map_f64 (i32.const 6) (local.get 0) (local.get 1) (local.get 2)))
  (func (export "geluCurv_f32") (param i32 i32 i32) (call $m_map_f32 (i32.const 6) (local.get 0) (local.get 1) (local.get 2)))

  ;; Fused backward ops on (g, y): 0 tanh: g*((1-y)(1+y)), 1 sigmoid: g*(y*(1-y)).
  (func $m_bwd (param $op i32) (param $g v128) (param $y v128) (result v128)
    (if (result v128) (local.get $op)
      (then (f64x2.mul (local.get $g) (f64x2.mul (local.get $y) (f64x2.sub (v128.const f64x2 1 1) (local.get $y)))))
      (else (f64x2.mul (local.get $g)
        (f64x2.mul (f64x2.sub (v128.const f64x2 1 1) (local.get $y)) (f64x2.add (v128.const f64x2 1 1) (local.get $y)))))))

  (func $m_bwd_f64 (param $op i32) (param $g i32) (param $y i32) (param $out i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3))))
    (block $vd
      (loop $v
        (br_if $vd (i32.ge_u (local.get $out) (local.get $end)))
        (v128.store (local.get $out) (call $m_bwd (local.get $op) (v128.load (local.get $g)) (v128.load (local.get $y))))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $v)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (f64.store (local.get $out)
          (f64x2.extract_lane 0 (call $m_bwd (local.get $op)
            (f64x2.splat (f64.load (local.get $g))) (f64x2.splat (f64.load (local.get $y)))))))))

  (func $m_bwd_f32 (param $op i32) (param $g i32) (param $y i32) (param $out i32) (param $n i32)
    (local $end i32) (local $gv v128) (local $yv v128)
    (local.set $end (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vd
      (loop $l
        (br_if $vd (i32.ge_u (local.get $out) (local.get $end)))
        (local.set $gv (v128.load (local.get $g)))
        (local.set $yv (v128.load (local.get $y)))
        (v128.store (local.get $out)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (call $m_bwd (local.get $op)
              (f64x2.promote_low_f32x4 (local.get $gv)) (f64x2.promote_low_f32x4 (local.get $yv))))
            (f32x4.demote_f64x2_zero (call $m_bwd (local.get $op)
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $gv) (local.get $gv)))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $yv) (local.get $yv)))))))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $l)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $sd
      (loop $s
        (br_if $sd (i32.ge_u (local.get $out) (local.get $end)))
        (f32.store (local.get $out)
          (f32.demote_f64 (f64x2.extract_lane 0 (call $m_bwd (local.get $op)
            (f64x2.splat (f64.promote_f32 (f32.load (local.get $g))))
            (f64x2.splat (f64.promote_f32 (f32.load (local.get $y))))))))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $s))))

  (func (export "tanhBackward_f64") (param i32 i32 i32 i32) (call $m_bwd_f64 (i32.const 0) (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "tanhBackward_f32") (param i32 i32 i32 i32) (call $m_bwd_f32 (i32.const 0) (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "sigmoidBackward_f64") (param i32 i32 i32 i32) (call $m_bwd_f64 (i32.const 1) (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "sigmoidBackward_f32") (param i32 i32 i32 i32) (call $m_bwd_f32 (i32.const 1) (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
