#!/usr/bin/env python3
"""Fits the float32 polynomial coefficients used by the noise stream (docs/NOISE.md).

Least squares on Chebyshev nodes (close to minimax for these smooth functions), in float64,
then each coefficient is rounded to float32 (constant terms included: they are fitted, not
pinned, so log's Q0 is -0x1.fffffep-2 rather than -1/2). Prints the coefficients as float32 hex literals and the max error of the float64
evaluation of the rounded polynomial. Requires numpy; not part of the build or the tests:
the coefficients it printed are the ones written in NormalTransform.java and normal.cl.
"""
import numpy as np

def cheb_nodes(a, b, n=4000):
    k = np.arange(n)
    return 0.5 * (a + b) + 0.5 * (b - a) * np.cos((2 * k + 1) * np.pi / (2 * n))

def fit(f, basis, a, b, fixed=None):
    x = cheb_nodes(a, b)
    A = np.stack([bf(x) for bf in basis], axis=1)
    y = f(x)
    if fixed is not None:                    # subtract fixed terms
        for i, v in fixed.items():
            y = y - v * A[:, i]
        free = [i for i in range(len(basis)) if i not in fixed]
        c, *_ = np.linalg.lstsq(A[:, free], y, rcond=None)
        out = np.zeros(len(basis)); out[free] = c
        for i, v in fixed.items(): out[i] = v
        return out
    c, *_ = np.linalg.lstsq(A, f(x), rcond=None)
    return c

def f32(c): return np.array(c, dtype=np.float32)

def hexf(v): return float(np.float32(v)).hex()

SQH = float(np.float32(np.sqrt(0.5)))
# log1p(t) = t + t^2 * Q(t), t = m - 1, m in [sqrt(1/2), sqrt(2))
lo, hi = SQH - 1.0, 2.0 * SQH - 1.0
Q = lambda t: np.where(np.abs(t) < 1e-4, -0.5 + t / 3 - t * t / 4, (np.log1p(t) - t) / (t * t))
for deg in (8, 9, 10):
    c = f32(fit(Q, [lambda t, k=k: t ** k for k in range(deg + 1)], lo, hi))
    t = np.linspace(lo, hi, 200001)
    approx = t + t * t * np.polyval(c[::-1].astype(np.float64), t)
    err = np.max(np.abs(approx - np.log1p(t)) / np.maximum(np.abs(np.log1p(t)), 1e-300))
    print(f"log Q degree {deg}: max rel err {err:.3e}")
    if deg == 8:
        print("  Q =", [hexf(v) for v in c])
# sin(pi/2 f) = f * S(f^2), cos(pi/2 f) = 1 + f^2 * C(f^2), f in [-1/2, 1/2]
S = lambda x: np.where(x == 0, np.pi / 2, np.sin(np.pi / 2 * np.sqrt(x)) / np.sqrt(np.maximum(x, 1e-300)))
C = lambda x: np.where(x == 0, -np.pi ** 2 / 8, (np.cos(np.pi / 2 * np.sqrt(x)) - 1) / np.maximum(x, 1e-300))
for deg in (3, 4, 5):
    cs = f32(fit(S, [lambda x, k=k: x ** k for k in range(deg + 1)], 0.0, 0.25))
    cc = f32(fit(C, [lambda x, k=k: x ** k for k in range(deg + 1)], 0.0, 0.25))
    f = np.linspace(-0.5, 0.5, 200001); x = f * f
    es = np.max(np.abs(f * np.polyval(cs[::-1].astype(np.float64), x) - np.sin(np.pi / 2 * f)))
    ec = np.max(np.abs(1 + x * np.polyval(cc[::-1].astype(np.float64), x) - np.cos(np.pi / 2 * f)))
    print(f"sincos degree {deg}: sin abs err {es:.3e}, cos abs err {ec:.3e}")
    if deg == 3:
        print("  S =", [hexf(v) for v in cs])
        print("  C =", [hexf(v) for v in cc])
