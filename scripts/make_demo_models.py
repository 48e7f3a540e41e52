#!/usr/bin/env python3
"""Generate keyscope's bundled demo checkpoints deterministically with transformers.

The models have the exact Hugging Face layout and structure of the real checkpoints (config.json,
sharded safetensors + index, the real tokenizer, chat template and processor configs), only smaller,
so keyscope's real loading code runs on them. Weights are random (seeded); they are not trained.

    pip install -r scripts/requirements-fixtures.txt
    python3 scripts/make_demo_models.py [--meta ../shared/hf-metadata] [--out demo/models]
"""
import argparse
import json
import shutil
from pathlib import Path

import torch
from transformers import LlavaConfig, LlavaForConditionalGeneration

LLAVA_COPY = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
              "chat_template.json", "preprocessor_config.json", "processor_config.json", "generation_config.json"]


def make_llava(meta: Path, out: Path) -> None:
    real = json.loads((meta / "config.json").read_text())
    cfg = dict(real)
    cfg["text_config"] = dict(real["text_config"], hidden_size=64, intermediate_size=128, num_hidden_layers=4,
                              num_attention_heads=4, num_key_value_heads=4)
    cfg["vision_config"] = dict(real["vision_config"], hidden_size=64, intermediate_size=128,
                                num_hidden_layers=3, num_attention_heads=4, projection_dim=32)
    config = LlavaConfig(**{k: v for k, v in cfg.items() if k not in ("architectures", "transformers_version")})
    torch.manual_seed(20261201)
    model = LlavaForConditionalGeneration(config).to(torch.bfloat16).eval()
    if out.exists():
        shutil.rmtree(out)
    model.save_pretrained(out, max_shard_size="3MB")
    for name in LLAVA_COPY:
        if (meta / name).exists():
            shutil.copy(meta / name, out / name)
    (out / "LICENSE-tokenizer.md").write_text(
        "tokenizer.json and tokenizer_config.json are the Llama 2 tokenizer as shipped by llava-hf/llava-1.5-7b-hf.\n"
        "Llama 2 is licensed under the LLAMA 2 Community License, Copyright (c) Meta Platforms, Inc. All Rights Reserved.\n"
        "Weights in this folder are random (seeded) and carry no license restrictions.\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--meta", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "hf-metadata")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "demo" / "models")
    a = ap.parse_args()
    make_llava(a.meta / "llava-1.5-7b-hf", a.out / "llava-1.5-tiny")
    for p in sorted(a.out.rglob("*")):
        if p.is_file():
            print(f"{p.stat().st_size:>10}  {p.relative_to(a.out)}")


if __name__ == "__main__":
    main()
