"""Small numerical routines ported from R so that results agree with R `survey` to 1e-8.

- `spline_fmm`: R's `spline(x, y, n = 3 * length(x), method = "fmm")` (Forsythe, Malcolm and
  Moler's end conditions, R's src/library/stats/src/splines.c);
- `approx_linear`: R's `approx(x, y, xout)` with `ties = mean` and `rule = 1` (NaN outside);
- `zeroin`: R's `uniroot()` (Brent's zeroin, src/library/stats/src/zeroin.c), so that a root
  found with R's tolerance is the same root;
- `saddle`: survey's saddlepoint approximation to P(sum lambda_i chi2_1 > x) (Kuonen 1999).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

EPS = float(np.finfo(float).eps)


def _fmm_coef(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(x)
    b = np.zeros(n)
    c = np.zeros(n)
    d = np.zeros(n)
    if n < 2:
        raise ValueError("spline needs at least two points")
    if n < 3:
        t = (y[1] - y[0]) / (x[1] - x[0])
        b[:] = t
        return b, c, d
    nm1 = n - 1
    # 0-based port of R's fmm_spline
    d[0] = x[1] - x[0]
    c[1] = (y[1] - y[0]) / d[0]
    for i in range(1, nm1):
        d[i] = x[i + 1] - x[i]
        b[i] = 2.0 * (d[i - 1] + d[i])
        c[i + 1] = (y[i + 1] - y[i]) / d[i]
        c[i] = c[i + 1] - c[i]
    b[0] = -d[0]
    b[nm1] = -d[n - 2]
    c[0] = c[nm1] = 0.0
    if n > 3:
        c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0])
        c[nm1] = c[n - 2] / (x[nm1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4])
        c[0] = c[0] * d[0] * d[0] / (x[3] - x[0])
        c[nm1] = -c[nm1] * d[n - 2] * d[n - 2] / (x[nm1] - x[n - 4])
    for i in range(1, n):
        t = d[i - 1] / b[i - 1]
        b[i] = b[i] - t * d[i - 1]
        c[i] = c[i] - t * c[i - 1]
    c[nm1] = c[nm1] / b[nm1]
    for i in range(n - 2, -1, -1):
        c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
    b[nm1] = (y[nm1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[nm1])
    for i in range(nm1):
        b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i])
        d[i] = (c[i + 1] - c[i]) / d[i]
        c[i] = 3.0 * c[i]
    c[nm1] = 3.0 * c[nm1]
    d[nm1] = d[n - 2]
    return b, c, d


def _spline_eval(u: np.ndarray, x, y, b, c, d) -> np.ndarray:
    n = len(x)
    out = np.empty(len(u))
    i = 0
    for j, ul in enumerate(u):
        if ul < x[i] or (i < n - 1 and x[i + 1] < ul):
            i, k = 0, n
            while True:
                m = (i + k) // 2
                if ul < x[m]:
                    k = m
                else:
                    i = m
                if k <= i + 1:
                    break
        dx = ul - x[i]
        out[j] = y[i] + dx * (b[i] + dx * (c[i] + dx * d[i]))
    return out


def _regularize(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort by x and average y over tied x (R's regularize.values with ties = mean)."""
    o = np.argsort(x, kind="stable")
    x, y = np.asarray(x, float)[o], np.asarray(y, float)[o]
    ux, inv = np.unique(x, return_inverse=True)
    if len(ux) == len(x):
        return x, y
    s = np.bincount(inv, weights=y)
    return ux, s / np.bincount(inv)


def spline_fmm(x, y, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """R's spline(x, y, n = 3 * length(x)): the grid and the fmm spline on it."""
    x, y = _regularize(np.asarray(x, float), np.asarray(y, float))
    nout = 3 * len(x) if n is None else n
    b, c, d = _fmm_coef(x, y)
    xout = np.linspace(x[0], x[-1], nout)
    return xout, _spline_eval(xout, x, y, b, c, d)


def approx_linear(x, y, xout) -> np.ndarray:
    """R's approx(x, y, xout) (linear, ties = mean, NaN outside the range)."""
    x, y = _regularize(np.asarray(x, float), np.asarray(y, float))
    xo = np.atleast_1d(np.asarray(xout, float))
    out = np.interp(xo, x, y)
    out[(xo < x[0]) | (xo > x[-1])] = np.nan
    return out


def zeroin(
    f: Callable[[float], float], ax: float, bx: float, tol: float = 1e-8, maxit: int = 1000
) -> float:
    """Root of f in [ax, bx] by R's R_zeroin2 (the algorithm and tolerance of uniroot)."""
    a, b = ax, bx
    fa, fb = f(a), f(b)
    c, fc = a, fa
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    it = maxit + 1
    while it:
        it -= 1
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * EPS * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


def saddle(x: float, lam: np.ndarray) -> float:
    """survey:::saddle: upper tail of sum(lam * chi2_1) at x; NaN where it does not apply."""
    lam = np.asarray(lam, dtype=float)
    dmax = float(lam.max())
    lam = lam / dmax
    x = x / dmax

    def k0(z: float) -> float:
        return float(-np.sum(np.log(1 - 2 * z * lam)) / 2)

    def kprime(z: float) -> float:
        return float(np.sum(lam / (1 - 2 * z * lam)))

    def kpp(z: float) -> float:
        return float(2 * np.sum(lam**2 / (1 - 2 * z * lam) ** 2))

    if (lam < 0).any():
        lmin = float(np.max(1 / (2 * lam[lam < 0]))) * 0.99999
    elif x > lam.sum():
        lmin = -0.01
    else:
        lmin = -len(lam) / (2 * x)
    lmax = float(np.min(1 / (2 * lam[lam > 0]))) * 0.99999
    z = zeroin(lambda t: kprime(t) - x, lmin, lmax, tol=1e-8)
    w = math.copysign(1.0, z) * math.sqrt(2 * (z * x - k0(z)))
    v = z * math.sqrt(kpp(z))
    if abs(z) < 1e-4:
        return float("nan")
    from scipy.stats import norm

    return float(norm.sf(w + math.log(v / w) / w))
