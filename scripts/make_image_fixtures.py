#!/usr/bin/env python3
"""Writes Tests/ModelTests/Fixtures/images/: decode, resize and processor references from
Pillow 13.0.0 + transformers 5.24.0 (PIL backends; torchvision not needed), numpy 2.4.6.

Inputs are synthetic (seeded numpy) plus small crops of demo/images/ (real CC0/PD photographs,
see demo/images/LICENSES.md; run scripts/make_demo_images.py first) and the two real
preprocessor_config.json files copied from hf-metadata (llava-hf/llava-1.5-7b-hf,
Qwen/Qwen2.5-VL-7B-Instruct).

photos.json covers every demo/images/*.jpg in place (the photos are not copied): the decoded
convert("RGB") pixels, bicubic resizes to several sizes per photo (CLIP shortest edge 336, Qwen
smart_resize at the hub and a small pixel budget, an odd x1.7 up-scale, a strong down-scale to an
odd aspect ratio, and a mixed up/down one) and the CLIP / LLaVA-pad / Qwen2-VL processor outputs,
all as checksums plus a few strided samples; photos/ holds four of them re-encoded (progressive,
4:2:2, 4:4:4, odd sizes, restart markers) with the same decode and resize checks.

Large outputs are checked through `wsum`: sum over i of u_i * (2i + 1) mod 2^64, u_i the uint8
sample or the float32 bit pattern, plus strided samples for tolerance checks.

Usage: python3 scripts/make_image_fixtures.py [--hf-metadata /work/shared/hf-metadata]
"""
import argparse
import io
import json
import os
import re
import shutil
import struct
import zlib

import numpy as np
from PIL import Image, features
from transformers.image_transforms import convert_to_rgb
from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil
from transformers.models.llava.image_processing_pil_llava import LlavaImageProcessorPil
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil, smart_resize

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))
OUT = os.path.join(ROOT, "Tests", "ModelTests", "Fixtures", "images")
DEMO = os.path.join(ROOT, "demo", "images")


def wsum(a):
    a = np.ascontiguousarray(a)
    u = a.view(np.uint32).ravel() if a.dtype == np.float32 else a.astype(np.uint8).ravel()
    w = np.arange(u.size, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    with np.errstate(over="ignore"):
        return str(int((u.astype(np.uint64) * w).sum(dtype=np.uint64)))


def synth(w, h, seed, channels=3):
    """Gradients + edges + noise: exercises every filter tap and the clipping paths."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    base = []
    for c in range(channels):
        f = 128 + 100 * np.sin(x / (3 + c) + y / (5 + 2 * c) + c) * np.cos(y / 7.0)
        f += np.where((x + 2 * y + 7 * c) % 11 < 3, 90, -40)
        f += rng.normal(0, 30, (h, w))
        base.append(f)
    return np.clip(np.stack(base, -1), 0, 255).astype(np.uint8)


# MARK: PNG writer (Pillow cannot write 16-bit colour, low-depth palettes with tRNS or Adam7)

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def pack_row(samples, depth):
    if depth == 16:
        return samples.astype(">u2").tobytes()
    if depth == 8:
        return samples.astype(np.uint8).tobytes()
    per = 8 // depth
    vals = list(samples.ravel())
    out = bytearray()
    for i in range(0, len(vals), per):
        b = 0
        for j in range(per):
            v = vals[i + j] if i + j < len(vals) else 0
            b |= int(v) << (8 - depth * (j + 1))
        out.append(b)
    return bytes(out)


def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)


def write_png(arr, ctype, depth, palette=None, trns=None, interlace=False):
    """arr: (h, w, channels) raw samples at `depth` bits."""
    h, w = arr.shape[:2]
    raw = bytearray()
    if not interlace:
        for y in range(h):
            raw += b"\x00" + pack_row(arr[y].ravel(), depth)
    else:
        for x0, y0, dx, dy in ADAM7:
            sub = arr[y0::dy, x0::dx]
            if sub.shape[0] == 0 or sub.shape[1] == 0:
                continue
            for y in range(sub.shape[0]):
                raw += b"\x00" + pack_row(sub[y].ravel(), depth)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 1 if interlace else 0))
    if palette is not None:
        out += chunk(b"PLTE", bytes(np.asarray(palette, dtype=np.uint8).ravel()))
    if trns is not None:
        out += chunk(b"tRNS", trns)
    out += chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    return out


def png_cases():
    rng = np.random.default_rng(7)
    cases = {}
    w, h = 21, 13
    for d in (1, 2, 4, 8):
        cases[f"gray{d}.png"] = write_png(rng.integers(0, 2 ** d, (h, w, 1)), 0, d)
    g16 = rng.integers(0, 65536, (h, w, 1))
    g16[::3] = rng.integers(0, 256, (len(range(0, h, 3)), w, 1))  # values Pillow keeps below 256
    cases["gray16.png"] = write_png(g16, 0, 16)
    cases["gray8_trns.png"] = write_png(np.where(synth(w, h, 1, 1) > 150, 77, synth(w, h, 1, 1)), 0, 8,
                                        trns=struct.pack(">H", 77))
    cases["ga8.png"] = write_png(synth(w, h, 2, 2), 4, 8)
    cases["ga16.png"] = write_png(rng.integers(0, 65536, (h, w, 2)), 4, 16)
    cases["rgb8.png"] = write_png(synth(w, h, 3), 2, 8)
    cases["rgb16.png"] = write_png(rng.integers(0, 65536, (h, w, 3)), 2, 16)
    key = synth(w, h, 4)
    key[::2, ::3] = (10, 20, 30)
    cases["rgb8_trns.png"] = write_png(key, 2, 8, trns=struct.pack(">HHH", 10, 20, 30))
    rgba = synth(w, h, 5, 4)
    rgba[0, :, 3] = 0
    rgba[1, :, 3] = 255
    cases["rgba8.png"] = write_png(rgba, 6, 8)
    cases["rgba16.png"] = write_png(rng.integers(0, 65536, (h, w, 4)), 6, 16)
    for d in (1, 2, 4, 8):
        n = 2 ** d
        pal = rng.integers(0, 256, (n, 3))
        cases[f"pal{d}.png"] = write_png(rng.integers(0, n, (h, w, 1)), 3, d, palette=pal)
    pal = rng.integers(0, 256, (16, 3))
    cases["pal4_trns.png"] = write_png(rng.integers(0, 16, (h, w, 1)), 3, 4, palette=pal,
                                       trns=bytes(rng.integers(0, 256, 11).astype(np.uint8)))
    pal = rng.integers(0, 256, (200, 3))
    cases["pal8_trns.png"] = write_png(rng.integers(0, 200, (h, w, 1)), 3, 8, palette=pal,
                                       trns=bytes(rng.integers(0, 256, 150).astype(np.uint8)))
    cases["rgb8_adam7.png"] = write_png(synth(19, 11, 6), 2, 8, interlace=True)
    cases["rgba16_adam7.png"] = write_png(rng.integers(0, 65536, (10, 9, 4)), 6, 16, interlace=True)
    cases["pal4_adam7.png"] = write_png(rng.integers(0, 16, (9, 13, 1)), 3, 4,
                                        palette=rng.integers(0, 256, (16, 3)), interlace=True)
    cases["gray2_adam7.png"] = write_png(rng.integers(0, 4, (7, 5, 1)), 0, 2, interlace=True)
    buf = io.BytesIO()
    Image.fromarray(synth(45, 31, 8)).save(buf, "PNG")  # Pillow's adaptive filters
    cases["rgb8_pillow_filters.png"] = buf.getvalue()
    # Gray colour keys, compared the way Pillow does (see PngDecode.c).
    g2 = np.random.default_rng(8).integers(0, 4, (h, w, 1))
    cases["gray2_trns.png"] = write_png(g2, 0, 2, trns=struct.pack(">H", 0))
    cases["gray16_trns.png"] = write_png(g16, 0, 16, trns=struct.pack(">H", int(g16[0, 0, 0])))
    return cases


def jpeg_bytes(im, **kw):
    buf = io.BytesIO()
    im.save(buf, "JPEG", **kw)
    return buf.getvalue()


def demo(name):
    im = Image.open(os.path.join(DEMO, name))
    im.load()
    return im


def jpeg_cases():
    c = {}
    c["jpeg_420.jpg"] = jpeg_bytes(Image.fromarray(synth(37, 23, 10)), quality=90, subsampling=2)
    c["jpeg_422.jpg"] = jpeg_bytes(Image.fromarray(synth(37, 23, 11)), quality=90, subsampling=1)
    c["jpeg_444.jpg"] = jpeg_bytes(Image.fromarray(synth(37, 23, 12)), quality=90, subsampling=0)
    c["jpeg_progressive.jpg"] = jpeg_bytes(Image.fromarray(synth(61, 45, 13)), quality=80, progressive=True)
    c["jpeg_gray.jpg"] = jpeg_bytes(Image.fromarray(synth(33, 27, 14, 1)[..., 0], "L"), quality=85)
    c["jpeg_cmyk.jpg"] = jpeg_bytes(Image.fromarray(synth(29, 19, 15, 4), "CMYK"), quality=90)
    cmyk = jpeg_bytes(Image.fromarray(synth(27, 21, 18, 4), "CMYK"), quality=90)
    adobe = cmyk.index(b"Adobe")
    c["jpeg_ycck.jpg"] = cmyk[:adobe + 11] + b"\x02" + cmyk[adobe + 12:]  # APP14 transform 2 = YCCK
    c["jpeg_restart.jpg"] = jpeg_bytes(Image.fromarray(synth(50, 40, 16)), quality=75, restart_marker_blocks=3)
    c["jpeg_q30_odd.jpg"] = jpeg_bytes(Image.fromarray(synth(65, 49, 17)), quality=30)
    c["photo_astronaut.jpg"] = jpeg_bytes(demo("16_astronaut_face.jpg").crop((30, 40, 126, 112)), quality=85)
    c["photo_coffee_prog.jpg"] = jpeg_bytes(demo("18_coffee_cup.jpg").crop((100, 60, 180, 140)), quality=75,
                                            progressive=True)
    c["photo_camera_gray.jpg"] = jpeg_bytes(demo("03_camera.jpg").crop((120, 60, 200, 124)), quality=85)
    c["photo_china_444.jpg"] = jpeg_bytes(demo("23_china_roof.jpg").crop((100, 20, 172, 84)), quality=92,
                                          subsampling=0)
    return c


def large_photo():
    """A 640x480 JPEG of real content: the demo china photo (400x267) bicubic-upscaled by Pillow."""
    im = demo("14_china.jpg").resize((640, 480), Image.Resampling.BICUBIC)
    return jpeg_bytes(im, quality=85)


# MARK: corrupt files

def corrupt_cases(jpeg_photo, jpeg_prog, png_ok):
    rng = np.random.default_rng(99)
    c = {}
    c["empty.jpg"] = b""
    c["random.bin"] = bytes(rng.integers(0, 256, 300).astype(np.uint8))
    c["jpeg_trunc_half.jpg"] = jpeg_photo[: len(jpeg_photo) // 2]
    c["jpeg_trunc_header.jpg"] = jpeg_photo[:120]
    c["jpeg_prog_trunc.jpg"] = jpeg_prog[: int(len(jpeg_prog) * 0.6)]
    c["jpeg_garbage.jpg"] = b"\xff\xd8\xff" + bytes(rng.integers(0, 256, 400).astype(np.uint8))
    sof = jpeg_photo.index(b"\xff\xc0")
    bomb = bytearray(jpeg_photo)
    bomb[sof + 5:sof + 9] = struct.pack(">HH", 60000, 60000)
    c["jpeg_bomb.jpg"] = bytes(bomb)
    zero = bytearray(jpeg_photo)
    zero[sof + 7:sof + 9] = b"\x00\x00"  # width 0
    c["jpeg_zero_width.jpg"] = bytes(zero)
    c["png_sig_only.png"] = png_ok[:8]
    c["png_trunc_idat.png"] = png_ok[: len(png_ok) - 40]
    bad_crc = bytearray(png_ok)
    bad_crc[16] ^= 0x01  # IHDR width byte, CRC now wrong
    c["png_bad_crc.png"] = bytes(bad_crc)
    ihdr = struct.pack(">IIBBBBB", 8, 8, 3, 2, 0, 0, 0)
    sig = b"\x89PNG\r\n\x1a\n"
    c["png_bad_depth.png"] = sig + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 80)) + chunk(b"IEND", b"")
    ihdr = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    c["png_bad_zlib.png"] = sig + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"\x78\x9c" + bytes(range(40))) + chunk(b"IEND", b"")
    c["png_no_idat.png"] = sig + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")
    return c


def pillow_fails(data):
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            im.convert("RGB")
        return None
    except Exception as e:  # noqa: BLE001
        return f"{type(e).__name__}: {re.sub(' at 0x[0-9a-f]+', '', str(e))}"


# MARK: main

def samples(a, count=600):
    flat = np.ascontiguousarray(a).ravel()
    stride = max(1, flat.size // count)
    return stride, [float(v) for v in flat[::stride]]


# MARK: real photos (demo/images, read in place by the Swift test)

def photo_sizes(w, h):
    """Target (width, height) per case for a w x h photo."""
    ch, cw = clip_size(h, w, 336)
    qh, qw = smart_resize(h, w, 28, 3136, 12845056)
    sh, sw = smart_resize(h, w, 28, 28 * 28 * 4, 28 * 28 * 64)
    return {
        "clip336": (cw, ch),
        "qwen_hub": (qw, qh),
        "qwen_small": (sw, sh),
        "up1.7_odd": (int(w * 1.7) | 1, int(h * 1.7) | 1),
        "down_odd_aspect": (max(1, w // 9) | 1, max(1, h // 3) | 1),
        "mixed_up_down": (int(w * 1.3) | 1, max(1, h // 5) | 1),
    }


def clip_size(h, w, edge):
    """transformers' get_resize_output_image_size(default_to_square=False) for shortest_edge."""
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(edge * long / short)
    return (new_long, edge) if w <= h else (edge, new_long)


def photo_entry(name, im, sizes):
    """Checksums of convert("RGB") and of a bicubic resize to each (case, (w, h)) in sizes."""
    rgb_im = im.convert("RGB")
    rgb = np.array(rgb_im)
    h, w = rgb.shape[:2]
    stride, vals = samples(rgb, 12)
    entry = {"file": name, "mode": im.mode, "width": w, "height": h, "rgb_wsum": wsum(rgb),
             "stride": stride, "samples": [int(v) for v in vals], "resize": []}
    for case, (ow, oh) in sizes(w, h).items():
        r = np.array(rgb_im.resize((ow, oh), resample=Image.Resampling.BICUBIC))
        stride, vals = samples(r, 12)
        entry["resize"].append({"case": case, "width": ow, "height": oh, "wsum": wsum(r),
                                "stride": stride, "samples": [int(v) for v in vals]})
    return entry


# Real photos re-encoded with the JPEG features the demo files lack (all are baseline 4:2:0 or gray):
# progressive scans, 4:2:2 and 4:4:4 sampling, odd sizes, restart markers. Same licence as the source.
REENCODED = [
    ("photo_astronaut_face_prog.jpg", "16_astronaut_face.jpg", None, dict(quality=85, progressive=True)),
    ("photo_hubble_422_prog_odd.jpg", "21_hubble_galaxies.jpg", (0, 0, 399, 377),
     dict(quality=85, progressive=True, subsampling=1)),
    ("photo_flower_444_odd.jpg", "24_flower_center.jpg", (0, 0, 259, 259), dict(quality=95, subsampling=0)),
    ("photo_china_roof_q60_restart.jpg", "23_china_roof.jpg", (1, 1, 318, 237),
     dict(quality=60, progressive=True, subsampling=2, restart_marker_rows=2)),
]


def photo_cases(lc, qc):
    """Checksums for every demo photo (read in place by the Swift test) and the re-encoded ones."""
    names = sorted(f for f in os.listdir(DEMO) if f.endswith(".jpg"))
    assert len(names) >= 20, f"only {len(names)} demo photos; run scripts/make_demo_images.py"
    clip = CLIPImageProcessorPil(**lc)
    pad = LlavaImageProcessorPil(**lc, do_pad=True)
    qwen = Qwen2VLImageProcessorPil(**qc)
    out = {"generator": "scripts/make_image_fixtures.py", "pillow": Image.__version__,
           "libjpeg_turbo": features.version("libjpeg_turbo"), "photos": [], "reencoded": []}
    for name in names:
        entry = photo_entry(name, demo(name), photo_sizes)
        entry["processors"] = []
        for variant, proc in (("clip", clip), ("llava_pad", pad)):
            pv = np.asarray(proc(images=[demo(name)], return_tensors="np")["pixel_values"][0], dtype=np.float32)
            stride, vals = samples(pv, 16)
            entry["processors"].append({"variant": variant, "shape": list(pv.shape), "wsum": wsum(pv),
                                        "stride": stride, "samples": vals})
        res = qwen(images=[demo(name)], return_tensors="np")
        pv = np.asarray(res["pixel_values"], dtype=np.float32)
        stride, vals = samples(pv, 16)
        entry["processors"].append({"variant": "qwen_hub", "shape": list(pv.shape),
                                    "grid_thw": res["image_grid_thw"].tolist(), "wsum": wsum(pv),
                                    "stride": stride, "samples": vals})
        out["photos"].append(entry)
    os.makedirs(os.path.join(OUT, "photos"))
    for name, source, crop, kw in REENCODED:
        im = demo(source)
        data = jpeg_bytes(im.crop(crop) if crop else im, **kw)
        with open(os.path.join(OUT, "photos", name), "wb") as f:
            f.write(data)
        re = Image.open(io.BytesIO(data))
        re.load()
        entry = photo_entry("photos/" + name, re, lambda w, h: {k: photo_sizes(w, h)[k] for k in ("clip336", "up1.7_odd")})
        entry.update(source=source, encoding=", ".join(f"{k}={v}" for k, v in kw.items()))
        out["reencoded"].append(entry)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hf-metadata", default="/work/shared/hf-metadata")
    args = ap.parse_args()
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    for sub in ("decode", "corrupt", "resize", "processor"):
        os.makedirs(os.path.join(OUT, sub))
    manifest = {"generator": "scripts/make_image_fixtures.py", "pillow": Image.__version__,
                "decode": [], "corrupt": [], "resize": [], "smart_resize": [], "clip": [], "qwen": []}

    # Decoding: full expected RGB bytes (drop alpha) and composite-on-white, concatenated.
    blob = bytearray()
    files = {**jpeg_cases(), **png_cases()}
    large = large_photo()
    for name, data in files.items():
        with open(os.path.join(OUT, "decode", name), "wb") as f:
            f.write(data)
        im = Image.open(io.BytesIO(data))
        im.load()
        rgb = np.array(im.convert("RGB"))
        comp = convert_to_rgb(Image.open(io.BytesIO(data)), return_numpy=True)
        entry = {"file": "decode/" + name, "mode": im.mode, "width": im.size[0], "height": im.size[1],
                 "rgb_offset": len(blob)}
        blob += rgb.tobytes()
        if not np.array_equal(rgb, comp):
            entry["composite_offset"] = len(blob)
            blob += comp.tobytes()
        manifest["decode"].append(entry)
    with open(os.path.join(OUT, "decode_expected.bin"), "wb") as f:
        f.write(bytes(blob))
    with open(os.path.join(OUT, "processor", "photo_640x480.jpg"), "wb") as f:
        f.write(large)
    big = np.array(Image.open(io.BytesIO(large)).convert("RGB"))
    manifest["decode"].append({"file": "processor/photo_640x480.jpg", "mode": "RGB", "width": 640, "height": 480,
                               "rgb_wsum": wsum(big)})

    # Corrupt / truncated files: Pillow must fail on each too.
    for name, data in corrupt_cases(files["photo_astronaut.jpg"], files["photo_coffee_prog.jpg"],
                                    files["rgb8_pillow_filters.png"]).items():
        err = pillow_fails(data)
        assert err is not None, f"Pillow decodes {name}; not a corrupt case"
        with open(os.path.join(OUT, "corrupt", name), "wb") as f:
            f.write(data)
        manifest["corrupt"].append({"file": "corrupt/" + name, "pillow_error": err})

    # Resampling: sources are the synthetic PNG, a tiny PNG and decoded JPEG photos.
    srcs = {"resize/src_97x71.png": synth(97, 71, 20), "resize/src_7x5.png": synth(7, 5, 21),
            "resize/src_9x300.png": synth(9, 300, 22)}
    for name, arr in srcs.items():
        Image.fromarray(arr).save(os.path.join(OUT, name), "PNG")
    srcs["decode/photo_astronaut.jpg"] = np.array(Image.open(io.BytesIO(files["photo_astronaut.jpg"])).convert("RGB"))
    srcs["processor/photo_640x480.jpg"] = big
    rng = np.random.default_rng(2026)
    full_budget = 8
    for name, arr in srcs.items():
        h, w = arr.shape[:2]
        geoms = set()
        if w == 640:
            geoms |= {(448, 336), (644, 476), (336, 252), (1, 1), (640, 1), (1, 480), (13, 997)}
            n = 3
        else:
            geoms |= {(w, max(1, h // 2)), (max(1, w // 2), h), (1, 1), (w * 3, h * 2)}
            # Pillow 13 pass-order boundary: vertical first iff dh > 2 * dw (dh, dw = shrinkage).
            for dw in (1, 2, 3):
                if w - dw >= 1 and h - 2 * dw - 1 >= 1:
                    geoms |= {(w - dw, h - 2 * dw), (w - dw, h - 2 * dw - 1)}
            n = 45 if h < 200 else 12
        scale = 2.5 if w * h < 10000 else 0.8  # keep the big photo's outputs small
        while len(geoms) < n + 4:
            geoms.add((int(rng.integers(1, int(w * scale) + 2)), int(rng.integers(1, int(h * scale) + 2))))
        im = Image.fromarray(arr)
        for (ow, oh) in sorted(geoms):
            for flt in (Image.Resampling.BILINEAR, Image.Resampling.BICUBIC):
                out = np.array(im.resize((ow, oh), resample=flt))
                e = {"source": name, "width": ow, "height": oh, "filter": int(flt), "wsum": wsum(out)}
                if full_budget > 0 and out.size <= 3000:
                    e["pixels"] = [int(v) for v in out.ravel()]
                    full_budget -= 1
                manifest["resize"].append(e)

    # smart_resize geometry table.
    for _ in range(300):
        h, w = int(rng.integers(1, 3000)), int(rng.integers(1, 3000))
        mn = int(rng.choice([3136, 3136 * 4, 784, 200]))
        mx = int(rng.choice([12845056, 28 * 28 * 64, 28 * 28 * 1280, 50000]))
        if mx < mn:
            continue
        try:
            rh, rw = smart_resize(h, w, 28, mn, mx)
            manifest["smart_resize"].append([h, w, mn, mx, rh, rw])
        except ValueError:
            manifest["smart_resize"].append([h, w, mn, mx, -1, -1])

    # Processors. Configs are the real hub files.
    llava_cfg = os.path.join(args.hf_metadata, "llava-1.5-7b-hf", "preprocessor_config.json")
    qwen_cfg = os.path.join(args.hf_metadata, "Qwen2.5-VL-7B-Instruct", "preprocessor_config.json")
    shutil.copyfile(llava_cfg, os.path.join(OUT, "processor", "llava_preprocessor_config.json"))
    shutil.copyfile(qwen_cfg, os.path.join(OUT, "processor", "qwen_preprocessor_config.json"))
    with open(llava_cfg) as f:
        lc = {k: v for k, v in json.load(f).items() if k not in ("image_processor_type", "processor_class")}
    with open(qwen_cfg) as f:
        qc = {k: v for k, v in json.load(f).items() if k not in ("image_processor_type", "processor_class")}
    portrait = jpeg_bytes(demo("17_astronaut_flag.jpg"), quality=85)
    with open(os.path.join(OUT, "processor", "photo_portrait.jpg"), "wb") as f:
        f.write(portrait)
    inputs = ["processor/photo_640x480.jpg", "processor/photo_portrait.jpg", "decode/rgba8.png",
              "decode/jpeg_gray.jpg", "decode/pal8_trns.png", "decode/photo_china_444.jpg"]

    def load(p):
        im = Image.open(os.path.join(OUT, p))
        im.load()
        return im

    clip = CLIPImageProcessorPil(**lc)
    llava_pad = LlavaImageProcessorPil(**lc, do_pad=True)
    for variant, proc, names in (("clip", clip, inputs), ("llava_pad", llava_pad, inputs[:3])):
        for p in names:
            pv = np.asarray(proc(images=[load(p)], return_tensors="np")["pixel_values"][0], dtype=np.float32)
            stride, vals = samples(pv)
            manifest["clip"].append({"variant": variant, "image": p, "shape": list(pv.shape), "wsum": wsum(pv),
                                     "stride": stride, "samples": vals})
    small = dict(qc, min_pixels=28 * 28 * 4, max_pixels=28 * 28 * 64)
    for variant, cfg, names in (("hub", qc, inputs[:2]), ("small", small, inputs)):
        proc = Qwen2VLImageProcessorPil(**cfg)
        for p in names:
            out = proc(images=[load(p)], return_tensors="np")
            pv = np.asarray(out["pixel_values"], dtype=np.float32)
            stride, vals = samples(pv)
            manifest["qwen"].append({"variant": variant, "min_pixels": cfg["min_pixels"], "max_pixels": cfg["max_pixels"],
                                     "image": p, "shape": list(pv.shape), "grid_thw": out["image_grid_thw"].tolist(),
                                     "wsum": wsum(pv), "stride": stride, "samples": vals})
    # A two-image batch: rows concatenate in order.
    proc = Qwen2VLImageProcessorPil(**small)
    out = proc(images=[load(inputs[0]), load(inputs[2])], return_tensors="np")
    pv = np.asarray(out["pixel_values"], dtype=np.float32)
    stride, vals = samples(pv)
    manifest["qwen"].append({"variant": "small_batch", "min_pixels": small["min_pixels"], "max_pixels": small["max_pixels"],
                             "images": [inputs[0], inputs[2]], "shape": list(pv.shape),
                             "grid_thw": out["image_grid_thw"].tolist(), "wsum": wsum(pv), "stride": stride, "samples": vals})

    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, separators=(",", ":"))
    with open(os.path.join(OUT, "photos.json"), "w") as f:
        json.dump(photo_cases(lc, qc), f, separators=(",", ":"))
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write("Generated by scripts/make_image_fixtures.py (Pillow 13.0.0, transformers 5.24.0, numpy 2.4.6).\n"
                "Photographic inputs are crops of demo/images (licences in demo/images/LICENSES.md);\n"
                "processor/*_preprocessor_config.json are copies of the hub files of llava-hf/llava-1.5-7b-hf\n"
                "and Qwen/Qwen2.5-VL-7B-Instruct. Everything else is synthetic.\n"
                "photos.json holds checksums for the demo/images photographs, which the tests read in place,\n"
                "and for photos/ (four of them re-encoded: progressive, 4:2:2, 4:4:4, odd sizes, restarts).\n"
                "Sources and licences of every image: ../IMAGES.md.\n")
    total = sum(os.path.getsize(os.path.join(d, x)) for d, _, fs in os.walk(OUT) for x in fs)
    print(f"fixtures: {total / 1e6:.2f} MB in {OUT}")


if __name__ == "__main__":
    main()
