#!/usr/bin/env python3
"""Converts MMMU parquet files (the Hugging Face `MMMU/MMMU` layout: id, question, options, answer,
image_1 … image_7 as {bytes, path}, question_type, subfield, …) into keyscope's JSONL dataset format
(docs/dataset-format.md) plus one image file per row:

    {"id": "validation_Art_1", "image": "images/validation_Art_1.png", "question": "…", "options": ["…", …],
     "answer": "B", "category": "Art"}

keyscope's samples hold one image, so a row is converted when its question uses exactly one image
(`<image 1>`, the MMMU placeholder, is dropped at the start of the question and reads "the image"
elsewhere). Rows with no image, several images, an
undecodable options list or a missing image payload are skipped with a reason; the reasons are counted and
listed at the end, and written to `<out>/skipped.tsv` — never silently dropped.

Usage: mmmu_to_jsonl.py --out DIR FILE.parquet [FILE.parquet …]   (needs pyarrow==26.0.1)
"""
import argparse
import ast
import collections
import json
import os
import re
import sys

import pyarrow.parquet as pq

PLACEHOLDER = re.compile(r"<image (\d+)>")


def image_bytes(cell):
    if cell is None:
        return None
    if isinstance(cell, dict):
        return cell.get("bytes")
    return None


def extension(data):
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return ".png"
    if data[:3] == b"\xff\xd8\xff":
        return ".jpg"
    return None


def safe_name(s):
    return re.sub(r"[^A-Za-z0-9._-]", "_", s)


def convert(files, out):
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    rows, skipped = [], []
    for path in files:
        table = pq.read_table(path)
        for r in table.to_pylist():
            rid = str(r.get("id") or "")
            if not rid:
                skipped.append((path, "(no id)", "row without an id"))
                continue
            question = r.get("question") or ""
            used = sorted({int(n) for n in PLACEHOLDER.findall(question)})
            present = [k for k in range(1, 8) if image_bytes(r.get(f"image_{k}"))]
            if len(present) != 1 or (used and used != present):
                skipped.append((path, rid, f"{len(present)} images (placeholders {used}); keyscope samples hold one"))
                continue
            data = image_bytes(r[f"image_{present[0]}"])
            ext = extension(data)
            if ext is None:
                skipped.append((path, rid, "image payload is neither PNG nor JPEG"))
                continue
            try:
                options = ast.literal_eval(r.get("options") or "[]")
                if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
                    raise ValueError("not a list of strings")
            except (ValueError, SyntaxError) as e:
                skipped.append((path, rid, f"options not a list of strings: {e}"))
                continue
            name = os.path.join("images", safe_name(rid) + ext)
            with open(os.path.join(out, name), "wb") as f:
                f.write(data)
            # "<image 1> Which …" → "Which …"; "… shown in <image 1>?" → "… shown in the image?"
            text = PLACEHOLDER.sub("the image", PLACEHOLDER.sub("", question, count=1) if question.lstrip().startswith("<image") else question)
            row = {"id": rid, "image": name, "question": " ".join(text.split())}
            if options:
                row["options"] = options
            if r.get("answer"):
                row["answer"] = str(r["answer"])
            if r.get("subfield"):
                row["category"] = str(r["subfield"])
            rows.append(row)
    with open(os.path.join(out, "samples.jsonl"), "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    with open(os.path.join(out, "skipped.tsv"), "w", encoding="utf-8") as f:
        f.write("file\tid\treason\n")
        for s in skipped:
            f.write("\t".join(x.replace("\t", " ") for x in s) + "\n")
    return rows, skipped


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("files", nargs="+")
    a = p.parse_args()
    rows, skipped = convert(a.files, a.out)
    print(f"mmmu: {len(rows)} samples → {os.path.join(a.out, 'samples.jsonl')}; {len(skipped)} rows skipped")
    for reason, n in collections.Counter(re.sub(r"\d+ images \(placeholders .*\)", "several/no images", s[2])
                                         for s in skipped).most_common():
        print(f"  skipped {n}: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
