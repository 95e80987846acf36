#!/usr/bin/env python3
"""Fits the polynomial of the CPU backend's GELU (backend-cpu VecMath.gelu) and prints its coefficients.

GELU(x) = x*Phi(x). For |x| <= T, Phi(x) = 1/2 + x*Q(t) with t = 2x^2/T^2 - 1 in [-1, 1]; Q is fitted as a
Chebyshev series in t (weighted least squares, reweighted towards equal ripple in x*Q), then written in powers of t:
their sum of magnitudes is 0.4, so evaluating them in float loses no more than a few float roundings. Past T the
true Phi is within 1.9e-8 of 0 or 1 and GELU is taken as 0 or x. Needs numpy. Usage: scripts/gelu-fit.py [T] [degree]
"""
import math
import sys

import numpy as np
from numpy.polynomial import chebyshev

T = float(sys.argv[1]) if len(sys.argv) > 1 else 5.5
DEGREE = int(sys.argv[2]) if len(sys.argv) > 2 else 14

x = np.cos(np.linspace(0, np.pi, 20000)) * T
x = x[x > 1e-9]
t = 2 * x * x / (T * T) - 1
half_erf = np.array([0.5 * math.erf(v / math.sqrt(2)) for v in x])  # Phi(x) - 1/2
weights = x.copy()
for _ in range(60):
    series = chebyshev.chebfit(t, half_erf / x, DEGREE, w=weights)
    err = np.abs(x * chebyshev.chebval(t, series) - half_erf)
    weights = weights * (err / err.max() + 1e-3) ** 0.5
powers = chebyshev.cheb2poly(series)
print(f"// T = {T}, degree {DEGREE}: max |Phi error| {err.max():.2e} in double; sum |coefficient| "
      f"{np.abs(powers).sum():.2f}")
for k, c in enumerate(powers):
    print(f"    private static final float G{k} = {str(np.float32(c))}f;")
