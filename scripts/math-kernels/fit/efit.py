import sys; sys.path.insert(0,'/tmp/mk2'); from fit import *
mp.mp.dps = 50
E = lambda s: mp.erf(mp.sqrt(s))/mp.sqrt(s) if s != 0 else 2/mp.sqrt(mp.pi)
for S, d in [(mp.mpf(1)/8, 6), (mp.mpf(1)/8, 7), (mp.mpf(1)/8, 8)]:
    c = fit(E, mp.mpf(0), S, d, npts=60, weight=lambda s: 1/E(s))
    cf = [float(v) for v in c]
    err = max(abs(horner([mp.mpf(v) for v in cf], s)/E(s)-1) for s in mp.linspace(0, S, 800))
    print(float(S), d, mp.nstr(err*2**53, 3), cf)
