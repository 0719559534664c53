# Near-minimax (weighted least squares on Chebyshev nodes, relative weight) polynomial fits in mpmath.
import mpmath as mp, sys
mp.mp.dps = 60
def fit(f, a, b, deg, npts=None, weight=None, var=lambda z: z):
    npts = npts or 4*(deg+1)
    nodes = [ (a+b)/2 + (b-a)/2*mp.cos(mp.pi*(k+0.5)/npts) for k in range(npts)]
    A = mp.matrix(npts, deg+1); y = mp.matrix(npts, 1)
    for i,z in enumerate(nodes):
        w = weight(z) if weight else 1
        v = var(z)
        for j in range(deg+1): A[i,j] = w * v**j
        y[i] = w*f(z)
    c = mp.qr_solve(A, y)[0]
    return [c[j] for j in range(deg+1)]
def horner(c, v):
    s = mp.mpf(0)
    for ci in reversed(c): s = s*v + ci
    return s
