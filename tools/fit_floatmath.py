#!/usr/bin/env python3
"""Fits the float32 exp polynomial of org.reparamcl.rng.FloatMath and kernels/reparam.cl.

exp(r) = 1 + r + r^2 * E(r) on r in [-ln2/2, ln2/2] (after the Cody-Waite reduction
x = k ln2 + r). Least squares on Chebyshev nodes in float64 (close to minimax here), each
coefficient rounded to float32. Prints the coefficients as float32 hex literals and the max
relative error of the float64 evaluation of the rounded polynomial. Requires numpy; not part of
the build or the tests: the coefficients printed for degree 4 are the ones in FloatMath.java.
"""
import numpy as np

def cheb_nodes(a, b, n=4000):
    k = np.arange(n)
    return 0.5 * (a + b) + 0.5 * (b - a) * np.cos((2 * k + 1) * np.pi / (2 * n))

def hexf(v):
    return float(np.float32(v)).hex()

h = np.log(2.0) / 2
E = lambda r: np.where(np.abs(r) < 1e-5, 0.5 + r / 6 + r * r / 24, (np.exp(r) - 1 - r) / (r * r))
x = cheb_nodes(-h, h)
for deg in (3, 4, 5):
    A = np.stack([x ** k for k in range(deg + 1)], axis=1)
    c, *_ = np.linalg.lstsq(A, E(x), rcond=None)
    c = np.array(c, dtype=np.float32)
    r = np.linspace(-h, h, 200001)
    approx = 1 + r + r * r * np.polyval(c[::-1].astype(np.float64), r)
    err = np.max(np.abs(approx - np.exp(r)) / np.exp(r))
    print(f"exp E degree {deg}: max rel err {err:.3e}")
    print("  E =", [hexf(v) for v in c])
