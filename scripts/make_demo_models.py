#!/usr/bin/env python3
"""Generate keyscope's bundled demo checkpoints deterministically with transformers.

The models have the exact Hugging Face layout and structure of the real checkpoints (config.json,
sharded safetensors + index, the real tokenizer, chat template and processor configs), only smaller,
so keyscope's real loading code runs on them. Weights are random (seeded); they are not trained.

    pip install -r scripts/requirements-fixtures.txt
    python3 scripts/make_demo_models.py [--meta ../shared/hf-metadata] [--out demo/models] [--only llava|qwen]

Use `--only qwen` to regenerate the Qwen2.5-VL demo without rewriting the LLaVA files (and vice versa).
"""
import argparse
import json
import shutil
from pathlib import Path

import torch
from transformers import LlavaConfig, LlavaForConditionalGeneration, Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

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


QWEN_COPY = ["vocab.json", "merges.txt", "tokenizer_config.json", "chat_template.json", "generation_config.json"]

# Small image budget so the demo is fast: 64..256 merged image tokens (256..1024 patches of 14 px).
QWEN_MIN_PIXELS, QWEN_MAX_PIXELS = 64 * 28 * 28, 256 * 28 * 28

# The real vocabulary (151 643 BPE tokens + 22 specials) forces a 151 936-row embedding, the bulk of the
# files. Hidden 16 (bf16, tied lm_head) keeps the whole folder, tokenizer files included, under 11 MB.
QWEN_TEXT = dict(vocab_size=151936, hidden_size=16, intermediate_size=48, num_hidden_layers=4,
                 num_attention_heads=2, num_key_value_heads=1, max_window_layers=4)
QWEN_MROPE = [2, 1, 1]  # head_dim 8 → 4 rotary frequency pairs split (t, h, w), like the real [16, 24, 24] of 64
QWEN_VISION = dict(depth=4, hidden_size=32, intermediate_size=64, num_heads=2, out_hidden_size=16,
                   fullatt_block_indexes=[3])  # windows in blocks 0-2, full attention in block 3


def make_qwen(meta: Path, out: Path) -> None:
    real = json.loads((meta / "config.json").read_text())
    text_keys = ["attention_dropout", "bos_token_id", "eos_token_id", "hidden_act", "initializer_range",
                 "max_position_embeddings", "rms_norm_eps", "sliding_window", "use_sliding_window", "use_cache"]
    text = {k: real[k] for k in text_keys if k in real}
    text.update(QWEN_TEXT)
    text["rope_parameters"] = dict(rope_type="default", rope_theta=real["rope_theta"], mrope_section=QWEN_MROPE)
    vision = dict(real["vision_config"])
    vision["in_channels"] = vision.pop("in_chans", 3)
    vision.pop("spatial_patch_size", None)
    vision.update(QWEN_VISION)
    special = {k: real[k] for k in ["image_token_id", "video_token_id", "vision_start_token_id", "vision_end_token_id"]}
    config = Qwen2_5_VLConfig(text_config=text, vision_config=vision, tie_word_embeddings=True, **special)
    torch.manual_seed(20261202)
    model = Qwen2_5_VLForConditionalGeneration(config).to(torch.bfloat16).eval()
    if out.exists():
        shutil.rmtree(out)
    model.save_pretrained(out, max_shard_size="4MB")
    for name in QWEN_COPY:
        shutil.copy(meta / name, out / name)
    pre = json.loads((meta / "preprocessor_config.json").read_text())
    pre.update(min_pixels=QWEN_MIN_PIXELS, max_pixels=QWEN_MAX_PIXELS)
    (out / "preprocessor_config.json").write_text(json.dumps(pre, indent=2) + "\n")
    (out / "LICENSE-tokenizer.md").write_text(
        "vocab.json, merges.txt, tokenizer_config.json, chat_template.json, generation_config.json and\n"
        "preprocessor_config.json come from Qwen/Qwen2.5-VL-7B-Instruct (hub revision\n"
        "cc594898137f460bfe9f0759e9844b3ce807cfb5), licensed under the Apache License 2.0 (Copyright Alibaba Cloud).\n"
        f"preprocessor_config.json is modified: min_pixels {QWEN_MIN_PIXELS} (64·28·28) and max_pixels {QWEN_MAX_PIXELS}\n"
        "(256·28·28), so an image becomes 64-256 merged image tokens and the demo runs fast.\n"
        "Weights in this folder are random (seeded) and carry no license restrictions.\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--meta", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "hf-metadata")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "demo" / "models")
    ap.add_argument("--only", choices=["llava", "qwen"])
    a = ap.parse_args()
    if a.only in (None, "llava"):
        make_llava(a.meta / "llava-1.5-7b-hf", a.out / "llava-1.5-tiny")
    if a.only in (None, "qwen"):
        make_qwen(a.meta / "Qwen2.5-VL-7B-Instruct", a.out / "qwen2.5-vl-tiny")
    for p in sorted(a.out.rglob("*")):
        if p.is_file():
            print(f"{p.stat().st_size:>10}  {p.relative_to(a.out)}")


if __name__ == "__main__":
    main()
