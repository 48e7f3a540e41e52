#!/usr/bin/env python3
"""The numpy baseline of `keyscope bench analyze`: the same main pass (DESIGN §4.2, §5) on keys of the same
shape, written the way a careful numpy user would — vectorised over tokens, BLAS for the projection — so the
ratio measures keyscope's engine, not Python loops.

Per block of `tokens` keys of width D: drop non-finite rows; standardise and project onto r components in
Float32 (one sgemm, as keyscope does); integer histograms per (modality, group, component) with under/overflow
bins (np.bincount on one flat index); per-(modality, group) first and second moments in PCA space in Float64
(one gemm each); bottom-k subsample by XXH64 of "<sample id>#<token>". The subsample's hashing has no vector
form in numpy (xxhash is called per token), so it is timed separately and reported both ways.

Prints one JSON line. Usage: bench_analyze_numpy.py [--width 4096 --blocks 16 --tokens 576 --components 32
--bins 64 --groups 32 --subsample 2000 --repeats 2 --threads 2]. Needs numpy==2.4.6, xxhash==4.1.0.
"""
import argparse
import json
import os
import sys
import time

p = argparse.ArgumentParser()
for name, default in [("width", 4096), ("blocks", 16), ("tokens", 576), ("components", 32), ("bins", 64),
                      ("groups", 32), ("subsample", 2000), ("repeats", 2), ("threads", 2)]:
    p.add_argument("--" + name, type=int, default=default)
a = p.parse_args()
os.environ["OPENBLAS_NUM_THREADS"] = str(a.threads)
os.environ["OMP_NUM_THREADS"] = str(a.threads)
import numpy as np  # noqa: E402  (thread count must be set first)
import xxhash  # noqa: E402

D, T, r, B, G = a.width, a.tokens, min(a.components, a.width), a.bins, a.groups
rng = np.random.default_rng(42)
blocks = [(f"bench-{b}", rng.uniform(-2, 2, size=(T, D)).astype(np.float32)) for b in range(a.blocks)]
modality = (np.arange(T) % 3 != 0).astype(np.int64)  # 0 = image every third token, as keyscope's benchmark
mean = np.full(D, 0.1, dtype=np.float32)
std = np.full(D, 1.1, dtype=np.float32)
basis = ((rng.random((D, r)) - 0.5) / np.sqrt(D)).astype(np.float32)
proj = basis / std[:, None]                     # fold the standardisation into the projection, as keyscope does
offset = (mean / std) @ basis
lam = 1.0 / (np.arange(r) + 1.0)
lo, hi = -6 * np.sqrt(lam), 6 * np.sqrt(lam)
scale = B / (hi - lo)


def main_pass(with_hashes):
    H = np.zeros(2 * G * r * (B + 2), dtype=np.int64)
    s1 = np.zeros((2, G, r))
    s2 = np.zeros((2, G, r, r))
    n = np.zeros((2, G), dtype=np.int64)
    best = {0: [], 1: []}
    for sid, k in blocks:
        g = xxhash.xxh64_intdigest(sid.encode(), seed=0) % G
        ok = np.isfinite(k).all(axis=1)
        kk, mm = (k, modality) if ok.all() else (k[ok], modality[ok])
        y = kk @ proj - offset                      # Float32 [t, r]
        t = np.floor((y - lo) * scale)
        bins = np.where(t < 0, 0, np.where(t >= B, B + 1, t + 1)).astype(np.int64)
        flat = ((mm[:, None] * G + g) * r + np.arange(r)[None, :]) * (B + 2) + bins
        H += np.bincount(flat.ravel(), minlength=H.size)
        y64 = y.astype(np.float64)
        for m in (0, 1):
            ym = y64[mm == m]
            n[m, g] += ym.shape[0]
            s1[m, g] += ym.sum(axis=0)
            s2[m, g] += ym.T @ ym
        if with_hashes:
            idx = np.flatnonzero(ok)
            for m in (0, 1):
                hs = [xxhash.xxh64_intdigest(f"{sid}#{i}".encode(), seed=0) for i in idx[mm == m]]
                best[m] = sorted(best[m] + hs)[: a.subsample]
    return H, s1, s2, n


def timed(with_hashes):
    times = []
    for _ in range(max(1, a.repeats)):
        t0 = time.perf_counter()
        main_pass(with_hashes)
        times.append(time.perf_counter() - t0)
    return min(times)


full, vector_only = timed(True), timed(False)
nbytes = a.blocks * T * D * 4
print(json.dumps({"width": D, "tokens": a.blocks * T, "threads": a.threads, "numpy": np.__version__,
                  "main_pass_seconds": full, "main_pass_gbps": nbytes / full / 1e9,
                  "vectorised_seconds": vector_only, "vectorised_gbps": nbytes / vector_only / 1e9}))
sys.stdout.flush()
