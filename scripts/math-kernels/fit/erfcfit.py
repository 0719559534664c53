exec(open('/tmp/mk2/rat.py').read())
import json
A0 = mp.mpf(sys.argv[1]); B = mp.mpf(sys.argv[2]); n=int(sys.argv[3]); m=int(sys.argv[4])
f = lambda u: mp.erfc(u)*mp.exp(u*u)
nodes = cheb(A0, B, 8*(n+m))
P, Q = ratfit(f, nodes, n, m, w=lambda u: mp.erfc(u))
err = 0; rel = 0
for u in mp.linspace(A0, B, 1500):
    e = abs(hf(P,u)/hf(Q,u)/f(u) - 1)
    err = max(err, e*mp.erfc(u)); rel = max(rel, e)
print(n, m, 'abs erfc err', mp.nstr(err,3), 'in ulp(1/2)', mp.nstr(err*2**53,3), 'maxrel', mp.nstr(rel,3)); print(json.dumps({'P':P,'Q':Q}))
