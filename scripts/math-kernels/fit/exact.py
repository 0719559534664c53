# Exact values (mpmath, 40 digits) on the accuracy grid, as double-double (hi, lo) and the ulp scale.
import json, math, sys
import mpmath as mp
mp.mp.dps = 40
def grid():
    xs = []
    x = -8.0
    while x <= 8: xs.append(x); x += 1/1024
    t = 1e-300
    while t < 800: xs += [t, -t]; t *= 1.0137
    x = -40.0
    while x <= 40: xs.append(x); x += 0.01234567
    xs += [0, -0.0, 5e-324, -5e-324, 1e-310, 709.78, 709.79, -745.1, -745.2, 0.55, -0.55, 0.5499999999999999, 1, -1, 2, 1.9999999999999998, 0.625, -0.625, 0.6249999999999999, 6, -6, 37.5, -37.5, 20, -20]
    return xs
s2 = mp.sqrt(2); isp = 1/mp.sqrt(2*mp.pi)
def Phi(x): return mp.erfc(-x/s2)/2
ops = {
 'exp': lambda x: (mp.exp(x), None),
 'tanh': lambda x: (mp.tanh(x), None),
 'sigmoid': lambda x: (1/(1+mp.exp(-x)), None),
 'erf': lambda x: (mp.erf(x), None),
 'gelu': lambda x: (x*Phi(x), None),
 'geluSlope': lambda x: (Phi(x) + x*isp*mp.exp(-x*x/2), max(abs(Phi(x)), abs(x*isp*mp.exp(-x*x/2)))),
 'geluCurv': lambda x: (isp*mp.exp(-x*x/2)*(2-x*x), isp*mp.exp(-x*x/2)*max(2, x*x)),
}
xs = grid()
op = sys.argv[1]
f = ops[op]; out = []
for x in xs:
    ex, sc = f(mp.mpf(x))
    hi = float(ex)
    lo = float(ex - hi) if math.isfinite(hi) else 0.0
    out.append([hi, lo, float(sc) if sc is not None else abs(hi)])
json.dump({'x': xs, 'v': out}, open(f'/tmp/mk2/exact-{op}.json', 'w'))
print(op, len(xs))
