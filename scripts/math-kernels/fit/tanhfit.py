exec(open('/tmp/mk2/rat.py').read())
import json
T0 = mp.mpf(sys.argv[1]); n=int(sys.argv[2]); m=int(sys.argv[3])
f = lambda s: (mp.tanh(mp.sqrt(s))-mp.sqrt(s))/(s*mp.sqrt(s)) if s > 0 else mp.mpf(-1)/3
nodes = cheb(mp.mpf(0), T0**2, 6*(n+m))
nodes[0] = mp.mpf('1e-30')
P, Q = ratfit(f, nodes, n, m)
err = 0
for s in mp.linspace(mp.mpf('1e-20'), T0**2, 1500):
    err = max(err, abs(hf(P,s)/hf(Q,s)/f(s) - 1))
print(T0, n, m, 'R relerr', mp.nstr(err,3), 'ulp', mp.nstr(err*2**53,3)); print(json.dumps({'P':P,'Q':Q}))
