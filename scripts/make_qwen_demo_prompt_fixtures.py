#!/usr/bin/env python3
"""Reference input_ids for the Qwen2.5-VL demo model on three demo samples, as transformers builds them.

Writes Tests/ModelTests/Fixtures/qwen_demo/prepared.json (checked by QwenSamplePreparerTests). Stack:
transformers 5.24.0 + Pillow 13.0.0 (scripts/requirements-fixtures.txt). transformers 5 cannot build
`Qwen2_5_VLProcessor` without torchvision, so this does what the processor does, piece by piece:
  - `Qwen2VLImageProcessorPil` with the demo's preprocessor_config.json → pixel_values, image_grid_thw
  - the user text as keyscope's QuestionFormatter writes it (LLaVA's MMBench single-pred prompt)
  - `apply_chat_template(tokenize=False, add_generation_prompt=True)` with one image + text content
  - `<|image_pad|>` repeated t·h·w / merge² times (Qwen2_5_VLProcessor.__call__)
  - the tokenizer transformers builds from the demo's vocab.json + merges.txt + tokenizer_config.json.

    python3 scripts/make_qwen_demo_prompt_fixtures.py
"""
import json
from pathlib import Path

import numpy as np
from PIL import Image
from transformers import AutoTokenizer
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "demo" / "models" / "qwen2.5-vl-tiny"
SAMPLES = ["02_brick_mc_en", "03_camera_mc_zh", "04_chelsea_open_en"]
EN = "Answer with the option's letter from the given choices directly."
ZH = "请直接回答选项字母。"


def user_text(s):
    lines = ([s["hint"]] if s.get("hint") else []) + [s["question"]]
    if s.get("options"):
        lines.append("\n".join(f"{k}. {v}" for k, v in s["options"].items()))
        lines.append(ZH if s.get("lang") == "zh" else EN)
    return "\n".join(lines)


def main():
    rows = {r["id"]: r for r in map(json.loads, (ROOT / "demo" / "samples.jsonl").read_text().splitlines())}
    pre = json.loads((MODEL / "preprocessor_config.json").read_text())
    proc = Qwen2VLImageProcessorPil(**{k: v for k, v in pre.items() if k not in ("image_processor_type", "processor_class")})
    tok = AutoTokenizer.from_pretrained(MODEL)
    assert not (MODEL / "tokenizer.json").exists(), "the reference must come from vocab.json + merges.txt"
    pad = "<|image_pad|>"
    merge = pre["merge_size"]
    out = []
    for sid in SAMPLES:
        s = rows[sid]
        image = Image.open(ROOT / "demo" / s["image"]).convert("RGB")
        enc = proc(images=[image], return_tensors="np")
        grid = [int(x) for x in enc["image_grid_thw"][0]]
        pixels = np.asarray(enc["pixel_values"], dtype=np.float64)
        msgs = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": user_text(s)}]}]
        text = tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
        n = grid[0] * grid[1] * grid[2] // merge ** 2
        assert text.count(pad) == 1
        text = text.replace(pad, pad * n)
        ids = tok(text, add_special_tokens=True)["input_ids"]
        assert ids.count(tok.convert_tokens_to_ids(pad)) == n
        out.append(dict(id=sid, image_grid_thw=grid, image_tokens=n, pixel_rows=int(pixels.shape[0]),
                        pixel_sum=float(pixels.sum()), pixel_abs_sum=float(np.abs(pixels).sum()),
                        text_tokens=len(ids) - n, input_ids=ids))
    dest = ROOT / "Tests" / "ModelTests" / "Fixtures" / "qwen_demo" / "prepared.json"
    dest.write_text(json.dumps(dict(source="transformers 5.24.0 Qwen2VLImageProcessorPil + chat template + "
                                    "tokenizer from vocab.json/merges.txt of demo/models/qwen2.5-vl-tiny (Apache-2.0)",
                                    samples=out), ensure_ascii=False, separators=(",", ":")) + "\n")
    for o in out:
        print(o["id"], o["image_grid_thw"], o["image_tokens"], o["text_tokens"])
    print(dest, dest.stat().st_size)


if __name__ == "__main__":
    main()
