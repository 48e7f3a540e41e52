#!/usr/bin/env python3
"""Generate the Qwen2.5-VL parity fixtures under Tests/ModelTests/Fixtures/qwen/.

Pinned stack (scripts/requirements-fixtures.txt): torch 2.13.0+cpu, transformers 5.24.0, safetensors 0.8.0.
Everything is seeded, so a rerun reproduces the same bytes. Outputs:

  tiny_t5/        save_pretrained of a tiny random Qwen2_5_VLForConditionalGeneration (F32, one file, nested
                  text_config as transformers 5 writes it, untied lm_head), one image with grid [1, 4, 6]
  tiny_hub/       the same family with Qwen/Qwen2.5-VL hub names (model.layers.*, visual.*), BF16, two shards +
                  model.safetensors.index.json, a flat hub-style config.json (rope_scaling {type: mrope}),
                  tie_word_embeddings (no lm_head tensor), two images with grids [1, 4, 6] and [1, 6, 8]
  <variant>_ref.safetensors  references from the model *as transformers loads that directory*: input_ids,
                  pixel_values (BF16-representable values stored as BF16), image_grid_thw, position_ids [3, T]
                  (get_rope_index), image features (visual pooler output, original order), patch embeddings
                  and vision block outputs (window order), embeddings after the scatter, every decoder layer's
                  output, k_proj outputs (pre-RoPE, hooks), post-RoPE keys from the model's own KV cache
                  (use_cache=True) and logits.

Pitfall guarded here: transformers 5 needs `mm_token_type_ids` (1 at image-pad positions), or it silently
falls back to 1-D positions; the script asserts the cached keys differ from 1-D RoPE keys.
"""
import json
import math
import os
import shutil
import sys

import torch
from safetensors.torch import save_file
from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration
from transformers.models.qwen2_5_vl.modeling_qwen2_5_vl import apply_rotary_pos_emb

ROOT = os.path.join(os.path.dirname(__file__), "..", "Tests", "ModelTests", "Fixtures", "qwen")

# Special tokens remapped into the tiny vocabulary (the real ones are 151652..151656).
VOCAB = 512
VISION_START, VISION_END, IMAGE_PAD, VIDEO_PAD = 500, 501, 502, 503
MERGE = 2

TEXT = dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=96, num_hidden_layers=3, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=256, rms_norm_eps=1e-6, bos_token_id=1, eos_token_id=2,
            rope_parameters=dict(rope_type="default", mrope_section=[2, 3, 3], rope_theta=1000000.0))
VISION = dict(depth=3, hidden_size=32, intermediate_size=48, num_heads=2, patch_size=14, temporal_patch_size=2,
              spatial_merge_size=MERGE, window_size=56, fullatt_block_indexes=[1], out_hidden_size=64,
              hidden_act="silu", in_channels=3, tokens_per_second=2)
SPECIAL = dict(image_token_id=IMAGE_PAD, video_token_id=VIDEO_PAD, vision_start_token_id=VISION_START,
               vision_end_token_id=VISION_END)


def f32(t):
    return t.detach().to(torch.float32).contiguous()


def build(seed, tie):
    torch.manual_seed(seed)
    cfg = Qwen2_5_VLConfig(text_config=dict(TEXT), vision_config=dict(VISION), tie_word_embeddings=tie, **SPECIAL)
    model = Qwen2_5_VLForConditionalGeneration(cfg).eval()
    with torch.no_grad():  # random init is tiny (std 0.02); widen it so parity is not trivially near zero
        for name, p in model.named_parameters():
            if "norm" in name or "ln_q" in name:
                p.add_(torch.randn_like(p) * 0.1)
            else:
                p.copy_(torch.randn_like(p) * (0.6 / math.sqrt(p[0].numel()) if p.dim() > 1 else 0.3))
    return model


def prompt(grids, g):
    """Text ids + per image <|vision_start|> pad × (t·h·w/merge²) <|vision_end|>, then more text."""
    ids = [1, 17, 42]
    for t, h, w in grids:
        ids += [VISION_START] + [IMAGE_PAD] * (t * h * w // MERGE ** 2) + [VISION_END]
        ids += torch.randint(3, 400, (3,), generator=g).tolist()
    ids += [7, 8, 2]
    n = sum(t * h * w for t, h, w in grids)
    pixels = torch.randn(n, 3 * 2 * 14 * 14, generator=g).to(torch.bfloat16)
    return ids, pixels


def record(model_dir, ids, pixels, grids, out_path):
    model = Qwen2_5_VLForConditionalGeneration.from_pretrained(model_dir, dtype=torch.float32).eval()
    inner = model.model
    lm, visual = inner.language_model, inner.visual
    caps = {}
    hooks = [lm.layers[0].register_forward_pre_hook(
        lambda m, args, kwargs: caps.__setitem__("embeddings", args[0] if args else kwargs["hidden_states"]),
        with_kwargs=True)]
    for i, layer in enumerate(lm.layers):
        hooks.append(layer.register_forward_hook(
            lambda m, a, o, i=i: caps.__setitem__(f"hidden_{i}", o[0] if isinstance(o, tuple) else o)))
        hooks.append(layer.self_attn.k_proj.register_forward_hook(
            lambda m, a, o, i=i: caps.__setitem__(f"keys_{i}", o)))
    hooks.append(visual.patch_embed.register_forward_hook(lambda m, a, o: caps.__setitem__("patch_embeds", o)))
    for i, blk in enumerate(visual.blocks):
        hooks.append(blk.register_forward_hook(lambda m, a, o, i=i: caps.__setitem__(f"vision_block_{i}", o)))
    hooks.append(visual.register_forward_hook(lambda m, a, o: caps.__setitem__("image_features", o.pooler_output)))
    input_ids = torch.tensor([ids])
    mm = (input_ids == IMAGE_PAD).to(torch.int32)
    grid = torch.tensor(grids, dtype=torch.int64)
    pv = pixels.to(torch.float32)
    with torch.no_grad():
        out = model(input_ids=input_ids, pixel_values=pv, image_grid_thw=grid, mm_token_type_ids=mm, use_cache=True)
        position_ids, _ = inner.get_rope_index(input_ids, mm_token_type_ids=mm, image_grid_thw=grid)
    for h in hooks:
        h.remove()
    T = len(ids)
    refs = {"input_ids": input_ids[0].to(torch.int64), "pixel_values": pixels.contiguous(), "image_grid_thw": grid,
            "position_ids": position_ids[:, 0].to(torch.int64).contiguous()}
    for k, v in caps.items():
        v = v[0] if v.dim() == 3 else v
        refs[k] = f32(v.reshape(-1, v.shape[-1]))
    for i, layer in enumerate(out.past_key_values.layers):
        kc = layer.keys[0]  # [kv_heads, T, head_dim]
        refs[f"rotated_keys_{i}"] = f32(kc.transpose(0, 1).reshape(T, -1))
    refs["logits"] = f32(out.logits[0])
    # M-RoPE really happened: 1-D RoPE of the same k_proj output gives different keys.
    hd = TEXT["hidden_size"] // TEXT["num_attention_heads"]
    k = refs["keys_0"].view(1, T, -1, hd).transpose(1, 2)
    cos, sin = lm.rotary_emb(k, torch.arange(T).view(1, 1, -1).expand(3, 1, -1))
    _, k1d = apply_rotary_pos_emb(k, k, cos, sin)
    k1d = k1d.transpose(1, 2).reshape(T, -1)
    assert (k1d - refs["rotated_keys_0"]).abs().max() > 1e-2, "keys equal 1-D RoPE: M-RoPE was not applied"
    assert not torch.equal(position_ids[0, 0], position_ids[1, 0]), "positions are 1-D"
    save_file(refs, out_path)
    return refs


def strip_extras(d):
    for extra in os.listdir(d):
        if extra not in ("config.json", "model.safetensors"):
            os.remove(os.path.join(d, extra))


def make_t5():
    d = os.path.join(ROOT, "tiny_t5")
    shutil.rmtree(d, ignore_errors=True)
    model = build(31, tie=False)
    model.save_pretrained(d)
    strip_extras(d)
    g = torch.Generator().manual_seed(7)
    grids = [[1, 4, 6]]
    ids, pixels = prompt(grids, g)
    record(d, ids, pixels, grids, os.path.join(ROOT, "tiny_t5_ref.safetensors"))


def to_hub_name(name):
    """transformers-5 in-memory names → Qwen/Qwen2.5-VL hub names."""
    if name.startswith("model.visual."):
        return "visual." + name[len("model.visual."):]
    if name.startswith("model.language_model."):
        return "model." + name[len("model.language_model."):]
    if name == "lm_head.weight":
        return name
    raise ValueError(name)


def make_hub():
    d = os.path.join(ROOT, "tiny_hub")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    model = build(47, tie=True)
    sd = {to_hub_name(k): v.to(torch.bfloat16).contiguous() for k, v in model.state_dict().items()
          if k != "lm_head.weight"}
    names = sorted(sd)
    shard2 = {k: sd[k] for k in names if k.startswith("model.layers.2.") or k == "model.norm.weight"}
    shard1 = {k: sd[k] for k in names if k not in shard2}
    files = {"model-00001-of-00002.safetensors": shard1, "model-00002-of-00002.safetensors": shard2}
    weight_map = {}
    for fname, part in files.items():
        save_file(part, os.path.join(d, fname), metadata={"format": "pt"})
        weight_map.update({k: fname for k in part})
    total = sum(v.numel() * 2 for v in sd.values())
    with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}, f, indent=2)
    # Flat hub-style config (as Qwen/Qwen2.5-VL-7B-Instruct ships it): legacy rope_scaling {type: mrope},
    # top-level rope_theta, vision_config without rope parameters.
    t = TEXT
    config = {
        "architectures": ["Qwen2_5_VLForConditionalGeneration"], "model_type": "qwen2_5_vl",
        "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 2, **SPECIAL,
        "hidden_act": "silu", "hidden_size": t["hidden_size"], "intermediate_size": t["intermediate_size"],
        "max_position_embeddings": t["max_position_embeddings"], "max_window_layers": 28,
        "num_attention_heads": t["num_attention_heads"], "num_hidden_layers": t["num_hidden_layers"],
        "num_key_value_heads": t["num_key_value_heads"], "rms_norm_eps": t["rms_norm_eps"],
        "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": True, "torch_dtype": "bfloat16",
        "transformers_version": "4.41.2", "use_cache": True, "use_sliding_window": False,
        "vision_config": {k: v for k, v in VISION.items() if k != "in_channels"} | {"in_chans": 3,
                                                                                   "spatial_patch_size": 14},
        "rope_scaling": {"type": "mrope", "mrope_section": [2, 3, 3]}, "vocab_size": VOCAB,
    }
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    g = torch.Generator().manual_seed(9)
    grids = [[1, 4, 6], [1, 6, 8]]
    ids, pixels = prompt(grids, g)
    record(d, ids, pixels, grids, os.path.join(ROOT, "tiny_hub_ref.safetensors"))
    loaded = Qwen2_5_VLForConditionalGeneration.from_pretrained(d, dtype=torch.float32)
    lsd = loaded.state_dict()
    for k, v in model.state_dict().items():  # transformers really read our hub-named bf16 shards
        if k != "lm_head.weight":
            assert torch.equal(lsd[k], v.to(torch.bfloat16).float()), k
    assert torch.equal(lsd["lm_head.weight"], lsd["model.language_model.embed_tokens.weight"]), "not tied"


if __name__ == "__main__":
    os.makedirs(ROOT, exist_ok=True)
    torch.set_num_threads(1)
    make_t5()
    make_hub()
    print("wrote", ROOT, file=sys.stderr)
