#!/usr/bin/env python3
"""Checks that the clean-room model (cleanroom.py, written from docs/NOISE.md and docs/REPARAM.md
only) reproduces the `reparam` command line bit for bit.

    python3 tools/cleanroom/check.py ./reparam [--seed N]

Each run draws fresh random inputs (the seed is printed; --seed N replays a run) and checks, on
`--backend cpu` and `--backend opencl`: `bits`, `noise`, `forward` (z, `--eps-out`, `--kl-out`,
`--log-prob-out`) and `backward` (with and without `--grad-kl` and `--grad-log-prob`; eps
regenerated, and read back with `--eps`, STORE, which must also equal RECOMPUTE bit for bit) for
all four parameterizations and every layout of z ((B, D), (K, B, D), (D,), (K, D), (D,) with
--rows), plus the documents' own known answers (Random123 vectors, the worked example, the CRC-32
fingerprints, constants). Outputs are compared as uint32 bit patterns. Exit 0:
everything matched; exit 1: a mismatch or a failed CLI call (printed with the command line and the
first differing elements); exit 2: bad usage.
"""
import argparse
import math
import os
import secrets
import shlex
import subprocess
import sys
import tempfile
import time
import zlib

import numpy as np

sys.dont_write_bytecode = True            # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cleanroom as cr  # noqa: E402

f32 = np.float32
TWO64 = 1 << 64
BACKENDS = ("cpu", "opencl")


class Checker:
    def __init__(self, launcher, workdir):
        self.launcher = launcher
        self.workdir = workdir
        self.failures = 0
        self.checks = 0
        self.elements = 0
        self.calls = 0
        self.cli_seconds = 0.0
        self.cli_failures = 0
        self._n = 0

    # -- helpers ---------------------------------------------------------------------------
    def path(self, name):
        self._n += 1
        return os.path.join(self.workdir, f"{self._n:03d}-{name}")

    def save(self, name, arr):
        p = self.path(name + ".npy")
        np.save(p, np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")))
        return p

    def run(self, args):
        """Runs the launcher; returns the command (a list) and its subprocess result."""
        cmd = [self.launcher] + [str(a) for a in args]
        if args[0] != "bits":                  # `bits` has no --quiet
            cmd.append("--quiet")
        t = time.monotonic()
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.cli_seconds += time.monotonic() - t
        self.calls += 1
        return cmd, r

    def cli(self, args):
        """Runs the launcher; returns the command line, or None (failure recorded) if it failed."""
        cmd, r = self.run(args)
        if r.returncode != 0:
            self.cli_failures += 1
            self.fail(f"CLI call failed (exit {r.returncode})", shlex.join(cmd),
                      [r.stderr.strip()[-2000:] or r.stdout.strip()[-2000:]])
            return None
        return shlex.join(cmd)

    def refused(self, label, args, code, outputs):
        """Runs the launcher on a command line it must refuse with exit `code`, writing none of
        `outputs`."""
        cmd, r = self.run(args)
        left = [p for p in outputs if os.path.exists(p)]
        if r.returncode == code and not left:
            self.ok(f"refused: {label} (exit {code}, no output)", 1, "command")
        else:
            self.fail(f"not refused as it should be: {label}", shlex.join(cmd),
                      [f"exit {r.returncode} (expected {code}), outputs left: {left}",
                       r.stderr.strip()[-500:]])

    def fail(self, what, cmd, lines):
        self.failures += 1
        print(f"FAIL {what}")
        if cmd:
            print(f"     command: {cmd}")
        for ln in lines:
            print(f"     {ln}")
        sys.stdout.flush()

    def ok(self, label, count, unit):
        self.checks += 1
        self.elements += count
        print(f"ok   {label}: {count} {unit}")
        sys.stdout.flush()

    def compare(self, label, cmd, got, want, unit, inputs=None):
        """Bitwise comparison of two arrays (uint32 views). inputs: name -> function(index) -> str,
        printed next to each differing element."""
        if got.shape != want.shape or got.dtype.itemsize != 4:
            self.fail(f"{label}: shape/dtype {got.shape} {got.dtype}, expected {want.shape} "
                      f"{want.dtype}", cmd, [])
            return False
        g = np.ascontiguousarray(got).view(np.uint32).ravel()
        w = np.ascontiguousarray(want).view(np.uint32).ravel()
        bad = np.flatnonzero(g != w)
        if bad.size:
            lines = [f"{bad.size} of {g.size} elements differ; first ones (index: CLI vs clean room):"]
            for i in bad[:5]:
                idx = np.unravel_index(i, got.shape)
                extra = ""
                if inputs:
                    extra = "   " + ", ".join(f"{k} {fn(idx)}" for k, fn in inputs.items())
                lines.append(f"  {tuple(int(x) for x in idx)}: 0x{int(g[i]):08X} ({fmt(g[i])}) vs "
                             f"0x{int(w[i]):08X} ({fmt(w[i])}){extra}")
            self.fail(label, cmd, lines)
            return False
        self.ok(label, g.size, unit)
        return True

    def expect(self, label, cond, count, unit, detail=""):
        """A check of a computed fact; count/unit say what it covered."""
        if cond:
            self.ok(label, count, unit)
        else:
            self.fail(label, None, [detail] if detail else [])


def fmt(bits):
    """A float32 bit pattern as a short C hex float."""
    h = float(np.array(bits, np.uint32).view(np.float32)).hex()
    m, _, e = h.partition("p")
    return (m.rstrip("0").rstrip(".") + "p" + e) if e else h


def hexbits(x):
    return f"0x{int(np.asarray(x, np.float32).view(np.uint32)):08X}"


def seed_arg(v, style):
    """A 64-bit value as the CLI accepts it: 'dec', 'hex', or 'neg' (two's complement)."""
    v &= TWO64 - 1
    if style == "hex":
        return hex(v)
    if style == "neg" and v >= 1 << 63:
        return str(v - TWO64)
    return str(v)


def odd(rng, lo, hi):
    return int(rng.integers(lo // 2, hi // 2)) * 2 + 1


def rand64(rng, lo=0):
    return int(rng.integers(lo, TWO64 - 1, dtype=np.uint64, endpoint=True))


def offset_for(rng, kind, n):
    """A word/eps offset, never a multiple of 4, with offset + n <= 2^64."""
    if kind == "end":                       # the call ends exactly at index 2^64 (n odd: offset odd)
        o = TWO64 - n
    elif kind == "carry":                   # straddles block 2^32 (counter word 1 carries)
        o = (1 << 34) - odd(rng, 1, min(n, 4000))
    else:
        o = int(rng.integers(0, TWO64 - n - 4, dtype=np.uint64))
        o += o % 4 == 0
    return o


# -- the documents' own numbers ---------------------------------------------------------------
def doc_checks(ck):
    """Known answers stated in docs/NOISE.md and docs/REPARAM.md, on the clean-room model."""
    # NOISE.md §1, Random123 known answers.
    kats = [((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
            ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
            ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
             (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1))]
    out = [tuple(int(v) for v in cr.philox4x32_10(*ctr, *key)[0]) for ctr, key, _ in kats]
    ck.expect("doc NOISE §1 Random123 known answers (clean room)",
              all(o == k[2] for o, k in zip(out, kats)), 3, "blocks", f"got {out}")
    # NOISE.md §2.2, the "bits" column against the hex literals.
    table = {"LN2_HI": (cr.LN2_HI, 0x3F318000), "LN2_LO": (cr.LN2_LO, 0xB95E8083),
             "S0": (cr.S[0], 0x3FC90FDB), "S1": (cr.S[1], 0xBF255DDD), "S2": (cr.S[2], 0x3DA32F62),
             "S3": (cr.S[3], 0xBB96CDBE), "C0": (cr.C[0], 0xBF9DE9E6), "C1": (cr.C[1], 0x3E81E0F5),
             "C2": (cr.C[2], 0xBCAAE5CD), "C3": (cr.C[3], 0x3A6DB2AC)}
    qbits = (0xBEFFFFFF, 0x3EAAAAA7, 0xBE800103, 0x3E4CD1F6, 0xBE2A4441, 0x3E114B9D, 0xBE062926,
             0x3E034B73, 0xBDA11C00)
    table.update({f"Q{i}": (cr.Q[i], b) for i, b in enumerate(qbits)})
    wrong = [k for k, (v, b) in table.items() if int(np.asarray(v).view(np.uint32)) != b]
    ck.expect("doc NOISE §2.2 constants: hex literals == bits column", not wrong, len(table),
              "constants", f"differ: {wrong}")
    # NOISE.md §2.8, worked example (seed 42, stream 0).
    w = cr.words(42, 0, 0, 4)
    e = cr.eps(42, 0, 0, 4)
    want_e = ["-0x1.f0bcb8p-1", "0x1.8d59dp-3", "-0x1.3c51a6p0", "0x1.ec8678p0"]
    ok = list(map(int, w)) == [0x9CEAF053, 0x77F5493B, 0x12BF50AD, 0x5742B3D7] and \
        all(float(x) == float.fromhex(h) for x, h in zip(e, want_e))
    a = np.array([0x9CEAF053, 0x12BF50AD], np.uint32)
    b = np.array([0x77F5493B, 0x5742B3D7], np.uint32)
    u = cr.uniform(a)
    lg = cr.noise_log(u)
    r = cr.radius(a)
    cs, sn = cr.cos_sin(b)
    e_exp = [x for x in (u.view(np.int32).astype(np.int64) - cr.SQRT_HALF_BITS) >> 23]
    qq = ((b.astype(np.int64) + (1 << 29)) & 0xFFFFFFFF) >> 30
    rho = ((b.astype(np.int64) - (qq << 30)) & 0xFFFFFFFF)
    rho = np.where(rho >= 1 << 31, rho - (1 << 32), rho)
    inter = [(u[0], "0x1.39d5ep-1"), (lg[0], "-0x1.f533e8p-2"), (r[0], "0x1.fa9296p-1"),
             (cs[0], "-0x1.f60f28p-1"), (sn[0], "0x1.919ba8p-3"),
             (u[1], "0x1.2bf50ap-4"), (lg[1], "-0x1.4e9bb2p1"), (r[1], "0x1.24ad42p1"),
             (cs[1], "-0x1.14adfp-1"), (sn[1], "0x1.aecdf2p-1")]
    ok = ok and all(float(v) == float.fromhex(h) for v, h in inter)
    ok = ok and list(map(int, e_exp)) == [-1, -4] and list(map(int, qq)) == [2, 1] and \
        list(map(int, rho)) == [-134919877, 390247383]
    ck.expect("doc NOISE §2.8 worked example: words, eps 0..3, intermediates (clean room)", ok,
              24, "values")
    # NOISE.md §2.3, §2.5, §4: ends of the uniform and the radius.
    ends = np.array([0, 1, 2**32 - 129, 2**32 - 128, 2**32 - 1], np.uint32)
    ue, re = cr.uniform(ends), cr.radius(ends)
    ok = (float(ue[0]) == 2.0 ** -33 and float(ue[2]) < 1 and float(ue[3]) == 1 and
          float(ue[4]) == 1 and hexbits(re[0]) == hexbits(f32(float.fromhex("0x1.b0e08ep2"))) and
          round(float(re[1]), 4) == 6.5993 and hexbits(re[3]) == "0x80000000" and
          hexbits(re[4]) == "0x80000000")
    ck.expect("doc NOISE §2.3/§2.5/§4 uniform and radius at the ends (clean room)", ok, 5,
              "words", f"u {[float(x).hex() for x in ue]} r {[float(x).hex() for x in re]}")
    # REPARAM.md, exp's constants: ln 2's low part and log2 e as stated; log q's HALF_LOG_2PI.
    ok = (float(cr.EXP_LN2_LO) == float(f32(math.log(2) - float(cr.EXP_LN2_HI))) and
          float(cr.EXP_LOG2E) == float(f32(1 / math.log(2))) and
          float(cr.HALF_LOG_2PI) == float(f32(0.5 * math.log(2 * math.pi))))
    ck.expect("doc REPARAM constants: LN2 low part == float32(ln 2 - 0x1.62e4p-1), LOG2E, "
              "HALF_LOG_2PI == float32(log(2 pi) / 2)", ok, 3, "values")
    # REPARAM.md, accuracy table: the bounds FloatMathTest enforces, on a fixed random sample
    # (fixed, so that this check of the documents' own claim cannot flake).
    rng = np.random.default_rng(12345)
    def ulp_err(y, ref):
        ref = np.asarray(ref, np.float64)
        k = np.floor(np.log2(np.maximum(np.abs(ref), 2.0 ** -126)))
        return float(np.max(np.abs(y.astype(np.float64) - ref) / 2.0 ** (k - 23)))
    x = rng.uniform(-104, 88.72, 1 << 15).astype(np.float32)
    errs = {"exp": ulp_err(cr.fexp(x), np.exp(x.astype(np.float64)))}
    x = np.exp(rng.uniform(-103, 88, 1 << 15)).astype(np.float32)
    x = x[x > 0]
    errs["log"] = ulp_err(cr.flog(x), np.log(x.astype(np.float64)))
    x = rng.uniform(0, 1, 1 << 15).astype(np.float32)
    errs["log1p"] = ulp_err(cr.flog1p(x), np.log1p(x.astype(np.float64)))
    x = rng.uniform(-100, 100, 1 << 15).astype(np.float32)
    xd = x.astype(np.float64)
    errs["softplus"] = ulp_err(cr.softplus(x), np.logaddexp(0, xd))
    ed = np.exp(-np.abs(xd))
    errs["sigmoid"] = ulp_err(cr.sigmoid(x), np.where(xd >= 0, 1 / (1 + ed), ed / (1 + ed)))
    bound = {"exp": 1, "log": 1, "log1p": 1.3, "softplus": 2, "sigmoid": 2.5}
    ok = all(errs[k] < bound[k] for k in bound)
    ck.expect("doc REPARAM float32 functions within the tested ulp bounds (clean room)", ok,
              5 << 15, "values", str(errs))


# -- parameter values that exercise the edges of exp and softplus -----------------------------
def neighbours(anchors, k=6):
    """Each float32 anchor and its k float32 neighbours on each side (same sign)."""
    a = np.asarray(anchors, np.float32).view(np.int32).astype(np.int64)
    steps = np.arange(-k, k + 1)
    v = (a[:, None] + steps[None, :]).ravel()
    v = v[(v > -(1 << 31)) & (v < (1 << 31))]
    return v.astype(np.int32).view(np.float32)


# exp's edges, as arguments of exp: largest finite result (0x1.62e42ep6), the smallest normal
# result (ln 2^-126), the last subnormal results (ln 2^-149, ln 2^-150), the lower clamp (-128),
# a change of k (0.5 ln 2), and 0.
EXP_EDGES = [float.fromhex("0x1.62e42ep6"), -87.33654475, -88.02969193, -103.27892990,
             -103.97207708, -128.0, 0.34657359, -0.34657359, 44.0 * math.log(2) + 0.34657359, 1e-30]


def rho_values(param, rng, n):
    """n float32 parameter values for `param`: edge values first (as many as fit), then wide and
    typical random ones, shuffled."""
    if param == "sigma":
        edges = np.concatenate([neighbours([1e-45, 1e-40, 2.0 ** -126, 1e-30, 1.0, 1e30]),
                                [f32(1.4e-45)]])
        wide = np.exp(rng.uniform(-103, 80, n)).astype(np.float32)
        typical = rng.uniform(0.01, 5, n).astype(np.float32)
    elif param == "log-sigma":
        edges = np.concatenate([neighbours(EXP_EDGES), [f32(-1e30), f32(-3.4e38), f32(-0.0)]])
        wide = rng.uniform(-130, 88.72, n).astype(np.float32)
        typical = rng.uniform(-30, 30, n).astype(np.float32)
    elif param == "log-var":
        edges = np.concatenate([neighbours([2 * x for x in EXP_EDGES]), neighbours([1e-45], 3),
                                [f32(-1e30), f32(-0.0)]])
        wide = rng.uniform(-260, 177.4, n).astype(np.float32)
        typical = rng.uniform(-60, 60, n).astype(np.float32)
    elif param == "softplus":
        edges = np.concatenate([neighbours([20.0, -20.0], 8), neighbours([x for x in EXP_EDGES if x < -20]),
                                neighbours([88.8, 1e4, 1e30, 1e-30, -1e-30, 1.0, -1.0]),
                                [f32(0.0), f32(-0.0), f32(-1e30), f32(-3.4e38), f32(3e38)]])
        wide = rng.uniform(-120, 120, n).astype(np.float32)
        typical = rng.uniform(-40, 40, n).astype(np.float32)
    else:
        raise ValueError(param)
    edges = edges.astype(np.float32)
    if param == "sigma":
        edges = edges[edges > 0]
        wide = np.where(wide > 0, wide, f32(1e-45)).astype(np.float32)
    rng.shuffle(edges)
    nw = (n - min(n, edges.size)) // 3
    vals = np.concatenate([edges[:n], wide[:nw], typical])[:n].astype(np.float32)
    with np.errstate(over="ignore"):
        finite = np.isfinite(cr.sigma_of(param, vals))   # the CLI refuses an infinite sigma
    vals = np.where(finite, vals, typical[:n]).astype(np.float32)
    rng.shuffle(vals)
    return vals


def moderate_rho_values(param, rng, n):
    """n float32 parameter values with sigma in about [0.05, 7]: KL sums whose terms are of one
    size (with the edge and wide values of rho_values, sigma^2 overflows to inf in nearly every
    row, and a few huge terms would hide the rounding of the others)."""
    lo, hi = {"sigma": (-3, 2), "log-sigma": (-3, 2), "log-var": (-6, 4), "softplus": (-5, 3)}[param]
    v = rng.uniform(lo, hi, n)
    return (np.exp(v) if param == "sigma" else v).astype(np.float32)


def gradient_factors_overflow(param, rho, kl):
    """REPARAM.md "Validation policy": a backward pass given dL/dKL or dL/dlog q refuses rho whose
    d log sigma/drho is not finite, and with dL/dKL also where fma(sigma, dsigma/drho, -d log
    sigma/drho) is not; True where rho is refused."""
    with np.errstate(all="ignore"):
        dl = cr.dlog_sigma_of(param, rho)
        bad = ~np.isfinite(dl)
        if kl:
            bad |= ~np.isfinite(cr.fma(cr.sigma_of(param, rho), cr.dsigma_of(param, rho), -dl))
    return bad


def mu_values(rng, shape):
    """mu ~ N(0, 3^2), a third of it exactly 0 (then z = fl(sigma * eps) shows every bit of sigma)."""
    mu = rng.normal(0, 3, shape).astype(np.float32)
    mu[rng.random(shape) < 1 / 3] = f32(0)
    return mu


def grad_values(rng, shape):
    g = rng.normal(0, 1, shape).astype(np.float32)
    flat = g.reshape(-1)
    k = flat.size // 50                      # none in a short one: a lone -0.0 would test nothing
    if k:
        flat[rng.integers(0, flat.size, k)] = f32(0.0)
        flat[rng.integers(0, flat.size, k)] = f32(-0.0)
        flat[rng.integers(0, flat.size, k)] *= f32(1e6)
    return g


# -- the CLI checks ---------------------------------------------------------------------------
def check_bits(ck, rng):
    out = ck.path("w.npy")
    cmd = ck.cli(["bits", "--seed", 0, "--n", 4, "--out", out])           # NOISE.md §1 KAT 1
    if cmd:
        ck.compare("doc NOISE §1 Random123 known answer (ctr 0, key 0) via `bits --seed 0`", cmd,
                   np.load(out), np.array([0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8], np.uint32),
                   "words")
    out = ck.path("w.npy")
    cmd = ck.cli(["bits", "--seed", 42, "--n", 9, "--out", out])          # NOISE.md §2.8
    if cmd:
        got = np.load(out)
        ck.compare("doc NOISE §2.8 words 0..3 of seed 42 via `bits`", cmd, got[:4],
                   np.array([0x9CEAF053, 0x77F5493B, 0x12BF50AD, 0x5742B3D7], np.uint32), "words")
        ck.compare("bits seed=42 n=9", cmd, got, cr.words(42, 0, 0, 9), "words")
    for kind, style in (("carry", "neg"), ("end", "hex"), ("random", "dec")):
        n = odd(rng, 20001, 80001)
        seed, stream = rand64(rng, 1 << 63), rand64(rng, 1 << 32)
        offset = offset_for(rng, kind, n)
        out = ck.path("w.npy")
        cmd = ck.cli(["bits", "--seed", seed_arg(seed, style), "--stream", seed_arg(stream, style),
                      "--offset", seed_arg(offset, "hex" if style == "hex" else "dec"), "--n", n,
                      "--out", out])
        if cmd:
            ck.compare(f"bits seed={seed:#x} stream={stream:#x} offset={offset:#x} ({kind}) n={n}",
                       cmd, np.load(out), cr.words(seed, stream, offset, n), "words")


def check_noise(ck, rng, backend):
    fps = [(42, "42", 0, 0, 0x0ECEAC28), (TWO64 - 1, "-1", (1 << 63) + 5, TWO64 - (1 << 20), 0x6FE9CE2B)]
    for seed, sarg, stream, offset, crc in fps:                          # NOISE.md §2.8 fingerprints
        out = ck.path("e.npy")
        n = 1 << 20
        cmd = ck.cli(["noise", "--seed", sarg, "--stream", stream, "--offset", offset, "--n", n,
                      "--backend", backend, "--out", out])
        if not cmd:
            continue
        got = np.load(out)
        ck.compare(f"noise {backend} seed={sarg} stream={stream:#x} offset={offset:#x} n=2^20", cmd,
                   got, cr.eps(seed, stream, offset, n), "eps")
        c = zlib.crc32(got.astype("<f4").tobytes())
        ck.expect(f"doc NOISE §2.8 fingerprint CRC-32 {crc:#010x} of that CLI output ({backend})",
                  c == crc, n, "eps", f"got {c:#010x}")
        if seed == 42:
            want = np.array([float.fromhex(h) for h in
                             ("-0x1.f0bcb8p-1", "0x1.8d59dp-3", "-0x1.3c51a6p0", "0x1.ec8678p0")],
                            np.float32)
            ck.compare(f"doc NOISE §2.8 eps 0..3 of seed 42 ({backend})", cmd, got[:4], want, "eps")
    for kind, style in (("carry", "neg"), ("end", "hex")):
        n = odd(rng, 50001, 150001)
        seed, stream = rand64(rng, 1 << 63), rand64(rng, 1 << 32)
        offset = offset_for(rng, kind, n)
        out = ck.path("e.npy")
        cmd = ck.cli(["noise", "--seed", seed_arg(seed, style), "--stream", stream, "--offset",
                      seed_arg(offset, style), "--n", n, "--backend", backend, "--out", out])
        if cmd:
            ck.compare(f"noise {backend} seed={seed:#x} stream={stream:#x} offset={offset:#x} "
                       f"({kind}) n={n}", cmd, np.load(out), cr.eps(seed, stream, offset, n), "eps")


def param_inputs(mu, rho, out_shape):
    """For a mismatch report: mu and rho of the parameter element (i mod P) of output element idx."""
    def elem(arr, idx):
        return hexbits(arr.reshape(-1)[np.ravel_multi_index(idx, out_shape) % arr.size])
    return {"mu": lambda idx: elem(mu, idx), "rho": lambda idx: elem(rho, idx)}


# The layouts of z that check_pass cycles through: name, then (K, B, D, --samples, --rows) drawn
# from rng. D is odd (not a multiple of 16) and above 64, so that every KL and log q sum over d has
# several 64-term blocks; R is the number of rows the backward sums run over (K, or K*B for (D,)
# parameters), above 64 (several row blocks) in kinds 2, 4, 5 and 6.
def layout(rng, kind):
    if kind == 0:                           # (B, D) parameters, z (B, D); R = 1 (elementwise)
        return "(B, D)", 1, odd(rng, 63, 127), odd(rng, 257, 511), False, False
    if kind == 1:                           # (B, D) parameters, z (K, B, D); R = K
        K = int(rng.choice([1, 3]))         # --samples 1 included: z (1, B, D)
        return "(K, B, D)", K, odd(rng, 63, 127), odd(rng, 257, 511), True, False
    if kind == 2:                           # (B, D) parameters, z (K, B, D); R = K > 64
        return "(K, B, D)", odd(rng, 65, 99), odd(rng, 3, 9), odd(rng, 65, 201), True, False
    if kind == 3:                           # (D,) parameters, z (D,); R = 1
        return "(D,)", 1, 1, odd(rng, 101, 301), False, False
    if kind == 4:                           # (D,) parameters, --samples K: z (K, D); R = K > 64
        return "(D,) --samples", odd(rng, 65, 131), 1, odd(rng, 101, 301), True, False
    if kind == 5:                           # (D,) parameters, --rows B: z (B, D); R = B > 64
        return "(D,) --rows", 1, odd(rng, 67, 111), odd(rng, 101, 301), False, True
    if kind == 6:                           # (D,) parameters, --samples K --rows B: z (K, B, D);
                                            # R = K*B > 64
        return "(D,) --samples --rows", 3, odd(rng, 23, 41), odd(rng, 65, 301), True, True
    raise ValueError(kind)


LAYOUTS = 7
# What each pass asks for: forward's optional outputs, and the upstream gradients backward takes
# (in RECOMPUTE and in STORE mode). Pass number `pos` of a backend runs layout (pos + 3 * backend
# number) mod LAYOUTS, so that every layout runs with everything (FULL) on some backend and with
# dL/dz alone (PLAIN, what a pass without KL and log q does) on some backend; each backend sees
# every layout.
FULL = (("eps", "kl", "lq"), ("kl", "lq"))
PLAIN = (("eps",), ())
PASS_OPTIONS = (FULL, (("kl", "lq"), ("kl", "lq")), FULL, PLAIN, (("kl",), ("lq",)),
                (("eps", "lq"), ("kl",)), FULL, PLAIN, PLAIN, PLAIN)


def check_pass(ck, rng, backend, n_pass, kind, param, options):
    """One training step through the CLI on fresh inputs: `forward` (z and some of eps, KL, log q),
    then `backward` with dL/dz and some of dL/dKL, dL/dlog q, once regenerating eps (RECOMPUTE) and
    once reading forward's eps (STORE, `--eps`); every output against the clean room, and STORE
    against RECOMPUTE."""
    name, K, B, D, samples, rows = layout(rng, kind)
    bcast = name.startswith("(D,)")
    pshape = (D,) if bcast else (B, D)
    zshape = ((K,) if samples else ()) + ((B,) if not bcast or rows else ()) + (D,)
    P = int(np.prod(pshape))
    n = K * B * D
    mu = mu_values(rng, pshape)
    outs, grads = options
    rho = rho_values(param, rng, P).reshape(pshape)
    if not bcast:                           # odd rows moderate: finite KL sums of like terms
        rho[1::2] = moderate_rho_values(param, rng, rho[1::2].size).reshape(rho[1::2].shape)
    elif "kl" in outs:                      # the one KL row
        rho = moderate_rho_values(param, rng, P)
    seed, stream = rand64(rng), rand64(rng, 1 << 32)
    offset = offset_for(rng, ("end", "carry", "random")[n_pass % 3], n)
    label = (f"{backend} {param} {name} K={K} B={B} D={D} R={K * B if bcast else K} "
             f"offset={offset:#x}")
    z, e = cr.forward(mu, rho, param, K, seed, stream, offset, rows=B if bcast else None)
    row_shape = zshape[:-1] or (1,)         # log q: z's shape without its last axis, (1,) if 1-D
    kl_shape = (1,) if bcast else (B,)

    # forward
    paths = {"z": ck.path("z.npy"), "eps": ck.path("eps.npy"), "kl": ck.path("kl.npy"),
             "lq": ck.path("lq.npy")}
    args = ["forward", "--mu", ck.save("mu", mu), "--sigma", ck.save("rho", rho), "--param", param,
            "--seed", seed_arg(seed, "neg"), "--stream", stream, "--offset", offset,
            "--backend", backend, "--out", paths["z"]]
    args += [a for o, flag in (("eps", "--eps-out"), ("kl", "--kl-out"), ("lq", "--log-prob-out"))
             if o in outs for a in (flag, paths[o])]
    if samples:
        args += ["--samples", K]
    if rows:
        args += ["--rows", B]
    cmd = ck.cli(args)
    if cmd:
        flabel = f"forward {label} ({', '.join(outs)})"
        ck.compare(flabel + " z", cmd, np.load(paths["z"]), z.reshape(zshape), "elements",
                   param_inputs(mu, rho, zshape))
        if "eps" in outs:
            ck.compare(flabel + " eps", cmd, np.load(paths["eps"]), e.reshape(zshape), "elements")
        if "kl" in outs:
            ck.compare(flabel + " kl", cmd, np.load(paths["kl"]),
                       cr.kl(mu, rho, param).reshape(kl_shape), "rows")
        if "lq" in outs:
            ck.compare(flabel + " log q", cmd, np.load(paths["lq"]),
                       cr.log_prob(e, rho, param).reshape(row_shape), "rows")

    # backward, RECOMPUTE and STORE
    g = grad_values(rng, zshape)
    gkl = grad_values(rng, kl_shape) if "kl" in grads else None
    glq = grad_values(rng, row_shape) if "lq" in grads else None

    def backward_base(rho):
        base = ["backward", "--grad", ck.save("g", g), "--mu", ck.save("mu", mu), "--sigma",
                ck.save("rho", rho), "--param", param, "--backend", backend]
        if gkl is not None:
            base += ["--grad-kl", ck.save("gkl", gkl)]
        if glq is not None:
            base += ["--grad-log-prob", ck.save("glq", glq)]
        if samples:
            base += ["--samples", K]
        return base

    if gkl is not None or glq is not None:
        refused = gradient_factors_overflow(param, rho, gkl is not None)
        if refused.any():                   # refused as the docs say; then checked on rho that passes
            dmu, drho = ck.path("dmu.npy"), ck.path("drho.npy")
            ck.refused(f"backward {param} with gradient factors that overflow ({int(refused.sum())} rho)",
                       backward_base(rho) + ["--seed", seed, "--stream", stream, "--offset", offset,
                                             "--grad-mu-out", dmu, "--grad-sigma-out", drho], 2, [dmu, drho])
            rho = np.where(refused, moderate_rho_values(param, rng, rho.size).reshape(rho.shape),
                           rho).astype(np.float32)
    base = backward_base(rho)
    want = cr.backward(g, mu, rho, param, seed, stream, offset, grad_kl=gkl, grad_log_prob=glq)
    # STORE reads forward's eps file; where forward did not write one (or failed), the clean room's.
    eps_file = paths["eps"] if "eps" in outs and cmd else ck.save("eps", e.reshape(zshape))
    stored = np.load(eps_file)
    want_store = cr.backward(g, mu, rho, param, stored=stored, grad_kl=gkl, grad_log_prob=glq)
    blabel = f"backward {label} ({', '.join('grad ' + x for x in grads) or 'dL/dz only'})"
    ck.compare(f"clean room {blabel}: STORE == RECOMPUTE", None, np.stack(want_store),
               np.stack(want), "elements")
    inputs = {"mu": lambda idx: hexbits(mu[idx]), "rho": lambda idx: hexbits(rho[idx])}
    got = {}
    address = ["--seed", seed_arg(seed, "hex"), "--stream", seed_arg(stream, "hex"), "--offset",
               seed_arg(offset, "hex")]
    for mode, extra in (("RECOMPUTE", address), ("STORE", ["--eps", eps_file])):
        dmu, drho = ck.path("dmu.npy"), ck.path("drho.npy")
        cmd = ck.cli(base + extra + ["--grad-mu-out", dmu, "--grad-sigma-out", drho])
        if not cmd:
            continue
        got[mode] = cmd, np.load(dmu), np.load(drho)
        w = want if mode == "RECOMPUTE" else want_store
        ck.compare(f"{blabel} {mode} dmu", cmd, got[mode][1], w[0], "elements", inputs)
        ck.compare(f"{blabel} {mode} drho", cmd, got[mode][2], w[1], "elements", inputs)
    if len(got) == 2:
        ck.compare(f"{blabel} STORE == RECOMPUTE (CLI)", got["STORE"][0],
                   np.stack(got["STORE"][1:]), np.stack(got["RECOMPUTE"][1:]), "elements")
    if n_pass == 0:                         # --eps takes no noise address (a usage error: exit 2)
        dmu, drho = ck.path("dmu.npy"), ck.path("drho.npy")
        ck.refused("backward --eps with --seed", base + ["--eps", eps_file, "--seed", seed,
                   "--grad-mu-out", dmu, "--grad-sigma-out", drho], 2, [dmu, drho])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("launcher", help="the reparam launcher, e.g. ./reparam")
    ap.add_argument("--seed", type=int, help="replay the run printed with this seed")
    a = ap.parse_args()
    launcher = a.launcher if os.sep in a.launcher else os.path.join(".", a.launcher)
    if not os.access(launcher, os.X_OK):
        print(f"check.py: {launcher} is not an executable launcher", file=sys.stderr)
        return 2
    seed = a.seed if a.seed is not None else secrets.randbits(63)
    print(f"clean-room check: seed {seed} (replay: python3 {sys.argv[0]} {a.launcher} --seed {seed})")
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}")
    sys.stdout.flush()
    rng = np.random.default_rng(seed)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cleanroom-") as tmp:
        ck = Checker(launcher, tmp)
        doc_checks(ck)
        check_bits(ck, rng)
        n_pass = 0
        for bi, backend in enumerate(BACKENDS):
            check_noise(ck, rng, backend)
            for pos, options in enumerate(PASS_OPTIONS):
                check_pass(ck, rng, backend, n_pass, (pos + 3 * bi) % LAYOUTS,
                           cr.PARAMS[(pos + bi) % len(cr.PARAMS)], options)
                n_pass += 1
    dt = time.monotonic() - t0
    print(f"{ck.checks} passed, {ck.failures} failed")
    print(f"clean-room check: {ck.elements} elements compared bit for bit; {ck.calls} CLI calls "
          f"({ck.cli_seconds:.1f} s), total {dt:.1f} s; seed {seed}")
    if ck.failures:
        why = (f"{ck.cli_failures} CLI calls failed (see above)" if ck.cli_failures else
               "the documents (docs/NOISE.md, docs/REPARAM.md) and the library disagree")
        print(f"clean-room check FAILED: {why}; replay with --seed {seed}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
