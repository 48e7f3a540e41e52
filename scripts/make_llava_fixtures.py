#!/usr/bin/env python3
"""Generate the LLaVA / NN parity fixtures under Tests/ModelTests/Fixtures/llava/.

Pinned stack (scripts/requirements-fixtures.txt): torch 2.13.0+cpu, transformers 5.24.0, safetensors 0.8.0.
Everything is seeded, so a rerun reproduces the same bytes. Outputs:

  nn_ref.safetensors      inputs/outputs of softmax, norms, activations, RoPE (4 scalings), GQA attention
  dtypes.safetensors      the same values stored as F32/F16/BF16/F64/I64/I32/U8 (conversion parity)
  tiny_t5/                save_pretrained of a tiny LlavaForConditionalGeneration (F32, one file, MHA, "default"
                          strategy, feature layer -2, default RoPE). Note: transformers 5.24 save_pretrained
                          reverts its in-memory names (model.language_model.*, model.vision_tower.*, lm_head)
                          to language_model.model.*, vision_tower.* (no vision_model.), language_model.lm_head;
                          the Swift tests rename these tensors to the in-memory names to cover that layout too.
  tiny_hub/               the same architecture family with hub names (language_model.model.*), BF16 weights,
                          two shards + model.safetensors.index.json, a sparse llava-hf style config.json,
                          GQA, k/q/v biases, llama3 RoPE scaling, "full" strategy, feature layers [-2, -1]
  <variant>_ref.safetensors  references taken from the model *as transformers loads that directory*:
                          input_ids, pixel_values, image features (projector output), embeddings after the
                          image scatter, every decoder layer's output, k_proj outputs (pre-RoPE, hooks) and
                          post-RoPE keys (from the model's own KV cache, use_cache=True).
"""
import json
import math
import os
import shutil
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration
from transformers.activations import ACT2FN
from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS
from transformers.models.llama.modeling_llama import LlamaRMSNorm, LlamaRotaryEmbedding, apply_rotary_pos_emb

ROOT = os.path.join(os.path.dirname(__file__), "..", "Tests", "ModelTests", "Fixtures", "llava")


def f32(t):
    return t.detach().to(torch.float32).contiguous()


# MARK: NN kernels

def make_nn():
    g = torch.Generator().manual_seed(1234)
    out = {}
    x = torch.randn(5, 16, generator=g) * 3
    out["x"] = x
    out["softmax"] = torch.softmax(x, dim=-1)
    s = torch.randn(6, 6, generator=g) * 4
    out["scores"] = s
    mask = torch.triu(torch.ones(6, 6, dtype=torch.bool), diagonal=1)
    out["softmax_causal"] = torch.softmax(s.masked_fill(mask, float("-inf")), dim=-1)
    w = torch.randn(16, generator=g)
    b = torch.randn(16, generator=g)
    out["ln_w"], out["ln_b"] = w, b
    out["layer_norm"] = F.layer_norm(x, (16,), w, b, eps=1e-5)
    rms = LlamaRMSNorm(16, eps=1e-6)
    with torch.no_grad():
        rms.weight.copy_(w)
    out["rms_norm"] = rms(x)
    for name in ["gelu", "gelu_pytorch_tanh", "quick_gelu", "silu"]:
        out["act_" + name] = ACT2FN[name](x)

    # RoPE: inverse frequencies and rotated keys for each scaling transformers offers for Llama.
    head_dim, heads, T = 16, 2, 40
    ropes = {
        "default": dict(rope_type="default", rope_theta=10000.0),
        "linear": dict(rope_type="linear", rope_theta=10000.0, factor=2.0),
        "dynamic": dict(rope_type="dynamic", rope_theta=10000.0, factor=2.0),
        "llama3": dict(rope_type="llama3", rope_theta=500000.0, factor=8.0, low_freq_factor=1.0,
                       high_freq_factor=4.0, original_max_position_embeddings=16),
    }
    k = torch.randn(T, heads * head_dim, generator=g)
    out["rope_k"] = k
    for name, params in ropes.items():
        cfg = LlamaConfig(hidden_size=heads * head_dim, num_attention_heads=heads, head_dim=head_dim,
                          max_position_embeddings=32, rope_parameters=dict(params))
        rot = LlamaRotaryEmbedding(cfg)
        pos = torch.arange(T)[None]
        cos, sin = rot(k[None], pos)  # dynamic updates inv_freq here because T > 32
        out[f"rope_{name}_inv_freq"] = rot.inv_freq
        kh = k.view(1, T, heads, head_dim).transpose(1, 2)
        _, kr = apply_rotary_pos_emb(kh, kh, cos, sin)
        out[f"rope_{name}_k"] = kr.transpose(1, 2).reshape(T, heads * head_dim)

    # Attention with GQA (4 query heads, 2 KV heads, head_dim 8), causal and bidirectional.
    T, hq, hk, d = 7, 4, 2, 8
    q = torch.randn(T, hq * d, generator=g)
    kk = torch.randn(T, hk * d, generator=g)
    v = torch.randn(T, hk * d, generator=g)
    out["att_q"], out["att_k"], out["att_v"] = q, kk, v
    qh = q.view(T, hq, d).transpose(0, 1)
    kh = kk.view(T, hk, d).transpose(0, 1).repeat_interleave(hq // hk, dim=0)
    vh = v.view(T, hk, d).transpose(0, 1).repeat_interleave(hq // hk, dim=0)
    for causal in [True, False]:
        o = F.scaled_dot_product_attention(qh[None], kh[None], vh[None], is_causal=causal)[0]
        out["att_causal" if causal else "att_full"] = o.transpose(0, 1).reshape(T, hq * d)
    save_file({k_: f32(v_) for k_, v_ in out.items()}, os.path.join(ROOT, "nn_ref.safetensors"))


def make_dtypes():
    vals = torch.tensor([0.0, -0.0, 1.0, -2.5, 3.140625, 65504.0, 1e-7, -6e-5, 1e30, float("inf"),
                         float("-inf"), 0.1, 255.0, 7.0], dtype=torch.float32)
    out = {
        "f32": vals,
        "f16": vals.to(torch.float16),
        "bf16": vals.to(torch.bfloat16),
        "f64": vals.to(torch.float64),
        "f16_as_f32": vals.to(torch.float16).to(torch.float32),
        "bf16_as_f32": vals.to(torch.bfloat16).to(torch.float32),
        "i64": torch.tensor([[-3, 0], [5, 1 << 40]], dtype=torch.int64),
        "i32": torch.tensor([-7, 0, 2147483647], dtype=torch.int32),
        "u8": torch.tensor([0, 1, 200, 255], dtype=torch.uint8),
    }
    save_file(out, os.path.join(ROOT, "dtypes.safetensors"), metadata={"format": "pt"})


# MARK: Tiny LLaVA checkpoints

def to_hub_name(name):
    """transformers-5 names → llava-hf hub names (the inverse of transformers' conversion mapping)."""
    if name == "lm_head.weight":
        return "language_model.lm_head.weight"
    if name.startswith("model.vision_tower."):
        return "vision_tower.vision_model." + name[len("model.vision_tower."):]
    if name.startswith("model.language_model."):
        return "language_model.model." + name[len("model.language_model."):]
    if name.startswith("model."):
        return name[len("model."):]
    raise ValueError(name)


def build(seed, text, vision, **llava):
    torch.manual_seed(seed)
    cfg = LlavaConfig(text_config=LlamaConfig(**text), vision_config=CLIPVisionConfig(**vision), **llava)
    model = LlavaForConditionalGeneration(cfg).eval()
    with torch.no_grad():  # random init is tiny (std 0.02); widen it so parity is not trivially near zero
        for name, p in model.named_parameters():
            if "norm" in name:
                p.add_(torch.randn_like(p) * 0.1)
            else:
                p.copy_(torch.randn_like(p) * (0.6 / math.sqrt(p.shape[-1]) if p.dim() > 1 else 0.3))
    return model


def record(model_dir, input_ids, pixel_values, out_path):
    model = LlavaForConditionalGeneration.from_pretrained(model_dir, dtype=torch.float32).eval()
    lm = model.model.language_model
    caps = {}
    hooks = [lm.layers[0].register_forward_pre_hook(
        lambda m, args, kwargs: caps.__setitem__("embeddings", args[0] if args else kwargs["hidden_states"]),
        with_kwargs=True)]
    for i, layer in enumerate(lm.layers):
        hooks.append(layer.register_forward_hook(
            lambda m, a, o, i=i: caps.__setitem__(f"hidden_{i}", o[0] if isinstance(o, tuple) else o)))
        hooks.append(layer.self_attn.k_proj.register_forward_hook(
            lambda m, a, o, i=i: caps.__setitem__(f"keys_{i}", o)))

    def projector_hook(module, args, output):  # must return None, or it would replace the output
        caps["image_features"], caps["vision_selected"] = output, args[0]
    hooks.append(model.model.multi_modal_projector.register_forward_hook(projector_hook))
    ids = torch.tensor([input_ids])
    with torch.no_grad():
        out = model(input_ids=ids, pixel_values=pixel_values, use_cache=True)
    for h in hooks:
        h.remove()
    refs = {"input_ids": ids[0].to(torch.int64), "pixel_values": pixel_values}
    T = len(input_ids)
    for k, v in caps.items():
        v = v[0] if v.dim() == 3 and k != "image_features" and k != "vision_selected" else v
        refs[k] = v.reshape(-1, v.shape[-1])
    for i, layer in enumerate(out.past_key_values.layers):
        kc = layer.keys[0]  # [kv_heads, T, head_dim]
        refs[f"rotated_keys_{i}"] = kc.transpose(0, 1).reshape(T, -1)
    refs["logits"] = out.logits[0]
    save_file({k: (v.contiguous() if v.dtype == torch.int64 else f32(v)) for k, v in refs.items()}, out_path)
    return refs


def make_t5():
    d = os.path.join(ROOT, "tiny_t5")
    shutil.rmtree(d, ignore_errors=True)
    model = build(
        11,
        text=dict(vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=4, num_attention_heads=4,
                  num_key_value_heads=4, max_position_embeddings=64, rms_norm_eps=1e-5, pad_token_id=0),
        vision=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=3, num_attention_heads=4,
                    image_size=28, patch_size=14, projection_dim=16),
        image_token_index=100, vision_feature_layer=-2, vision_feature_select_strategy="default",
        projector_hidden_act="gelu")
    model.save_pretrained(d)
    for extra in os.listdir(d):
        if extra not in ("config.json", "model.safetensors"):
            os.remove(os.path.join(d, extra))
    g = torch.Generator().manual_seed(5)
    ids = [1, 5, 6] + [100] * 4 + [7, 8, 9] + [100] * 4 + [10, 11, 2]
    pixels = torch.randn(2, 3, 28, 28, generator=g)
    record(d, ids, pixels, os.path.join(ROOT, "tiny_t5_ref.safetensors"))


def make_hub():
    d = os.path.join(ROOT, "tiny_hub")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    text = dict(vocab_size=160, hidden_size=64, intermediate_size=96, num_hidden_layers=3, num_attention_heads=8,
                num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-5, attention_bias=True,
                rope_parameters=dict(rope_type="llama3", rope_theta=500000.0, factor=8.0, low_freq_factor=1.0,
                                     high_freq_factor=4.0, original_max_position_embeddings=16))
    vision = dict(hidden_size=48, intermediate_size=80, num_hidden_layers=2, num_attention_heads=4,
                  image_size=42, patch_size=14, projection_dim=16)
    model = build(23, text=text, vision=vision, image_token_index=150, vision_feature_layer=[-2, -1],
                  vision_feature_select_strategy="full", projector_hidden_act="gelu_pytorch_tanh")
    sd = {to_hub_name(k): v.to(torch.bfloat16).contiguous() for k, v in model.state_dict().items()}
    names = sorted(sd)
    shard1 = {k: sd[k] for k in names if k.startswith("language_model.model.layers.2") or "lm_head" in k}
    shard2 = {k: sd[k] for k in names if k not in shard1}
    files = {"model-00001-of-00002.safetensors": shard2, "model-00002-of-00002.safetensors": shard1}
    weight_map = {}
    for fname, part in files.items():
        save_file(part, os.path.join(d, fname), metadata={"format": "pt"})
        weight_map.update({k: fname for k in part})
    total = sum(v.numel() * 2 for v in sd.values())
    with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}, f, indent=2)
    # Sparse llava-hf style config: Llama/CLIP defaults (rope_theta, head_dim, hidden_act, layer_norm_eps ...)
    # must come from the reader's defaults, and RoPE uses the legacy `rope_scaling` key.
    config = {
        "architectures": ["LlavaForConditionalGeneration"], "model_type": "llava", "ignore_index": -100,
        "image_token_index": 150, "pad_token_id": 0, "projector_hidden_act": "gelu_pytorch_tanh",
        "text_config": {"model_type": "llama", "vocab_size": 160, "hidden_size": 64, "intermediate_size": 96,
                        "num_hidden_layers": 3, "num_attention_heads": 8, "num_key_value_heads": 2,
                        "max_position_embeddings": 64, "rms_norm_eps": 1e-5, "attention_bias": True,
                        "rope_theta": 500000.0,
                        "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                         "high_freq_factor": 4.0, "original_max_position_embeddings": 16},
                        "torch_dtype": "bfloat16"},
        "vision_config": {"model_type": "clip_vision_model", "hidden_size": 48, "intermediate_size": 80,
                          "num_hidden_layers": 2, "num_attention_heads": 4, "image_size": 42, "patch_size": 14,
                          "projection_dim": 16},
        "vision_feature_layer": [-2, -1], "vision_feature_select_strategy": "full",
        "tie_word_embeddings": False, "torch_dtype": "bfloat16", "transformers_version": "4.36.0.dev0",
    }
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    g = torch.Generator().manual_seed(9)
    ids = [1, 3, 4, 5] + [150] * 10 + [6, 7, 8, 9, 10, 2]
    pixels = torch.randn(1, 3, 42, 42, generator=g)
    refs = record(d, ids, pixels, os.path.join(ROOT, "tiny_hub_ref.safetensors"))
    loaded = LlavaForConditionalGeneration.from_pretrained(d, dtype=torch.float32)
    for k, v in model.state_dict().items():  # transformers really read our hub-named bf16 shards
        assert torch.equal(loaded.state_dict()[k], v.to(torch.bfloat16).float()), k
    assert refs["keys_0"].shape == (len(ids), 16)


if __name__ == "__main__":
    os.makedirs(ROOT, exist_ok=True)
    torch.set_num_threads(1)
    make_nn()
    make_dtypes()
    make_t5()
    make_hub()
    print("wrote", ROOT, file=sys.stderr)
