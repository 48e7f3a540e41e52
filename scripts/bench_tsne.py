#!/usr/bin/env python3
"""t-SNE benchmark: keyscope vs openTSNE 1.0.4 on the same data at the same settings (DESIGN §5).

  python3 scripts/bench_tsne.py --n 10000 --threads 2 --dir /tmp/tsne-bench [--keyscope .build-rel/release/keyscope]

With --keyscope, first runs `keyscope bench tsne --n N --threads T --out DIR`, which writes the
deterministic 10-cluster 32-d mixture (tsne_bench_<n>.f32), its map (tsne_bench_<n>_swift.f64) and
timing (tsne_bench_<n>_swift.json). Then runs openTSNE on that file: exact k-NN (k = 3·perplexity,
as keyscope above 1000 points), the same PCA start convention, perplexity 30, early exaggeration 12
× 250, 750 main iterations, learning rate max(n/12, 200), momentum 0.5 → 0.8, no step clipping,
Barnes-Hut θ = 0.5 (n_jobs = threads). Both final maps are scored against ONE common P
(openTSNE's) with the exact normaliser Z, so the KL ratio compares maps, not estimators.
"""
import argparse
import json
import os
import subprocess
import time

import numpy as np
from openTSNE import TSNEEmbedding, affinity


def pca_init(x):
    xc = x - x.mean(axis=0)
    w, v = np.linalg.eigh(xc.T @ xc / len(x))
    axes = []
    for k in (len(w) - 1, len(w) - 2):
        a = v[:, k]
        axes.append(-a if a[np.argmax(np.abs(a))] < 0 else a)
    y = xc @ np.stack(axes, axis=1)
    return y / (np.std(y[:, 0]) / 1e-4)


def exact_kl(y, P, block=1024):
    """KL(P || Q) with Q's normaliser summed exactly over all pairs (blocked)."""
    n = len(y)
    z = 0.0
    sq = (y ** 2).sum(1)
    for s in range(0, n, block):
        d2 = sq[s:s + block, None] + sq[None, :] - 2 * y[s:s + block] @ y.T
        w = 1 / (1 + np.maximum(d2, 0))
        z += w.sum() - min(block, n - s)  # drop the diagonal (w = 1)
    P = P.tocoo()
    d2 = ((y[P.row] - y[P.col]) ** 2).sum(1)
    p = P.data
    return float((p * (np.log(p) + np.log1p(d2))).sum() / p.sum() + np.log(z))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dir", default="/tmp/keyscope-tsne-bench")
    ap.add_argument("--keyscope", help="path to the keyscope binary (runs `bench tsne` first)")
    a = ap.parse_args()
    n = a.n
    if a.keyscope:
        subprocess.run([a.keyscope, "bench", "tsne", "--n", str(n), "--threads", str(a.threads), "--out", a.dir], check=True)
    x = np.fromfile(os.path.join(a.dir, f"tsne_bench_{n}.f32"), dtype="<f4").reshape(n, 32).astype(np.float64)
    ys = np.fromfile(os.path.join(a.dir, f"tsne_bench_{n}_swift.f64"), dtype="<f8").reshape(n, 2)
    with open(os.path.join(a.dir, f"tsne_bench_{n}_swift.json")) as f:
        swift = json.load(f)

    lr = max(n / 12, 200)
    c0 = time.process_time()
    t0 = time.perf_counter()
    aff = affinity.PerplexityBasedNN(x, perplexity=30, method="exact", n_jobs=a.threads, random_state=0)
    t1 = time.perf_counter()
    emb = TSNEEmbedding(pca_init(x), aff, learning_rate=lr, negative_gradient_method="bh", theta=0.5,
                        n_jobs=a.threads, random_state=0)
    emb = emb.optimize(n_iter=250, exaggeration=12, momentum=0.5, learning_rate=lr, max_step_norm=None)
    emb = emb.optimize(n_iter=750, exaggeration=None, momentum=0.8, learning_rate=lr, max_step_norm=None)
    t2 = time.perf_counter()
    c2 = time.process_time()
    yo = np.asarray(emb, dtype=np.float64)

    kl_o, kl_s = exact_kl(yo, aff.P), exact_kl(ys, aff.P)
    out = {
        "n": n, "threads": a.threads,
        "openTSNE_seconds": t2 - t0, "openTSNE_affinity_seconds": t1 - t0, "openTSNE_reported_kl": float(emb.kl_divergence),
        "openTSNE_cpu_seconds": c2 - c0, "keyscope_cpu_seconds": swift["cpuSeconds"],
        "cpu_ratio_keyscope_over_openTSNE": swift["cpuSeconds"] / (c2 - c0),
        "keyscope_seconds": swift["seconds"], "keyscope_reported_kl": swift["klDivergence"],
        "keyscope_kl_is_exact": swift["klIsExact"],
        "kl_common_P_openTSNE": kl_o, "kl_common_P_keyscope": kl_s,
        "time_ratio_keyscope_over_openTSNE": swift["seconds"] / (t2 - t0),
        "kl_ratio_keyscope_over_openTSNE": kl_s / kl_o,
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
