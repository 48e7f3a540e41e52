#!/usr/bin/env python3
"""PyTorch CPU baselines for the bf16 GEMM path, same shapes as `keyscope bench gemm --precision bf16`.

Times torch.nn.functional.linear with fp32 and bf16 (weights and activations) on the three LLaVA-7B GEMM
shapes, and one LlamaDecoderLayer (LLaVA-7B sizes) in fp32 and bf16, alternating in one run so the ratios are
fair on a shared machine. Usage: bench_bf16_torch.py [--threads 2 --repeats 3 --tokens 640 --no-layer].
Prints one JSON line per measurement. Pinned: torch==2.13.0+cpu transformers==5.24.0."""
import argparse
import json
import time

import torch

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--repeats", type=int, default=3)
p.add_argument("--tokens", type=int, default=640)
p.add_argument("--no-layer", action="store_true")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)


def best_of(fn):
    fn()
    best = float("inf")
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


with torch.no_grad():
    for m, n, k in [(a.tokens, 4096, 4096), (a.tokens, 11008, 4096), (a.tokens, 4096, 11008)]:
        x = torch.randn(m, k)
        w = torch.randn(n, k) / k ** 0.5
        xb, wb = x.bfloat16(), w.bfloat16()
        w32 = wb.float()
        t32 = best_of(lambda: torch.nn.functional.linear(x, w32))
        tbf = best_of(lambda: torch.nn.functional.linear(xb, wb))
        ref = torch.nn.functional.linear(x, w32)
        err = (torch.nn.functional.linear(xb, wb).float() - ref).abs().max() / ref.abs().max()
        flops = 2 * m * n * k
        print(json.dumps({"impl": "torch.linear", "m": m, "n": n, "k": k, "threads": a.threads,
                          "fp32_gflops": flops / t32 / 1e9, "bf16_gflops": flops / tbf / 1e9,
                          "bf16_over_fp32": t32 / tbf, "bf16_max_rel_err": float(err)}))

    if not a.no_layer:
        from transformers import LlamaConfig
        from transformers.models.llama.modeling_llama import LlamaDecoderLayer, LlamaRotaryEmbedding
        cfg = LlamaConfig(hidden_size=4096, intermediate_size=11008, num_attention_heads=32,
                          num_key_value_heads=32, num_hidden_layers=1)
        cfg._attn_implementation = "sdpa"
        layer = LlamaDecoderLayer(cfg, 0).eval()
        rope = LlamaRotaryEmbedding(cfg)
        T = a.tokens
        pos = torch.arange(T)[None]
        x = torch.randn(1, T, 4096)
        mask = torch.full((T, T), float("-inf")).triu(1)[None, None]

        def run(dtype):
            layer.to(dtype)
            h = x.to(dtype)
            pe = tuple(t.to(dtype) for t in rope(h, pos))
            return best_of(lambda: layer(h, attention_mask=mask.to(dtype), position_ids=pos, position_embeddings=pe))

        t32 = run(torch.float32)
        tbf = run(torch.bfloat16)
        d, hd = 4096, 128
        flops = 2 * T * d * 3 * d + 2 * T * d * d + 6 * T * d * 11008 + 4 * 32 * T * T * hd
        print(json.dumps({"impl": "LlamaDecoderLayer", "tokens": T, "threads": a.threads,
                          "fp32_seconds": t32, "bf16_seconds": tbf, "fp32_gflops": flops / t32 / 1e9,
                          "bf16_gflops": flops / tbf / 1e9, "bf16_over_fp32": t32 / tbf}))
