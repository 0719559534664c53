exec(open('/tmp/mk2/rat.py').read())
import json
A0 = mp.mpf(sys.argv[1]); B = mp.mpf(sys.argv[2]); n=int(sys.argv[3]); m=int(sys.argv[4])
f = lambda u: mp.erfc(u)*mp.exp(u*u)
nodes = cheb(A0, B, 10*(n+m))
P, Q = ratfit(f, nodes, n, m, iters=12)
rel = 0; at=0
for u in mp.linspace(A0, B, 2500):
    e = abs(hf(P,u)/hf(Q,u)/f(u) - 1)
    if e > rel: rel, at = e, u
print(n, m, 'maxrel ulp', mp.nstr(rel*2**53,3), 'at', mp.nstr(at,4)); print(json.dumps({'P':P,'Q':Q}))
