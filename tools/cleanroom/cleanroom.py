"""Clean-room reimplementation of reparam-cl's noise stream and reparameterized passes.

What it is: an independent NumPy model of what the `reparam` command line computes --
`bits` (Philox4x32-10 words), `noise` (eps, stream version 1), `forward` (z and eps, KL per
parameter row, log q per drawn row) and `backward` (dL/dmu and dL/drho, with or without the
upstream gradients of KL and log q, eps regenerated or given) -- bit for bit, for all four
parameterizations.

How it was made: written from docs/NOISE.md and docs/REPARAM.md only, without reading the
library's source (src/, kernels/). Every constant below is copied from those documents; the
comment above each block names the section. tools/cleanroom/check.py compares it with the CLI
on fresh random inputs. A mismatch therefore means that the documents and the library no
longer describe the same function: either the library changed (a new stream version, a new
polynomial, a different operation order) or the documents are wrong or incomplete. Fix
whichever is wrong; do not "fit" this file to the library.

Arithmetic: every float32 operation is a NumPy float32 operation (IEEE 754 binary32, round to
nearest even), applied to float32 arrays and np.float32 constants only, so that the result type
is float32 under NumPy 1.x (value-based casting) and 2.x (NEP 50) alike. Integer-to-float
conversions go through float64 (exact for |n| < 2^53) and then round once to float32.

fma(a, b, c), the correctly rounded float32 fused multiply-add, is computed exactly as follows:
the float64 product a*b is exact (24 + 24 <= 53 significant bits); s = fl64(a*b + c) with its
exact error err from Knuth's TwoSum (so a*b + c == s + err exactly); if err != 0 and s has an
even last bit, s is moved one float64 ulp towards err (round-to-odd, 53 bits); rounding that
value to float32 is then the correctly rounded result, because round-to-odd at p bits followed by
round-to-nearest at q <= p - 2 bits equals one round-to-nearest at q bits (Boldo & Melquiond),
subnormal float32 results included.

Requires Python 3.11 and NumPy >= 1.24 (Debian bookworm's python3-numpy).
"""
import numpy as np

f32 = np.float32
MASK32 = 0xFFFFFFFF
MASK64 = (1 << 64) - 1


def hexf(literal):
    """A float32 constant from its C hex literal; refuses literals that are not float32 values."""
    v = float.fromhex(literal)
    x = f32(v)
    if float(x) != v:
        raise ValueError(f"{literal} is not a float32 value")
    return x


def bits_to_f32(bits):
    return np.array(bits, dtype=np.uint32).view(np.float32)


def pow2(j):
    """2^j for int64 array j in [-126, 127], built from its exponent bits, (j + 127) << 23."""
    return ((np.asarray(j, np.int64) + 127) << 23).astype(np.int32).view(np.float32)


def int_to_f32(n):
    """float(n), rounded to nearest even, for an integer array with |n| < 2^53."""
    return np.asarray(n).astype(np.float64).astype(np.float32)


# ------------------------------------------------------------------------------------- fma
def fma(a, b, c):
    """Correctly rounded float32 fma (method in the module docstring)."""
    a, b, c = np.broadcast_arrays(np.asarray(a, np.float32), np.asarray(b, np.float32),
                                  np.asarray(c, np.float32))
    shape = a.shape
    a, b, c = (np.ravel(v).astype(np.float64) for v in (a, b, c))
    with np.errstate(over="ignore", invalid="ignore"):
        p = a * b                                   # exact
        s = p + c
        bv = s - p
        err = (p - (s - bv)) + (c - bv)             # TwoSum: p + c == s + err exactly
        even = (s.view(np.uint64) & np.uint64(1)) == np.uint64(0)
        fix = (err != 0) & even & np.isfinite(s)
        s = np.where(fix, np.nextafter(s, np.where(err > 0, np.inf, -np.inf)), s)
        return s.astype(np.float32).reshape(shape)


# ------------------------------------------------------------- Philox4x32-10 (NOISE.md §1)
# NOISE.md §1, constants table (Random123 PHILOX_M4x32_0/1, PHILOX_W32_0/1).
PHILOX_M0 = 0xD2511F53
PHILOX_M1 = 0xCD9E8D57
PHILOX_W0 = 0x9E3779B9
PHILOX_W1 = 0xBB67AE85


def philox4x32_10(c0, c1, c2, c3, k0, k1):
    """philox4x32_R(10, ctr, key) on arrays of counter words (NOISE.md §1, "One round").

    c0..c3: integer arrays (or ints) of 32-bit counter words; k0, k1: ints. Returns an (n, 4)
    uint32 array, lanes 0..3 of each output block."""
    c = [np.atleast_1d(np.asarray(v, np.uint64)) & np.uint64(MASK32)
         for v in np.broadcast_arrays(c0, c1, c2, c3)]
    c0, c1, c2, c3 = c
    m0, m1, lo = np.uint64(PHILOX_M0), np.uint64(PHILOX_M1), np.uint64(MASK32)
    sh = np.uint64(32)
    for rnd in range(10):
        if rnd:                                     # key bump before rounds 2..10
            k0 = (k0 + PHILOX_W0) & MASK32
            k1 = (k1 + PHILOX_W1) & MASK32
        p0 = m0 * c0                                # < 2^64: exact in uint64
        p1 = m1 * c2
        c0, c1, c2, c3 = ((p1 >> sh) ^ c1 ^ np.uint64(k0), p1 & lo,
                          (p0 >> sh) ^ c3 ^ np.uint64(k1), p0 & lo)
    return np.stack([c0, c1, c2, c3], axis=-1).astype(np.uint32)


def words(seed, stream, offset, n):
    """Words offset .. offset+n-1 of (seed, stream) as uint32 (NOISE.md §1, "Layout").

    seed, stream, offset: Python ints (negative ones are taken mod 2^64); offset + n <= 2^64."""
    seed, stream, offset = seed & MASK64, stream & MASK64, offset & MASK64
    if n == 0:
        return np.zeros(0, np.uint32)
    assert offset + n <= 1 << 64, "past the end of the stream"
    first, last = offset >> 2, (offset + n - 1) >> 2
    b = np.uint64(first) + np.arange(last - first + 1, dtype=np.uint64)   # block numbers < 2^62
    blocks = philox4x32_10(b & np.uint64(MASK32), b >> np.uint64(32),
                           stream & MASK32, stream >> 32, seed & MASK32, seed >> 32)
    start = offset & 3
    return blocks.reshape(-1)[start:start + n].copy()


# ---------------------------------------------------- words -> eps (NOISE.md §2.2 .. §2.7)
# NOISE.md §2.2, constants table (hex literals; the "bits" column is checked by check.py).
SQRT_HALF_BITS = 0x3F3504F3
LN2_HI = hexf("0x1.63p-1")
LN2_LO = hexf("-0x1.bd0106p-13")
Q = [hexf(h) for h in ("-0x1.fffffep-2", "0x1.55554ep-2", "-0x1.000206p-2", "0x1.99a3ecp-3",
                       "-0x1.548882p-3", "0x1.22973ap-3", "-0x1.0c524cp-3", "0x1.0696e6p-3",
                       "-0x1.4238p-4")]                                             # Q0 .. Q8
S = [hexf(h) for h in ("0x1.921fb6p+0", "-0x1.4abbbap-1", "0x1.465ec4p-4", "-0x1.2d9b7cp-8")]
C = [hexf(h) for h in ("-0x1.3bd3ccp+0", "0x1.03c1eap-2", "-0x1.55cb9ap-6", "0x1.db6558p-11")]
ONE = f32(1)


def uniform(a):
    """NOISE.md §2.3: u = fl(float(a) * 2^-32 + 2^-33), a uint32 word."""
    x = int_to_f32(np.asarray(a, np.uint32))
    return x * f32(2.0 ** -32) + f32(2.0 ** -33)


def _log_core(bits, e_extra):
    """NOISE.md §2.4 on float bit patterns `bits` (int64 array of positive normal floats);
    e_extra is added to the exponent e before it is converted (REPARAM.md, log of subnormals)."""
    e = (bits - SQRT_HALF_BITS) >> 23                   # arithmetic shift
    m = (bits - (e << 23)).astype(np.int32).view(np.float32)
    t = m - ONE
    q = np.full_like(t, Q[8])
    for k in range(7, -1, -1):                          # Q7 .. Q0
        q = fma(q, t, Q[k])
    t2 = t * t
    p = fma(t2, q, t)                                   # log1p(t)
    ef = int_to_f32(e + e_extra)
    return fma(ef, LN2_HI, fma(ef, LN2_LO, p))


def noise_log(u):
    """NOISE.md §2.4, for positive normal float32 u."""
    u = np.asarray(u, np.float32)
    return _log_core(u.view(np.int32).astype(np.int64), 0)


def radius(a):
    """NOISE.md §2.5: r = sqrt(fl(-2 * log(u))), correctly rounded float32 sqrt."""
    return np.sqrt(f32(-2) * noise_log(uniform(a)))


def cos_sin(b):
    """NOISE.md §2.6: (cos, sin) of the angle 2 pi b / 2^32 for uint32 words b."""
    b = np.asarray(b, np.uint32).astype(np.int64)
    q = ((b + (1 << 29)) & MASK32) >> 30                # 0..3
    rho = (b - (q << 30)) & MASK32
    rho = np.where(rho >= 1 << 31, rho - (1 << 32), rho)    # (int32), in [-2^29, 2^29)
    f = int_to_f32(rho) * f32(2.0 ** -30)
    f2 = f * f
    s = np.full_like(f, S[3])
    for k in (2, 1, 0):
        s = fma(s, f2, S[k])
    sq = f * s                                          # sin(pi/2 f)
    c = np.full_like(f, C[3])
    for k in (2, 1, 0):
        c = fma(c, f2, C[k])
    cq = fma(c, f2, ONE)                                # cos(pi/2 f)
    cos = np.select([q == 0, q == 1, q == 2], [cq, -sq, -cq], sq).astype(np.float32)
    sin = np.select([q == 0, q == 1, q == 2], [sq, cq, -sq], -cq).astype(np.float32)
    return cos, sin


def eps(seed, stream, offset, n):
    """eps offset .. offset+n-1 of (seed, stream), float32 (NOISE.md §2, §2.7)."""
    offset = offset & MASK64
    if n == 0:
        return np.zeros(0, np.float32)
    w0 = offset & ~1                                    # first word of the first pair
    w1 = (offset + n - 1) | 1                           # last word of the last pair
    w = words(seed, stream, w0, w1 - w0 + 1)
    r = radius(w[0::2])
    c, s = cos_sin(w[1::2])
    out = np.empty(w.size, np.float32)
    out[0::2] = r * c                                   # eps_2m   = fl(r * cos)
    out[1::2] = r * s                                   # eps_2m+1 = fl(r * sin)
    start = offset & 1
    return out[start:start + n].copy()


# ------------------------------------------------ float32 functions (REPARAM.md, "The float32 functions")
# REPARAM.md "The float32 functions", exp(x): clamp, LOG2E, the rounding shifter 0x1.8p+23,
# the two-part ln 2 and the coefficients E0..E5 of 1 + r + r^2 E(r).
EXP_CLAMP = f32(128)
EXP_LOG2E = hexf("0x1.715476p+0")
EXP_SHIFTER = hexf("0x1.8p+23")
EXP_LN2_HI = hexf("0x1.62e4p-1")
EXP_LN2_LO = hexf("0x1.7f7d1cp-20")
E = [hexf(h) for h in ("0x1.0p-1", "0x1.555556p-3", "0x1.5554eap-5", "0x1.1110c6p-7",
                       "0x1.6d4316p-10", "0x1.a1516ap-13")]                         # E0 .. E5
# REPARAM.md "The float32 functions", log(x): special values, subnormal scaling by 2^23.
LOG_NAN_BITS = 0x7FC00000
MIN_NORMAL = hexf("0x1p-126")
SUBNORMAL_SCALE = hexf("0x1p+23")
SUBNORMAL_EXP = -23


def fexp(x):
    """REPARAM.md exp(x), defined for every float32."""
    x = np.asarray(x, np.float32)
    xc = np.where(x < -EXP_CLAMP, -EXP_CLAMP, x)
    xc = np.where(xc > EXP_CLAMP, EXP_CLAMP, xc).astype(np.float32)   # NaN passes through
    kf = (xc * EXP_LOG2E + EXP_SHIFTER) - EXP_SHIFTER                  # two roundings
    r = fma(-kf, EXP_LN2_HI, xc)
    r = fma(-kf, EXP_LN2_LO, r)
    p = np.full_like(r, E[5])
    for i in (4, 3, 2, 1, 0):
        p = fma(p, r, E[i])
    y = fma(r * r, p, r) + ONE
    k = np.where(np.isnan(kf), f32(0), kf).astype(np.int64)           # Java (int) NaN == 0
    k1 = k >> 1
    k2 = k - k1
    with np.errstate(over="ignore"):
        return ((y * pow2(k1)) * pow2(k2)).astype(np.float32)


def flog(x):
    """REPARAM.md log(x): NOISE.md §2.4's log, extended to zero, infinity, NaN, negatives and
    subnormals."""
    x = np.asarray(x, np.float32)
    sub = (x > 0) & (x < MIN_NORMAL)
    with np.errstate(over="ignore"):
        x0 = np.where(sub, x * SUBNORMAL_SCALE, x).astype(np.float32)  # exact where used
    x0 = np.where((x0 > 0) & np.isfinite(x0), x0, ONE).astype(np.float32)   # lanes fixed below
    res = _log_core(x0.view(np.int32).astype(np.int64), np.where(sub, SUBNORMAL_EXP, 0))
    res = np.where(x == 0, f32(-np.inf), res)
    res = np.where(x == np.inf, f32(np.inf), res)
    res = np.where((x < 0) | np.isnan(x), bits_to_f32(LOG_NAN_BITS), res)
    return res.astype(np.float32)


def flog1p(t):
    """REPARAM.md log1p(t), t in [0, 1]: u = 1 + t; c = t - (u - 1); log(u) + c / u."""
    t = np.asarray(t, np.float32)
    u = ONE + t
    c = t - (u - ONE)
    return (flog(u) + c / u).astype(np.float32)


# REPARAM.md "Parameterizations": softplus's cut-offs at +-20.
SOFTPLUS_CUT = f32(20)


def softplus(x):
    x = np.asarray(x, np.float32)
    with np.errstate(over="ignore"):
        mid = np.where(x > 0, x, f32(0)) + flog1p(fexp(-np.abs(x)))
        return np.where(x > SOFTPLUS_CUT, x,
                        np.where(x < -SOFTPLUS_CUT, fexp(x), mid)).astype(np.float32)


def sigmoid(x):
    x = np.asarray(x, np.float32)
    e = fexp(-np.abs(x))
    d = ONE + e
    return np.where(x >= 0, ONE / d, e / d).astype(np.float32)


HALF = f32(0.5)
PARAMS = ("sigma", "log-sigma", "log-var", "softplus")


def sigma_of(param, rho):
    """REPARAM.md "Parameterizations", column sigma."""
    rho = np.asarray(rho, np.float32)
    if param == "sigma":
        return rho
    if param == "log-sigma":
        return fexp(rho)
    if param == "log-var":
        return fexp(HALF * rho)
    if param == "softplus":
        return softplus(rho)
    raise ValueError(param)


def dsigma_of(param, rho):
    """REPARAM.md "Parameterizations", column dsigma/drho."""
    rho = np.asarray(rho, np.float32)
    if param == "sigma":
        return np.ones_like(rho)
    if param == "log-sigma":
        return fexp(rho)
    if param == "log-var":
        return HALF * fexp(HALF * rho)
    if param == "softplus":
        return sigmoid(rho)
    raise ValueError(param)


def log_sigma_of(param, rho):
    """REPARAM.md "Parameterizations", column log sigma (softplus: rho itself below -20)."""
    rho = np.asarray(rho, np.float32)
    if param == "sigma":
        return flog(rho)
    if param == "log-sigma":
        return rho
    if param == "log-var":
        return HALF * rho
    if param == "softplus":
        with np.errstate(over="ignore"):
            return np.where(rho < -SOFTPLUS_CUT, rho, flog(softplus(rho))).astype(np.float32)
    raise ValueError(param)


def dlog_sigma_of(param, rho):
    """REPARAM.md "Parameterizations", column d log sigma/drho (softplus: 1 below -20, else
    dsigma / sigma, one float32 division)."""
    rho = np.asarray(rho, np.float32)
    if param == "sigma":
        return ONE / rho
    if param == "log-sigma":
        return np.ones_like(rho)
    if param == "log-var":
        return np.full_like(rho, HALF)
    if param == "softplus":
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            return np.where(rho < -SOFTPLUS_CUT, ONE,
                            sigmoid(rho) / softplus(rho)).astype(np.float32)
    raise ValueError(param)


# --------------------------------------------------------- forward / backward (REPARAM.md)
# REPARAM.md "Fixed-order sums": ReparamSpec.SUM_BLOCK.
SUM_BLOCK = 64
# REPARAM.md "Forward": HALF_LOG_2PI, float32(log(2 pi) / 2).
HALF_LOG_2PI = hexf("0x1.d67f1cp-1")


def forward(mu, rho, param, K, seed, stream=0, offset=0, rows=None):
    """REPARAM.md "Forward". mu, rho: (B, D), or (D,) with rows=B. Returns z and eps, (K, B, D)."""
    mu = np.asarray(mu, np.float32)
    rho = np.asarray(rho, np.float32)
    B, D = (rows, mu.shape[0]) if mu.ndim == 1 else mu.shape
    n = K * B * D
    e = eps(seed, stream, offset, n)
    reps = n // mu.size if mu.size else 0               # element i uses parameter i mod P
    z = fma(np.tile(sigma_of(param, rho).ravel(), reps), e, np.tile(mu.ravel(), reps))
    return z.reshape(K, B, D), e.reshape(K, B, D)


def blocked_row_sum(R, P, add):
    """REPARAM.md "Fixed-order sums" over rows r = 0 .. R-1: each block of SUM_BLOCK rows is summed
    left to right into a block sum that starts at +0.0f (add(s, r) returns s plus row r's term),
    and the block sums are added left to right into a total that starts at +0.0f."""
    total = np.zeros(P, np.float32)
    for b0 in range(0, R, SUM_BLOCK):
        s = np.zeros(P, np.float32)
        for r in range(b0, min(R, b0 + SUM_BLOCK)):
            s = add(s, r)
        total = total + s
    return total


def sum_over_d(terms):
    """REPARAM.md "Fixed-order sums" over the last axis (d) of terms (rows, D): one blocked sum per
    row, the D terms of a row in order d = 0 .. D-1. Returns (rows,)."""
    return blocked_row_sum(terms.shape[1], terms.shape[0], lambda s, d: s + terms[:, d])


def kl(mu, rho, param):
    """REPARAM.md "Forward", per parameter row b ((B,) for (B, D) parameters, (1,) for (D,)):
    kl[b] = sum_d fma(0.5f, fma(mu, mu, fma(sigma, sigma, -1f)), -log sigma)."""
    mu = np.asarray(mu, np.float32)
    rho = np.asarray(rho, np.float32)
    D = mu.shape[-1]
    s = sigma_of(param, rho)
    t = fma(HALF, fma(mu, mu, fma(s, s, -ONE)), -log_sigma_of(param, rho))
    return sum_over_d(t.reshape(-1, D))


def log_prob(e, rho, param):
    """REPARAM.md "Forward", logProb[q] = sum_d fma(-0.5f, eps*eps, -(log sigma + HALF_LOG_2PI))
    per drawn row q. e: eps as (K, B, D) (forward's second result); rho: (B, D) or (D,).
    Returns (K, B)."""
    e = np.asarray(e, np.float32)
    ls = log_sigma_of(param, rho)
    t = fma(-HALF, e * e, -(ls + HALF_LOG_2PI))         # ls broadcasts over K (and B)
    return sum_over_d(t.reshape(-1, e.shape[-1])).reshape(e.shape[:-1])


def backward(grad_z, mu, rho, param, seed=None, stream=0, offset=0, stored=None, grad_kl=None,
             grad_log_prob=None):
    """REPARAM.md "Backward" (not accumulating). grad_z: (K, B, D) (or any shape with a multiple
    of P elements). RECOMPUTE regenerates eps from (seed, stream, offset); STORE passes the eps
    forward wrote as `stored` (then seed, stream, offset are unused). grad_kl: paramRows() values
    ((B,), or (1,) for (D,) parameters); grad_log_prob: one value per drawn row (K*B values).
    Returns (gradMu, gradRho) in mu's shape."""
    mu = np.asarray(mu, np.float32)
    rho = np.asarray(rho, np.float32)
    P = mu.size
    D = mu.shape[-1]
    Rb = P // D                                         # paramRows(): B, or 1 for (D,)
    g = np.asarray(grad_z, np.float32).reshape(-1, P)
    R = g.shape[0]
    if stored is None:
        e = eps(seed, stream, offset, R * P).reshape(R, P)
    else:
        e = np.asarray(stored, np.float32).reshape(R, P)
    s_mu = blocked_row_sum(R, P, lambda s, r: s + g[r])
    s_sig = blocked_row_sum(R, P, lambda s, r: fma(g[r], e[r], s))   # s = fma(gradZ, eps, s)
    rho = rho.ravel()
    with np.errstate(over="ignore"):
        g_mu = s_mu
        g_rho = (s_sig * dsigma_of(param, rho)).astype(np.float32)
        if grad_kl is not None:                         # gKl[b], b = p div D
            gkl = np.repeat(np.asarray(grad_kl, np.float32).ravel(), D)
            g_mu = fma(gkl, mu.ravel(), g_mu)
            g_rho = fma(gkl, fma(sigma_of(param, rho), dsigma_of(param, rho),
                                 -dlog_sigma_of(param, rho)), g_rho)
        if grad_log_prob is not None:                   # Slq[b] = sum_r gradLogProb[r*Rb + b]
            glq = np.asarray(grad_log_prob, np.float32).reshape(R, Rb)
            slq = blocked_row_sum(R, Rb, lambda s, r: s + glq[r])
            g_rho = fma(-np.repeat(slq, D), dlog_sigma_of(param, rho), g_rho)
    return g_mu.reshape(mu.shape), g_rho.reshape(mu.shape)
