#!/usr/bin/env python3
"""Time transformers' Qwen2_5_VLDecoderLayer forward (Float32, CPU, M-RoPE) at the shape
`keyscope bench forward --family qwen` uses, for a side-by-side ratio. Usage: bench_qwen_torch.py [--hidden 3584
--intermediate 18944 --heads 28 --kv-heads 4 --layers 2 --tokens 640 --threads 2 --repeats 1]. Prints one JSON line.
FLOPs are counted as Qwen25VLBenchmark.flopsPerLayer counts them."""
import argparse
import json
import time

import torch
from transformers import Qwen2_5_VLTextConfig
from transformers.models.qwen2_5_vl.modeling_qwen2_5_vl import Qwen2_5_VLDecoderLayer, Qwen2_5_VLRotaryEmbedding

p = argparse.ArgumentParser()
for name, default in [("hidden", 3584), ("intermediate", 18944), ("heads", 28), ("kv-heads", 4), ("layers", 2),
                      ("tokens", 640), ("threads", 2), ("repeats", 1)]:
    p.add_argument("--" + name, type=int, default=default)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
half = a.hidden // a.heads // 2
s0 = half // 4
s1 = (half - s0) // 2
cfg = Qwen2_5_VLTextConfig(hidden_size=a.hidden, intermediate_size=a.intermediate, num_attention_heads=a.heads,
                           num_key_value_heads=a.kv_heads, num_hidden_layers=a.layers,
                           rope_parameters=dict(rope_type="default", rope_theta=1e6,
                                                mrope_section=[s0, s1, half - s0 - s1]))
cfg._attn_implementation = "sdpa"
layers = [Qwen2_5_VLDecoderLayer(cfg, i).eval() for i in range(a.layers)]
rope = Qwen2_5_VLRotaryEmbedding(cfg)
x = torch.randn(1, a.tokens, a.hidden)
pos = torch.arange(a.tokens).view(1, 1, -1).expand(3, 1, -1)
mask = torch.full((a.tokens, a.tokens), float("-inf")).triu(1)[None, None]


def forward():
    h = x
    with torch.no_grad():
        pe = rope(h, pos)
        for layer in layers:
            out = layer(h, attention_mask=mask, position_embeddings=pe)
            h = out[0] if isinstance(out, tuple) else out
    return h


forward()
best = float("inf")
for _ in range(a.repeats):
    t0 = time.perf_counter()
    forward()
    best = min(best, time.perf_counter() - t0)
d, hd, T = a.hidden, a.hidden // a.heads, a.tokens
flops = a.layers * (2 * T * d * (a.heads * hd + 2 * a.kv_heads * hd) + 2 * T * a.heads * hd * d
                    + 6 * T * d * a.intermediate + 4 * a.heads * T * T * hd)
print(json.dumps({"impl": "transformers", "tokens": T, "layers": a.layers, "threads": a.threads, "seconds": best,
                  "tokens_per_second": T / best, "gflop_per_second": flops / best / 1e9}))
