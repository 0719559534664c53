import sys, json; sys.path.insert(0,'/tmp/mk2'); from fit import *
mp.mp.dps = 50
out = {}
# exp: e^r = 1 + r + r^2*(C2 + C3 r + C4 r^2 + C5 r^3), |r| <= ln2/128 (plus margin)
L = mp.log(2)/128*mp.mpf('1.02')
Q = lambda r: (mp.exp(r)-1-r)/r**2 if r != 0 else mp.mpf(1)/2
c = fit(Q, -L, L, 3, npts=60, weight=lambda r: r**2/mp.exp(r))
out['expC'] = [float(v) for v in c]
err = max(abs((1+r+r**2*horner([mp.mpf(float(v)) for v in c], r))/mp.exp(r)-1) for r in mp.linspace(-L, L, 2001))
print('exp poly rel err', mp.nstr(err, 3), 'ulp', mp.nstr(err*2**53, 3))
# table: entry j: s_j = 2^(j/64) rounded; tail_j = (2^(j/64) - s_j)/s_j
tab = []
for j in range(64):
    t = mp.power(2, mp.mpf(j)/64); s = float(t)
    tab.append((float((t - s)/s), s))
out['expTab'] = tab
out['consts'] = {'invL': float(64/mp.log(2)), 'Lhi': None}
json.dump(out, open('/tmp/mk2/coef2.json','w'), indent=1)
print(out['expC'])
