import sys; sys.path.insert(0,'/tmp/mk2'); from fit import *
mp.mp.dps = 50
def ratfit(f, nodes, n, m, w=lambda z: 1, iters=10):
    fv = [f(z) for z in nodes]; qprev = [mp.mpf(1)]*len(nodes)
    for it in range(iters):
        A = mp.matrix(len(nodes), n+1+m); y = mp.matrix(len(nodes),1)
        for i,z in enumerate(nodes):
            ww = w(z)/(fv[i]*qprev[i])
            for j in range(n+1): A[i,j] = ww*z**j
            for j in range(1,m+1): A[i,n+j] = -ww*fv[i]*z**j
            y[i] = ww*fv[i]
        c = mp.qr_solve(A,y)[0]
        P = [c[j] for j in range(n+1)]; Q = [mp.mpf(1)]+[c[n+j] for j in range(1,m+1)]
        qprev = [horner(Q,z) for z in nodes]
    return [float(v) for v in P], [float(v) for v in Q]
def cheb(a, b, N): return sorted(set([a+(b-a)*(1-mp.cos(mp.pi*k/N))/2 for k in range(N+1)]))
def hf(c, v):
    s = mp.mpf(0)
    for ci in reversed(c): s = s*v + mp.mpf(ci)
    return s
