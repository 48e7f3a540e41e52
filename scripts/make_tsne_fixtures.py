#!/usr/bin/env python3
"""Regenerates Tests/MathTests/Fixtures/tsne/ (t-SNE references from openTSNE 1.0.4).

Deterministic: numpy's PCG64 with fixed seeds; openTSNE runs single-threaded with an explicit
PCA start computed here with keyscope's convention, so both implementations start from the same
map. Files (little-endian, no headers; shapes in meta.json):
  affinity_x.f64      [n_a, d_a]  input of the affinity check
  affinity_p.f64      [n_a, n_a]  openTSNE's joint P (dense, all pairs: k_neighbors = n - 1)
  clusters_x.f32      [n_c, d_c]  3-cluster Gaussian mixture, labels = i // (n_c / 3)
  clusters_init.f64   [n_c, 2]    PCA start (std of first coordinate 1e-4)
  clusters_otsne.f64  [n_c, 2]    openTSNE's final map at DESIGN §5 settings
  meta.json           shapes, settings, openTSNE's KL (its own estimate and exact under its P)
Usage: python3 scripts/make_tsne_fixtures.py [out_dir]
"""
import json
import os
import sys

import numpy as np
import openTSNE
from openTSNE import TSNE, TSNEEmbedding, affinity

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "Tests", "MathTests", "Fixtures", "tsne")


def pca_init(x):
    """Top-2 PCA axes of the covariance (divisor n), sign: largest-|.| entry positive, std 1e-4."""
    xc = x - x.mean(axis=0)
    cov = xc.T @ xc / len(x)
    w, v = np.linalg.eigh(cov)
    axes = []
    for k in (len(w) - 1, len(w) - 2):
        a = v[:, k]
        if a[np.argmax(np.abs(a))] < 0:
            a = -a
        axes.append(a)
    y = xc @ np.stack(axes, axis=1)
    return y / (np.std(y[:, 0]) / 1e-4)


def exact_kl(y, p):
    d2 = ((y[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    w = 1 / (1 + d2)
    np.fill_diagonal(w, 0)
    q = w / w.sum()
    m = p > 0
    return float((p[m] * np.log(p[m] / q[m])).sum())


def dense(p):
    return np.asarray(p.toarray(), dtype=np.float64)


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {"openTSNE": openTSNE.__version__, "numpy": np.__version__}

    # 1. Affinities: all pairs, perplexity capped at (n-1)/3 as DESIGN §4.7 says.
    rng = np.random.default_rng(20261201)
    na, da = 50, 8
    xa = rng.standard_normal((na, da))
    perp_a = (na - 1) / 3
    aff = affinity.PerplexityBasedNN(xa, perplexity=perp_a, method="exact", k_neighbors=na - 1,
                                     n_jobs=1, random_state=0)
    xa.astype("<f8").tofile(os.path.join(OUT, "affinity_x.f64"))
    dense(aff.P).astype("<f8").tofile(os.path.join(OUT, "affinity_p.f64"))
    meta["affinity"] = {"n": na, "d": da, "perplexity": perp_a}

    # 2. Three clusters, n = 600, d = 32: the KL / separation reference.
    rng = np.random.default_rng(7)
    nc, dc, per = 600, 32, 200
    centres = rng.standard_normal((3, dc)) * 3.0
    xc = np.concatenate([centres[c] + rng.standard_normal((per, dc)) for c in range(3)]).astype(np.float32)
    x64 = xc.astype(np.float64)
    init = pca_init(x64)
    perp_c = 30.0
    lr = max(nc / 12, 200)
    aff_c = affinity.PerplexityBasedNN(x64, perplexity=perp_c, method="exact", k_neighbors=nc - 1,
                                       n_jobs=1, random_state=0)
    emb = TSNEEmbedding(init.copy(), aff_c, learning_rate=lr, negative_gradient_method="bh",
                        theta=0.5, n_jobs=1, random_state=0)
    emb = emb.optimize(n_iter=250, exaggeration=12, momentum=0.5, learning_rate=lr, max_step_norm=None)
    emb = emb.optimize(n_iter=750, exaggeration=None, momentum=0.8, learning_rate=lr, max_step_norm=None)
    y = np.asarray(emb, dtype=np.float64)
    xc.astype("<f4").tofile(os.path.join(OUT, "clusters_x.f32"))
    init.astype("<f8").tofile(os.path.join(OUT, "clusters_init.f64"))
    y.astype("<f8").tofile(os.path.join(OUT, "clusters_otsne.f64"))
    meta["clusters"] = {
        "n": nc, "d": dc, "clusterSize": per, "perplexity": perp_c, "learningRate": lr,
        "exaggeration": 12, "exaggerationIterations": 250, "iterations": 750,
        "initialMomentum": 0.5, "finalMomentum": 0.8, "theta": 0.5, "gradient": "bh", "maxStepNorm": None,
        "klOpenTSNEReported": float(emb.kl_divergence),
        "klOpenTSNEExact": exact_kl(y, dense(aff_c.P)),
    }
    with open(os.path.join(OUT, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")
    print(json.dumps(meta, indent=1))


if __name__ == "__main__":
    main()
