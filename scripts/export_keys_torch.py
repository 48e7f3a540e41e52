#!/usr/bin/env python3
"""Export LLaVA-1.5 attention keys with PyTorch/transformers into keyscope's key-file format
(docs/key-file-format.md), so keys computed on a GPU can be analysed with `keyscope analyze DIR`.

Pre-RoPE keys come from forward hooks on each decoder layer's `self_attn.k_proj`; post-RoPE keys from
the model's own KV cache (the rotated keys attention used). Prompts follow keyscope's QuestionFormatter
(hint / question / `L. option` lines / answer instruction) and the checkpoint's chat template.

Only JSONL datasets are supported here (fields id, image, question, options, hint, lang).

    python scripts/export_keys_torch.py --model demo/models/llava-1.5-tiny --data demo/samples.jsonl \
        --layers 0,1 --out keys-torch [--limit N] [--device cuda] [--compare keys-swift]

--compare DIR checks every exported tensor against another key directory (e.g. one written by
`keyscope keys`) and fails if any key differs by more than --tolerance (default 1e-4).
"""
import argparse, json, os, sys, time

import numpy as np
import torch
import xxhash
from PIL import Image
from safetensors.numpy import save_file, load_file
from transformers import AutoProcessor, LlavaForConditionalGeneration
import transformers

# Files whose XXH64 keyscope records in input_hashes (RunInputs.modelFiles).
MODEL_FILES = ["config.json", "tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt",
               "preprocessor_config.json", "processor_config.json", "chat_template.json", "chat_template.jinja",
               "model.safetensors.index.json"]
EN_INSTRUCTION = "Answer with the option's letter from the given choices directly."
ZH_INSTRUCTION = "请直接回答选项字母。"


def xxh(data: bytes) -> str:
    return "%016x" % xxhash.xxh64(data, seed=0).intdigest()


def read_jsonl(path):
    base = os.path.dirname(os.path.abspath(path))
    samples = []
    for line in open(path, encoding="utf-8"):
        if not line.strip():
            continue
        row = json.loads(line)
        img = row["image"] if os.path.isabs(row["image"]) else os.path.join(base, row["image"])
        if not os.path.exists(img):
            continue  # keyscope skips rows whose image is missing
        options = row.get("options") or {}
        if isinstance(options, dict):
            options = list(options.items())
        else:
            options = [(chr(65 + i), t) for i, t in enumerate(options)]
        samples.append(dict(id=str(row["id"]), image=img, question=row["question"], hint=row.get("hint"),
                            options=options, lang=row.get("lang", "en")))
    return samples


def user_text(s):
    """(text, question byte range) as keyscope's QuestionFormatter: the whole user text has role question."""
    parts = []
    if s["hint"]:
        parts.append(s["hint"])
    parts.append(s["question"])
    if s["options"]:
        parts.append("\n".join(f"{k}. {v}" for k, v in s["options"]))
        parts.append(ZH_INSTRUCTION if s["lang"] == "zh" else EN_INSTRUCTION)
    return "\n".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--layers", default="all")
    ap.add_argument("--rope", default="both", choices=["pre", "post", "both"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    ap.add_argument("--compare", help="key directory to compare against (e.g. from `keyscope keys`)")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    a = ap.parse_args()

    model_dir = os.path.abspath(a.model)
    data_path = os.path.abspath(a.data)
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    tc, vc = cfg["text_config"], cfg["vision_config"]
    n_layers = tc["num_hidden_layers"]
    if a.layers == "all":
        layers = list(range(n_layers))
    else:
        layers = set()
        for p in a.layers.split(","):
            if "-" in p:
                lo, hi = map(int, p.split("-")); layers.update(range(lo, hi + 1))
            else:
                layers.add(int(p))
        layers = sorted(layers)
    variants = {"pre": ["pre"], "post": ["post"], "both": ["pre", "post"]}[a.rope]
    kv_heads = tc.get("num_key_value_heads", tc["num_attention_heads"])
    head_dim = tc.get("head_dim", tc["hidden_size"] // tc["num_attention_heads"])

    os.makedirs(a.out, exist_ok=True)
    existing = [f for f in os.listdir(a.out) if f == "metadata.json" or f.endswith(".safetensors")]
    if existing and not a.force:
        sys.exit(f"{a.out} already holds keys; pass --force to overwrite")
    for f in existing:
        os.remove(os.path.join(a.out, f))

    samples = read_jsonl(data_path)
    hashes = {}
    for f in MODEL_FILES:
        p = os.path.join(model_dir, f)
        if os.path.exists(p):
            hashes[f"model/{f}"] = xxh(open(p, "rb").read())
    hashes["data"] = xxh(open(data_path, "rb").read())
    hashes["images"] = xxh(b"".join(xxhash.xxh64(open(s["image"], "rb").read(), seed=0).intdigest().to_bytes(8, "little")
                                    for s in samples))
    if a.limit:
        samples = samples[: a.limit]

    dtype = getattr(torch, a.dtype)
    processor = AutoProcessor.from_pretrained(model_dir)
    model = LlavaForConditionalGeneration.from_pretrained(model_dir, dtype=dtype).to(a.device).eval()
    lm = model.model.language_model
    captured = {}
    hooks = [lm.layers[l].self_attn.k_proj.register_forward_hook(
        lambda _m, _i, out, l=l: captured.__setitem__(l, out[0].float().cpu().numpy())) for l in layers]
    image_token = processor.image_token if hasattr(processor, "image_token") else "<image>"
    sentinel = "\uf8ffkeyscope-question\uf8ff"

    def render(text):
        conv = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]}]
        return processor.apply_chat_template(conv, add_generation_prompt=True)

    template = render("{question}")
    entries = []
    for i, s in enumerate(samples):
        t0 = time.time()
        text = user_text(s)
        if image_token in text:
            entries.append(dict(id=s["id"], unusable=f"prompt: the question contains the image placeholder {image_token}"))
            print(f"[{i + 1}/{len(samples)}] {s['id']}: unusable", file=sys.stderr)
            continue
        prompt = render(text)
        prefix = render(sentinel).split(sentinel)[0]
        q_start = len(prefix.encode()); q_end = q_start + len(text.encode())
        inputs = processor(images=Image.open(s["image"]).convert("RGB"), text=prompt, return_tensors="pt").to(a.device)
        # Question tokens: those whose bytes lie inside the user text (the expanded prompt shifts offsets
        # by the image tokens, which all precede the question in LLaVA's template).
        expanded = prompt.replace(image_token, image_token * cfg.get("image_seq_length", 576), 1)
        shift = len(expanded.encode()) - len(prompt.encode())
        enc = processor.tokenizer(expanded, return_offsets_mapping=True, add_special_tokens=True)
        ids = inputs["input_ids"][0].tolist()
        assert enc["input_ids"] == ids, "offset tokenisation differs from the processor's"
        # keyscope's rule (Prompt.role(ofTokenBytes:)): a token's role is that of its first non-whitespace byte.
        eb = expanded.encode()
        char_to_byte = np.cumsum([0] + [len(c.encode()) for c in expanded])
        lo, hi = q_start + shift, q_end + shift

        def is_question(o0, o1):
            b0, b1 = int(char_to_byte[o0]), int(char_to_byte[o1])
            if b0 == b1:
                return 0
            first = next((b for b in range(b0, b1) if eb[b] not in b" \n\t\r"), b0)
            return 1 if lo <= first < hi else 0

        question = np.array([is_question(o0, o1) for o0, o1 in enc["offset_mapping"]], dtype=np.int64)
        modality = np.array([1 if t == cfg["image_token_index"] else 0 for t in ids], dtype=np.int64)
        captured.clear()
        with torch.no_grad():
            out = model(**inputs, use_cache=True)
        tensors = {"modality": modality, "question_mask": question}
        for l in layers:
            if "pre" in variants:
                tensors[f"pre/{l}"] = np.ascontiguousarray(captured[l], dtype=np.float32)
            if "post" in variants:
                kc = out.past_key_values.layers[l].keys if hasattr(out.past_key_values, "layers") else out.past_key_values[l][0]
                k = kc[0].float().cpu().numpy()  # [heads, T, head_dim]
                tensors[f"post/{l}"] = np.ascontiguousarray(k.transpose(1, 0, 2).reshape(k.shape[1], -1), dtype=np.float32)
        fname = "".join(c if (c.isascii() and (c.isalnum() or c in "-_" or (c == "." and j > 0))) else "".join(f"%{b:02X}" for b in c.encode())
                        for j, c in enumerate(s["id"])) + ".safetensors"
        save_file(tensors, os.path.join(a.out, fname), metadata={"format": "keyscope-keys", "sample_id": s["id"]})
        entries.append(dict(id=s["id"], file=fname, tokens=len(ids)))
        print(f"[{i + 1}/{len(samples)}] {s['id']}: {len(ids)} tokens (image {int(modality.sum())} + text {len(ids) - int(modality.sum())}), "
              f"{time.time() - t0:.2f} s", file=sys.stderr)
    for h in hooks:
        h.remove()

    side = vc["image_size"] // vc["patch_size"]
    desc = (f"LLaVA-1.5: {n_layers} decoder layers × {tc['hidden_size']}, keys {kv_heads} KV heads × {head_dim}; "
            f"CLIP {vc['num_hidden_layers']} layers, {vc['image_size']} px")
    meta = dict(format="keyscope-keys", format_version=1, producer=f"export_keys_torch.py (transformers {transformers.__version__})",
                model=model_dir, model_family="llava", model_description=desc, data=data_path, input_hashes=hashes,
                layers=layers, variants=variants, num_key_value_heads=kv_heads, head_dim=head_dim, template=template,
                image_tokens_per_image=side * side + (1 if cfg.get("vision_feature_select_strategy") == "full" else 0),
                samples=entries)
    with open(os.path.join(a.out, "metadata.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2, sort_keys=True, ensure_ascii=False)
    print(f"keys: {len(entries)} samples → {a.out}", file=sys.stderr)

    if a.compare:
        compare(a.out, a.compare, a.tolerance)


def compare(mine, other, tol):
    ma, mb = (json.load(open(os.path.join(d, "metadata.json"), encoding="utf-8")) for d in (mine, other))
    for k in ["model", "data", "input_hashes", "layers", "num_key_value_heads", "head_dim", "model_description", "template"]:
        print(f"metadata {k}: {'same' if ma[k] == mb[k] else 'DIFFERENT'}")
    fb = {e["id"]: e for e in mb["samples"]}
    worst, bad = 0.0, 0
    for e in ma["samples"]:
        o = fb.get(e["id"])
        if o is None or ("file" in e) != ("file" in o and o["file"] is not None):
            print(f"{e['id']}: present/usable in one directory only"); bad += 1; continue
        if "file" not in e:
            continue
        ta, tb = load_file(os.path.join(mine, e["file"])), load_file(os.path.join(other, o["file"]))
        for name, x in ta.items():
            y = tb.get(name)
            if y is None or x.shape != y.shape:
                print(f"{e['id']} {name}: shape {x.shape} vs {None if y is None else y.shape}"); bad += 1; continue
            if name in ("modality", "question_mask"):
                if not np.array_equal(x.astype(np.int64), y.astype(np.int64)):
                    print(f"{e['id']} {name}: {int((x != y).sum())} tokens differ"); bad += 1
                continue
            d = float(np.abs(x - y).max()); worst = max(worst, d)
            if d > tol:
                print(f"{e['id']} {name}: max |Δ| {d:.3g} > {tol}"); bad += 1
    print(f"compare: max |Δ| over all keys {worst:.3g}; {bad} problems")
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
