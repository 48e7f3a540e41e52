#!/usr/bin/env python3
"""Builds demo/images/: 24 real photographs (JPEG quality 85, long side <= 400 px) with licences.

Sources are photographs shipped inside registry packages (nothing is fetched from a hub):
  * scikit-image 0.26.0 wheel, skimage/data/ (public-domain / CC0 per skimage.data docstrings);
    pass its path with --skimage-wheel, or have `pip download --no-deps scikit-image==0.26.0`
    run by this script into a temporary folder;
  * scikit-learn (installed) sklearn/datasets/images/ (CC BY 2.0, see its README.txt).
Only 15 distinct photographs with clear licences exist there, so 9 entries are crops of the larger
originals (marked "crop" in LICENSES.md). Output is deterministic for Pillow 13.0.0.

Usage: python3 scripts/make_demo_images.py [--skimage-wheel PATH] [--out demo/images]
"""
import argparse
import glob
import io
import os
import subprocess
import sys
import tempfile
import zipfile

from PIL import Image

SKIMAGE_VERSION = "0.26.0"

# (output name, source, file, crop box or None, licence, credit)
PD_NASA = "Public domain (NASA), per skimage.data.astronaut / hubble_deep_field"
SOURCES = [
    ("astronaut", "skimage", "astronaut.png", None, "Public domain (NASA, Eileen Collins)", "skimage.data.astronaut"),
    ("brick", "skimage", "brick.png", None, "CC0 (CC0Textures Bricks25)", "skimage.data.brick"),
    ("camera", "skimage", "camera.png", None, "CC0 (photographer Lav Varshney)", "skimage.data.camera"),
    ("chelsea", "skimage", "chelsea.png", None, "CC0 (photographer Stefan van der Walt)", "skimage.data.chelsea"),
    ("clock", "skimage", "clock_motion.png", None, "Public domain (photographer Stefan van der Walt)", "skimage.data.clock"),
    ("coffee", "skimage", "coffee.png", None, "CC0 (photographer Rachel Michetti)", "skimage.data.coffee"),
    ("coins", "skimage", "coins.png", None, "No known copyright restrictions (Brooklyn Museum)", "skimage.data.coins"),
    ("grass", "skimage", "grass.png", None, "CC0 (DeviantArt linolafett, Grass 01)", "skimage.data.grass"),
    ("gravel", "skimage", "gravel.png", None, "CC0 (CC0Textures Gravel04)", "skimage.data.gravel"),
    ("hubble", "skimage", "hubble_deep_field.jpg", None, "Public domain (NASA)", "skimage.data.hubble_deep_field"),
    ("ihc", "skimage", "ihc.png", None, "No known copyright restrictions (CMMI)", "skimage.data.immunohistochemistry"),
    ("retina", "skimage", "retina.jpg", None, "CC0 1.0 (Mikael Häggström)", "skimage.data.retina"),
    ("rocket", "skimage", "rocket.jpg", None, "Public domain (SpaceX)", "skimage.data.rocket"),
    ("china", "sklearn", "china.jpg", None, "CC BY 2.0 (danielbuechele, Flickr 6061409035)", "sklearn.datasets.load_sample_image('china.jpg')"),
    ("flower", "sklearn", "flower.jpg", None, "CC BY 2.0 (vultilion, Flickr 6056698931)", "sklearn.datasets.load_sample_image('flower.jpg')"),
    ("astronaut_face", "skimage", "astronaut.png", (140, 20, 300, 200), "Public domain (NASA, Eileen Collins)", "crop of skimage.data.astronaut"),
    ("astronaut_flag", "skimage", "astronaut.png", (0, 0, 200, 260), "Public domain (NASA, Eileen Collins)", "crop of skimage.data.astronaut"),
    ("coffee_cup", "skimage", "coffee.png", (150, 20, 500, 300), "CC0 (photographer Rachel Michetti)", "crop of skimage.data.coffee"),
    ("retina_disc", "skimage", "retina.jpg", (700, 300, 1200, 800), "CC0 1.0 (Mikael Häggström)", "crop of skimage.data.retina"),
    ("retina_vessels", "skimage", "retina.jpg", (200, 500, 700, 1000), "CC0 1.0 (Mikael Häggström)", "crop of skimage.data.retina"),
    ("hubble_galaxies", "skimage", "hubble_deep_field.jpg", (500, 400, 1000, 872), "Public domain (NASA)", "crop of skimage.data.hubble_deep_field"),
    ("rocket_launchpad", "skimage", "rocket.jpg", (200, 150, 500, 427), "Public domain (SpaceX)", "crop of skimage.data.rocket"),
    ("china_roof", "sklearn", "china.jpg", (0, 0, 320, 240), "CC BY 2.0 (danielbuechele, Flickr 6061409035)", "crop of sklearn china.jpg"),
    ("flower_center", "sklearn", "flower.jpg", (200, 80, 460, 340), "CC BY 2.0 (vultilion, Flickr 6056698931)", "crop of sklearn flower.jpg"),
]


class PhotoSource:
    """Reads the original photographs from the skimage wheel and the installed sklearn."""

    def __init__(self, skimage_wheel=None):
        if skimage_wheel is None:
            tmp = tempfile.mkdtemp(prefix="skimage-wheel-")
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp,
                            f"scikit-image=={SKIMAGE_VERSION}"], check=True)
            skimage_wheel = glob.glob(os.path.join(tmp, "scikit_image-*.whl"))[0]
        self.wheel = zipfile.ZipFile(skimage_wheel)
        import sklearn  # noqa: PLC0415
        self.sklearn_dir = os.path.join(os.path.dirname(sklearn.__file__), "datasets", "images")

    def open(self, source, name):
        if source == "skimage":
            data = self.wheel.read("skimage/data/" + name)
        else:
            with open(os.path.join(self.sklearn_dir, name), "rb") as f:
                data = f.read()
        im = Image.open(io.BytesIO(data))
        im.load()
        return im


def fit(im, long_side=400):
    """Downscales (bicubic) so the long side is at most `long_side`; never upscales."""
    w, h = im.size
    scale = min(1.0, long_side / max(w, h))
    if scale < 1.0:
        im = im.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BICUBIC)
    return im


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--skimage-wheel")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "demo", "images"))
    args = ap.parse_args()
    src = PhotoSource(args.skimage_wheel)
    os.makedirs(args.out, exist_ok=True)
    rows = []
    for i, (name, source, file, box, licence, credit) in enumerate(SOURCES, start=1):
        im = src.open(source, file)
        if im.mode not in ("L", "RGB"):
            im = im.convert("RGB")
        if box is not None:
            im = im.crop(box)
        im = fit(im)
        out = f"{i:02d}_{name}.jpg"
        im.save(os.path.join(args.out, out), "JPEG", quality=85)
        rows.append(f"| {out} | {im.size[0]}x{im.size[1]} {im.mode} | {credit} | {licence} |")
        print(out, im.size, im.mode)
    with open(os.path.join(args.out, "LICENSES.md"), "w") as f:
        f.write("# Demo images: sources and licences\n\n"
                f"Generated by `scripts/make_demo_images.py` from photographs shipped in the scikit-image "
                f"{SKIMAGE_VERSION} wheel (`skimage/data/`, licences as stated in the `skimage.data` docstrings) "
                "and in scikit-learn (`sklearn/datasets/images/README.txt`). JPEG quality 85, long side <= 400 px.\n"
                "15 distinct photographs; entries 16-24 are crops of the larger originals.\n\n"
                "| file | size | source | licence |\n|---|---|---|---|\n")
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
