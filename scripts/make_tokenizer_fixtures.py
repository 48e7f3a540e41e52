#!/usr/bin/env python3
"""Build the tokenizer parity fixtures of keyscope's Swift tokenizers.

Reads the real hub tokenizer files of llava-1.5-7b-hf and Qwen2.5-VL-7B-Instruct (``--hf-metadata``),
copies them into ``Tests/ModelTests/Fixtures/tokenizers/`` and writes ``cases.json``: a deterministic corpus
of strings with the ids, decoded text and offsets that transformers/tokenizers produce for them.

Also writes ``qwen-small/tokenizer.json``: a Qwen2-style byte-level tokenizer.json built with `tokenizers`
from the first vocabulary entries of the real Qwen vocabulary, so the tokenizer.json loading path of the
byte-level pipeline is tested without committing the 7 MB hub file.

Pinned versions: scripts/requirements-fixtures.txt (transformers 5.24.0, tokenizers 0.23.3).
Run: python3 scripts/make_tokenizer_fixtures.py [--hf-metadata /work/shared/hf-metadata]
"""
import argparse
import json
import random
import shutil
from pathlib import Path

import tokenizers
import transformers
from tokenizers import Tokenizer
from transformers import AutoProcessor, AutoTokenizer

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/ModelTests/Fixtures/tokenizers"
LLAVA_FILES = ["tokenizer.json", "tokenizer_config.json"]
QWEN_FILES = ["vocab.json", "merges.txt", "tokenizer_config.json"]
OFFSET_CASES = 300  # strings whose offsets are recorded
SMALL_CASES = 400  # strings encoded with the small byte-level tokenizer.json
SMALL_VOCAB = 2500

HANDPICKED = [
    "", " ", "  ", "\n", "\t", "\r\n", "a", "Hello world", "Hello  world", " leading space", "trailing space ",
    "What's this? I'm sure you're right, they've said we'll go, he'd know.",
    "DON'T SHOUT, IT'S LOUD", "'s 'S 'Re 've 'M 'LL 'd", "'ſx 'ſ", "rock'n'roll", "''' ' '' x'",
    "<image>\nUSER: What is shown in this image?\nASSISTANT:",
    "USER: <image>\nDescribe the picture. ASSISTANT:",
    "<image><image>", "<image> <image>", "x<image>y", "<s>hi</s>", "<unk><pad>", "<s> <s>", "<image", "image>",
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
    "<|vision_start|><|image_pad|><|vision_end|>What is this?<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|>user", "<|image_pad|><|image_pad|><|image_pad|>", "<|endoftext|>", "<tool_call>x</tool_call>",
    "<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>", "<|im_start|", "|im_start|>", "<|im_start|><|im_end|>",
    "你好，世界！", "我爱自然语言处理。", "日本語のテキストです", "한국어 텍스트", "Привет, мир!", "مرحبا بالعالم",
    "שלום עולם", "नमस्ते दुनिया", "สวัสดีชาวโลก", "Ελληνικά", "🤗", "👍🏽", "👨‍👩‍👧‍👦", "🇫🇷🇯🇵", "emoji 😀😃😄 mix",
    "1234567890", "3.14159", "1,000,000", "2026-12-01 21:30:00", "v1.2.3-beta", "0x1F600", "١٢٣ ٤٥٦", "①②③",
    "Ⅻ ⅻ", "½ ¾", "x²+y³", "a\u00a0b", "a\u3000b", "a\u2028b", "a\u0085b", "\u200b\u200d", "tab\there",
    "many     spaces", "\n\n\n", "line1\nline2\r\nline3\rline4", " \n \n ", "\t\t\tindent", "x \t \n y",
    "end with newline\n", "   ", "\u00e9", "e\u0301", "e\u0301\u0316", "\u1100\u1161\u11a8", "\u212b", "A\u030a",
    "\u0b47\u0b3e", "caf\u00e9 vs cafe\u0301", "\ufeffbom", "\ufffd", "\x00\x01\x7f", "\u00ad soft hyphen",
    "naïve façade coöperate", "Straße ẞ", "ǅ ǈ ǋ", "İstanbul ıi", "ﬁ ﬂ ﬅ", "Ｆｕｌｌｗｉｄｔｈ", "ｶﾀｶﾅ",
    "def f(x):\n    return x ** 2\n", "if (a && b) { c(); }", "SELECT * FROM t WHERE id = 1;", "$ ls -la ~/",
    "https://example.com/path?q=1&r=2#frag", "user@example.com", "#hashtag @mention", "C++ and C#", "...", "!!!???",
    "--- *** ___", "«quoted» “curly” ‘single’", "— – -", "…", "™®©", "€£¥₹", "∑∫√∞≈≠", "←↑→↓", "▁already ▁spaced",
    "Ġ Ċ ĉ", "<0x0A>", "\\n literal", "\"double\" 'single'", "a" * 200, "ab" * 100, " " * 50, "\n" * 20,
    "The quick brown fox jumps over the lazy dog. " * 5,
]

WORDS = ("the of and to in is you that it he was for on are as with his they I at be this have from or one had by "
         "word but not what all were we when your can said there use an each which she do how their if will up other "
         "about out many then them these so some her would make like him into time has look two more write go see "
         "number no way could people my than first water been call who oil its now find long down day did get come "
         "made may part image picture photo describe question answer assistant user system color red blue green "
         "tokenization transformers attention keys multimodal vision language model bias").split()
CJK = "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴切"
SCRIPTS = ["日本語", "カタカナ", "ひらがな", "한국어", "Кириллица", "العربية", "עברית", "हिन्दी", "ไทย", "Ελληνικά",
           "Tiếng Việt", "Ქართული", "Հայերեն", "አማርኛ", "ᚠᚢᚦ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𝟘𝟙𝟚", "ꯃꯤꯇꯩ"]
EMOJI = ["🤗", "😀", "👍", "👍🏽", "👨‍💻", "❤️", "🇺🇸", "🎉", "🚀", "☕", "🐍", "✨", "🙏", "💯", "🧠"]
PUNCT = list(".,;:!?'\"()[]{}<>/\\|@#$%^&*-_=+~`") + ["...", "--", "—", "«", "»", "“", "”", "、", "。", "！", "？", "・"]
SPACES = [" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n", "\t\n", "\u00a0", "\u3000", " \t ", "\n \n", "\r"]
SPECIALS = ["<image>", "<s>", "</s>", "<unk>", "<pad>", "<|im_start|>", "<|im_end|>", "<|vision_start|>",
            "<|image_pad|>", "<|vision_end|>", "<|endoftext|>", "<tool_call>", "USER:", "ASSISTANT:", "user\n",
            "assistant\n"]
CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'VE", "'M", "'LL", "'D", "n't"]
ODD = ["e\u0301", "a\u0308", "\u1100\u1161", "\u212b", "\u00c5", "\ufb01", "\u0000", "\u007f", "\u200d", "\ufeff",
       "\u0301", "\U0010fffd", "\ue000", "\u2581", "\u0120"]


def fragment(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.30:
        return rng.choice(WORDS).capitalize() if rng.random() < 0.2 else rng.choice(WORDS)
    if kind < 0.42:
        return "".join(rng.choice(CJK) for _ in range(rng.randint(1, 6)))
    if kind < 0.50:
        return rng.choice(SCRIPTS)
    if kind < 0.56:
        return rng.choice(EMOJI)
    if kind < 0.66:
        return rng.choice(PUNCT)
    if kind < 0.78:
        return rng.choice(SPACES)
    if kind < 0.84:
        return str(rng.randint(0, 10 ** rng.randint(1, 9)))
    if kind < 0.89:
        return rng.choice(SPECIALS)
    if kind < 0.95:
        return rng.choice(CONTRACTIONS)
    return rng.choice(ODD)


def corpus() -> list[str]:
    rng = random.Random(20261201)
    out = list(HANDPICKED)
    while len(out) < 1200:
        n = rng.randint(1, 14)
        joiner = "" if rng.random() < 0.5 else " "
        out.append(joiner.join(fragment(rng) for _ in range(n)))
    return out


def flat_offsets(offsets) -> list[int]:
    return [x for pair in offsets for x in pair]


def reference(tok, strings: list[str], name: str) -> dict:
    """ids without special tokens for every string, the special-token frame, decodes that differ, offsets."""
    backend = tok.backend_tokenizer
    empty = tok("")["input_ids"]
    frame_prefix = empty  # every post-processor here only prepends (BOS) or adds nothing
    ids, decoded, offsets = [], {}, []
    for i, s in enumerate(strings):
        plain = tok(s, add_special_tokens=False)["input_ids"]
        full = tok(s)["input_ids"]
        assert full == frame_prefix + plain, (name, s, full, plain)
        raw = backend.encode(s, add_special_tokens=False)
        assert raw.ids == plain, (name, s)
        ids.append(plain)
        text = tok.decode(plain)
        if text != s:
            decoded[str(i)] = text
        if i < OFFSET_CASES:
            offsets.append(flat_offsets(raw.offsets))
    probes = ["<image>", "<pad>", "<s>", "</s>", "<unk>", "▁the", "▁", "<0x0A>", "<|image_pad|>", "<|im_start|>",
              "<|im_end|>", "Ġthe", "Ċ", "hello", "not-a-token-at-all"]
    token_ids = {}
    for p in probes:
        v = backend.token_to_id(p)
        token_ids[p] = v
    return {"vocab_size": len(tok), "prefix": frame_prefix, "suffix": [], "ids": ids, "decoded": decoded,
            "offsets": offsets, "token_ids": token_ids}


def small_qwen(qwen_dir: Path) -> Tokenizer:
    """A Qwen2-style tokenizer.json on the first SMALL_VOCAB ids of the real vocabulary."""
    vocab = json.loads((qwen_dir / "vocab.json").read_text(encoding="utf-8"))
    keep = {t: i for t, i in vocab.items() if i < SMALL_VOCAB}
    merges = []
    for line in (qwen_dir / "merges.txt").read_text(encoding="utf-8").split("\n"):
        if not line or line.startswith("#version"):
            continue
        a, b = line.split(" ")
        if a in keep and b in keep and (a + b) in keep:
            merges.append((a, b))
    full = AutoTokenizer.from_pretrained(str(qwen_dir))
    spec = json.loads(full.backend_tokenizer.to_str())
    spec["model"]["vocab"] = keep
    spec["model"]["merges"] = [list(m) for m in merges]
    # renumber added tokens right after the small vocabulary, keeping the first six
    added = spec["added_tokens"][:6]
    for k, tok in enumerate(added):
        tok["id"] = SMALL_VOCAB + k
    spec["added_tokens"] = added
    return Tokenizer.from_str(json.dumps(spec, ensure_ascii=False))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hf-metadata", default="/work/shared/hf-metadata")
    args = ap.parse_args()
    meta = Path(args.hf_metadata)
    llava_dir, qwen_dir = meta / "llava-1.5-7b-hf", meta / "Qwen2.5-VL-7B-Instruct"
    for sub, src, files in [("llava-1.5-7b-hf", llava_dir, LLAVA_FILES), ("Qwen2.5-VL-7B-Instruct", qwen_dir, QWEN_FILES)]:
        (OUT / sub).mkdir(parents=True, exist_ok=True)
        for f in files:
            shutil.copyfile(src / f, OUT / sub / f)

    strings = corpus()
    # Load from the full hub layout: with config.json present transformers 5 keeps tokenizer.json's own
    # pipeline for llava (TokenizersBackend, Prepend normalizer); from a folder holding only tokenizer.json +
    # tokenizer_config.json it would rebuild a LlamaTokenizer (Metaspace, legacy=False) with other ids.
    llava = AutoTokenizer.from_pretrained(str(llava_dir))
    qwen = AutoTokenizer.from_pretrained(str(qwen_dir))
    assert type(llava).__name__ == "TokenizersBackend", type(llava)
    llava_file = Tokenizer.from_file(str(llava_dir / "tokenizer.json"))
    llava_processor = AutoProcessor.from_pretrained(str(llava_dir)).tokenizer  # what LlavaProcessor runs
    for s in strings:
        assert llava_file.encode(s).ids == llava(s)["input_ids"] == llava_processor(s)["input_ids"], s
    small = small_qwen(qwen_dir)
    (OUT / "qwen-small").mkdir(exist_ok=True)
    small.save(str(OUT / "qwen-small/tokenizer.json"), pretty=False)
    small_ids = [small.encode(s, add_special_tokens=False).ids for s in strings[:SMALL_CASES]]
    cases = {
        "generator": {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
                      "script": "scripts/make_tokenizer_fixtures.py"},
        "strings": strings,
        "llava": reference(llava, strings, "llava"),
        "qwen": reference(qwen, strings, "qwen"),
        "qwen_small": {"vocab_size": small.get_vocab_size(with_added_tokens=True), "ids": small_ids},
    }
    (OUT / "cases.json").write_text(json.dumps(cases, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{len(strings)} strings; cases.json {(OUT / 'cases.json').stat().st_size} bytes; "
          f"small tokenizer.json {(OUT / 'qwen-small/tokenizer.json').stat().st_size} bytes")


if __name__ == "__main__":
    main()
