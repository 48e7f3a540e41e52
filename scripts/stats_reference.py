#!/usr/bin/env python3
"""Independent numpy/scipy reference for keyscope's statistics engine (DESIGN §4, §5).

Writes Tests/MathTests/Fixtures/stats/*.json: small synthetic key sets (inputs) with every expected
output (calibration, histograms, subsample, JSD, bootstrap, Gaussian summary, MMD), plus XXH64
vectors from the `xxhash` package. Deterministic: run it again and the files are byte-identical.
Needs numpy==2.4.6 scipy==1.17.1 xxhash==4.1.0 (scripts/requirements-fixtures.txt).

Usage: python3 scripts/stats_reference.py [output_dir]
"""
import base64
import json
import math
import os
import sys

import numpy as np
import scipy.linalg
import xxhash
from scipy.spatial.distance import pdist, squareform

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "Tests", "MathTests", "Fixtures", "stats")
EDGE_MARGIN = 2e-4  # in bin units: Swift's Float32 y may differ from float64 y by ~1e-5 bins


def h64(seed, s):
    return xxhash.xxh64(s.encode("utf-8"), seed=seed).intdigest()


# ---------------------------------------------------------------- calibration (§4.1)
def calibration_ids(ids, o):
    keyed = sorted(set(ids), key=lambda s: (h64(o["seed"], s), s.encode("utf-8")))
    return keyed[: o["calibration_samples"]]


def finite_rows(k):
    return np.all(np.isfinite(k), axis=1)


def calibrate(samples, o):
    ids = calibration_ids([s["id"] for s in samples], o)
    chosen = [s for s in samples if s["id"] in set(ids)]
    allk = np.concatenate([s["keys"] for s in chosen]).astype(np.float64)
    ok = finite_rows(allk)
    x = allk[ok]
    n, d = x.shape
    mu = x.mean(axis=0)
    const = x.min(axis=0) == x.max(axis=0)
    sd = x.std(axis=0)
    sd[const] = 0.0
    z = np.zeros_like(x)
    act = ~const
    z[:, act] = (x[:, act] - mu[act]) / sd[act]
    zc = z - z.mean(axis=0)
    cov = zc.T @ zc / n
    idx = np.flatnonzero(act)
    pairs = []
    if idx.size:
        w, v = np.linalg.eigh(cov[np.ix_(idx, idx)])
        for k in range(idx.size - 1, -1, -1):
            full = np.zeros(d)
            full[idx] = v[:, k]
            pairs.append((w[k], full))
    zeros = []
    for i in np.flatnonzero(const):
        e = np.zeros(d)
        e[i] = 1.0
        zeros.append((0.0, e))
    ordered, a, b = [], 0, 0
    while a < len(pairs) or b < len(zeros):
        if b == len(zeros) or (a < len(pairs) and pairs[a][0] >= zeros[b][0]):
            ordered.append(pairs[a]); a += 1
        else:
            ordered.append(zeros[b]); b += 1
    r = min(o["components"], d)
    P = np.zeros((d, r))
    lam = np.zeros(r)
    for j in range(r):
        vec = ordered[j][1].copy()
        if vec[np.argmax(np.abs(vec))] < 0:
            vec = -vec
        P[:, j] = vec
        lam[j] = ordered[j][0]
    return dict(ids=ids, n=int(n), excluded=int((~ok).sum()), mean=mu, std=sd, eigenvalues=lam, basis=P)


def project(cal, k):
    sd, mu = cal["std"], cal["mean"]
    z = np.zeros_like(k, dtype=np.float64)
    act = sd > 0
    z[:, act] = (k[:, act].astype(np.float64) - mu[act]) / sd[act]
    return z @ cal["basis"]


def bin_range(lam):
    return (0.0, 0.0) if lam <= 0 else (-6 * math.sqrt(lam), 6 * math.sqrt(lam))


def bin_of(y, lo, hi, B):
    if not hi > lo:
        return 0 if y < 0 else B + 1
    t = (y - lo) / (hi - lo) * B
    if t < 0:
        return 0
    if t >= B:
        return B + 1
    return 1 + int(math.floor(t))


def near_edge(y, lo, hi, B):
    if not hi > lo:
        return False
    t = (y - lo) / (hi - lo) * B
    return -EDGE_MARGIN < t < B + EDGE_MARGIN and abs(t - round(t)) < EDGE_MARGIN


# ---------------------------------------------------------------- main pass (§4.2, §5)
def main_pass(samples, cal, o):
    G, B = o["groups"], o["bins"]
    r = cal["basis"].shape[1]
    H = np.zeros((2, G, r, B + 2), dtype=np.int64)
    ys = {0: [], 1: []}
    meta = {0: [], 1: []}
    group_of = {0: [], 1: []}
    excluded = [0, 0]
    ranges = [bin_range(l) for l in cal["eigenvalues"]]
    edge = False
    for s in samples:
        g = h64(o["seed"], s["id"]) % G
        k = s["keys"]
        y = project(cal, k)
        ok = finite_rows(k)
        for i in range(k.shape[0]):
            m = s["modality"][i]
            if not ok[i]:
                excluded[m] += 1
                continue
            for j in range(r):
                lo, hi = ranges[j]
                H[m, g, j, bin_of(y[i, j], lo, hi, B)] += 1
                edge = edge or near_edge(y[i, j], lo, hi, B)
            ys[m].append(y[i])
            idx = s["token_index"][i]
            meta[m].append((h64(o["seed"], f"{s['id']}#{idx}"), s["id"].encode("utf-8"), idx, s["id"]))
            group_of[m].append(g)
    sub = {}
    for m in (0, 1):
        order = sorted(range(len(meta[m])), key=lambda q: meta[m][q][:3])[: o["subsample_size"]]
        sub[m] = dict(entries=[meta[m][q] for q in order],
                      y=np.array([ys[m][q] for q in order]).reshape(len(order), r))
    Y = {m: np.array(ys[m]).reshape(len(ys[m]), r) for m in (0, 1)}
    counts = np.zeros((2, G), dtype=np.int64)
    for m in (0, 1):
        for g in group_of[m]:
            counts[m, g] += 1
    return dict(H=H, Y=Y, sub=sub, excluded=excluded, counts=counts, edge=edge)


# ---------------------------------------------------------------- analysis (§4.3–§4.6)
def jsd(a, b):
    sa, sb = a.sum(), b.sum()
    if sa == 0 or sb == 0:
        return None
    p, q = a / sa, b / sb
    M = (p + q) / 2
    lp = np.where(p > 0, p * np.log2(np.where(p > 0, p, 1) / np.where(p > 0, M, 1)), 0.0).sum()
    lq = np.where(q > 0, q * np.log2(np.where(q > 0, q, 1) / np.where(q > 0, M, 1)), 0.0).sum()
    return float(0.5 * lp + 0.5 * lq)


def per_component(A, Bm):
    return [jsd(A[j], Bm[j]) for j in range(A.shape[0])]


def scores(vals, w):
    d = [v for v in vals if v is not None]
    mean = float(np.mean(d)) if d else None
    weighted = float(sum(wi * vi for wi, vi in zip(w, vals))) if (w is not None and len(d) == len(vals) and vals) else None
    return dict(weighted=weighted, mean=mean)


def all_scores(H, mult):
    G = H.shape[1]
    mult = np.asarray(mult)
    even = np.array([mult[g] if g % 2 == 0 else 0 for g in range(G)])
    odd = np.array([mult[g] if g % 2 == 1 else 0 for g in range(G)])
    pool = lambda m, c: np.tensordot(c, H[m], axes=(0, 0))
    inter = per_component(pool(1, mult), pool(0, mult))
    ii = per_component(pool(1, even), pool(1, odd))
    it = per_component(pool(0, even), pool(0, odd))
    return inter, ii, it


def gaussian(Y):
    if Y.shape[0] == 0:
        return None
    mu = Y.mean(axis=0)
    c = Y - mu
    return mu, c.T @ c / Y.shape[0]


def psd_sqrt(a):
    w, v = np.linalg.eigh(a)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet(ma, ca, mb, cb):
    ra = psd_sqrt(ca)
    m = ra @ cb @ ra
    m = (m + m.T) / 2
    tr = np.sqrt(np.clip(np.linalg.eigvalsh(m), 0, None)).sum()
    return float(((ma - mb) ** 2).sum() + np.trace(ca) + np.trace(cb) - 2 * tr)


def skl(ma, ca, mb, cb):
    try:
        scipy.linalg.cholesky(ca, lower=True)
        scipy.linalg.cholesky(cb, lower=True)
    except np.linalg.LinAlgError:
        return None
    ia, ib = np.linalg.inv(ca), np.linalg.inv(cb)
    d = ma - mb
    k = len(ma)
    return float(0.5 * (np.trace(ib @ ca) + np.trace(ia @ cb) + d @ ib @ d + d @ ia @ d) - k)


def mmd_unbiased(K, inx):
    X, Y = np.flatnonzero(inx), np.flatnonzero(~inx)
    n, m = len(X), len(Y)
    kxx = K[np.ix_(X, X)]; kyy = K[np.ix_(Y, Y)]; kxy = K[np.ix_(X, Y)]
    return ((kxx.sum() - np.trace(kxx)) / (n * (n - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
            - 2 * kxy.sum() / (n * m))


def mmd(ximg, ytxt, R, seed):
    n, m = len(ximg), len(ytxt)
    if n < 2 or m < 2:
        return None
    Z = np.concatenate([ximg, ytxt])
    sigma = float(np.median(pdist(Z)))
    if not sigma > 0:
        return None
    K = np.exp(-squareform(pdist(Z, "sqeuclidean")) / (2 * sigma * sigma))
    N = n + m
    inx = np.arange(N) < n
    obs = mmd_unbiased(K, inx)
    hits = 0
    for r in range(R):
        order = sorted(range(N), key=lambda i: (h64(seed, f"perm#{r}#{i}"), i))
        lab = np.zeros(N, dtype=bool)
        lab[order[:n]] = True
        if mmd_unbiased(K, lab) >= obs:
            hits += 1
    return dict(mmd2=float(obs), bandwidth=sigma, p_value=(1 + hits) / (1 + R))


def analyse(mp, cal, o):
    H = mp["H"]
    G = o["groups"]
    lam = cal["eigenvalues"]
    pos = np.clip(lam, 0, None)
    w = list(pos / pos.sum()) if pos.sum() > 0 else None
    inter, ii, it = all_scores(H, np.ones(G, dtype=np.int64))
    R = o["bootstrap_draws"]
    hits, di, dimg, dtxt = 0, [], [], []
    for r in range(R):
        mult = np.zeros(G, dtype=np.int64)
        for i in range(G):
            mult[h64(o["seed"], f"boot#{r}#{i}") % G] += 1
        a, b, c = all_scores(H, mult)
        s_inter, s_ii, s_it = scores(a, w)["weighted"], scores(b, w)["weighted"], scores(c, w)["weighted"]
        if s_inter is None or (s_ii is None and s_it is None):
            hits += 1
            continue
        if s_inter <= max(x for x in (s_ii, s_it) if x is not None):
            hits += 1
        di.append(s_inter)
        if s_ii is not None:
            dimg.append(s_ii)
        if s_it is not None:
            dtxt.append(s_it)
    iv = lambda v: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))] if v else None
    gi, gt = gaussian(mp["Y"][1]), gaussian(mp["Y"][0])
    fr = sk = None
    if gi is not None and gt is not None:
        fr = frechet(gi[0], gi[1], gt[0], gt[1])
        sk = skl(gi[0], gi[1], gt[0], gt[1])
    mm = mmd(mp["sub"][1]["y"], mp["sub"][0]["y"], o["permutation_draws"], o["seed"])
    return dict(
        weights=w, inter_jsd=inter, intra_image_jsd=ii, intra_text_jsd=it,
        inter=scores(inter, w), intra_image=scores(ii, w), intra_text=scores(it, w),
        bootstrap=dict(p_value=(1 + hits) / (1 + R), valid_draws=len(di),
                       inter_interval=iv(di), intra_image_interval=iv(dimg), intra_text_interval=iv(dtxt)),
        frechet=fr, symmetric_kl=sk,
        image_mean=None if gi is None else list(gi[0]), text_mean=None if gt is None else list(gt[0]),
        mmd=mm)


# ---------------------------------------------------------------- synthetic data
def make_samples(rng, D, n_samples, o, const_dim, image_even_only, nonfinite, shift_scale):
    mix = rng.normal(size=(D, D)) * 0.4 + np.diag(np.linspace(2.0, 0.5, D))
    shift = rng.normal(size=D) * shift_scale
    base = rng.normal(size=D) * 1.5
    samples = []
    for i in range(n_samples):
        sid = f"s{i:03d}" if i % 7 else f"échantillon-{i}"
        T = int(rng.integers(6, 22))
        g = h64(o["seed"], sid) % o["groups"]
        has_image = (i % 5 != 4) and not (image_even_only and g % 2 == 1)
        modality = [0] * T
        if has_image:
            start, count = 1, max(1, T // 2)
            for q in range(start, min(T, start + count)):
                modality[q] = 1
        keys = np.empty((T, D))
        for q in range(T):
            e = rng.normal(size=D)
            keys[q] = base + e @ mix + (shift if modality[q] else 0.0) * (1.3 if modality[q] else 1.0)
        if const_dim is not None:
            keys[:, const_dim] = 1.25
        samples.append(dict(id=sid, keys=keys.astype(np.float32), modality=modality,
                            token_index=[3 + q for q in range(T)]))
    for (si, q, v) in nonfinite:
        samples[si]["keys"][q, (q * 3) % D] = v
    return samples


def b64(a):
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode()


def rounded(x):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return [rounded(v) for v in x]
    if isinstance(x, np.ndarray):
        return [rounded(v) for v in x.tolist()]
    return float(x) if isinstance(x, (float, np.floating)) else x


def build_case(name, D, n_samples, o, const_dim, image_even_only, nonfinite, shift_scale=0.8):
    for attempt in range(500):
        rng = np.random.default_rng([hash_name(name), attempt])
        samples = make_samples(rng, D, n_samples, o, const_dim, image_even_only, nonfinite, shift_scale)
        cal = calibrate(samples, o)
        mp = main_pass(samples, cal, o)
        if not mp["edge"]:
            break
    else:
        raise SystemExit(f"{name}: could not avoid bin edges")
    res = analyse(mp, cal, o)
    sub = []
    for m in (0, 1):
        sub.append(dict(
            ids=[e[3] for e in mp["sub"][m]["entries"]], token_index=[e[2] for e in mp["sub"][m]["entries"]],
            hash=[str(e[0]) for e in mp["sub"][m]["entries"]], y=b64(mp["sub"][m]["y"])))
    return dict(
        name=name, attempt=attempt, width=D, options=o,
        samples=[dict(id=s["id"], modality=s["modality"], token_index=s["token_index"], keys=b64(s["keys"]))
                 for s in samples],
        expected=dict(
            calibration_ids=cal["ids"], calibration_count=cal["n"], calibration_excluded=cal["excluded"],
            mean=rounded(cal["mean"]), std=rounded(cal["std"]), eigenvalues=rounded(cal["eigenvalues"]),
            basis=rounded(cal["basis"].reshape(-1)),
            histogram=mp["H"].reshape(-1).tolist(), moment_count=mp["counts"].reshape(-1).tolist(),
            excluded=mp["excluded"], subsample=sub, result=rounded_tree(res)))


def rounded_tree(d):
    if isinstance(d, dict):
        return {k: rounded_tree(v) for k, v in d.items()}
    return rounded(d)


def hash_name(name):
    return xxhash.xxh64(name.encode()).intdigest() % (1 << 32)


def xxh_vectors():
    out = []
    data = bytes((i * 7 + 3) % 256 for i in range(300))
    for n in list(range(0, 40)) + [63, 64, 65, 100, 255, 300]:
        for seed in (0, 1, 0x9E3779B97F4A7C15):
            out.append(dict(hex=data[:n].hex(), seed=str(seed), hash=str(xxhash.xxh64(data[:n], seed=seed).intdigest())))
    strings = []
    for s in ["", "a", "abc", "s001#17", "échantillon-7#0", "boot#3#12", "perm#999#1999", "日本語テキスト"]:
        for seed in (0, 7):
            strings.append(dict(string=s, seed=str(seed), hash=str(h64(seed, s))))
    return dict(bytes=out, strings=strings)


def opts(**kw):
    o = dict(components=6, bins=16, groups=8, bootstrap_draws=200, permutation_draws=100,
             subsample_size=40, calibration_samples=14, seed=7)
    o.update(kw)
    return o


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = [
        build_case("basic", 10, 30, opts(), const_dim=4, image_even_only=False,
                   nonfinite=[(2, 3, float("nan")), (5, 2, float("inf")), (9, 1, float("-inf")), (20, 0, float("nan"))]),
        build_case("edge", 4, 24, opts(components=6, seed=0, calibration_samples=100, subsample_size=25),
                   const_dim=2, image_even_only=True, nonfinite=[(1, 1, float("nan"))], shift_scale=0.12),
    ]
    for c in cases:
        with open(os.path.join(OUT, f"{c['name']}.json"), "w") as f:
            json.dump(c, f, separators=(",", ":"), sort_keys=True)
    with open(os.path.join(OUT, "xxh64.json"), "w") as f:
        json.dump(xxh_vectors(), f, separators=(",", ":"), sort_keys=True)
    for c in cases:
        print(c["name"], "attempt", c["attempt"], "inter", c["expected"]["result"]["inter"],
              "skl", c["expected"]["result"]["symmetric_kl"], "mmd", c["expected"]["result"]["mmd"])


if __name__ == "__main__":
    main()
