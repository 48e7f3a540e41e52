#!/usr/bin/env python3
"""Writes demo/samples.jsonl (34 samples) and demo/mmbench_sample.tsv (6 rows) for keyscope's demo.

The demo photos are demo/images/NN_name.jpg (made by another script from scikit-image's data). This
script lists that folder, sorts by NN, and writes one sample per image (then 10 more on the first
images with a different question type), picking questions by the keyword in each name. Without the
folder it falls back to the expected names and writes placeholder paths images/NN.jpg, so the output
is a deterministic function of the directory listing. Question types rotate: English open question,
English MMBench-style multiple choice, Chinese MMBench-CN-style multiple choice.

demo/mmbench_sample.tsv shows the MMBench TSV reader: tiny PNGs (Pillow, deterministic) as base64,
pandas-style quoting, three English and three Chinese rows, one row reusing another row's image by index.

Usage: python3 scripts/make_demo_data.py [--demo demo]
"""
import argparse
import base64
import io
import json
import os
import re

TOTAL = 34
EXPECTED = ["astronaut", "coffee", "chelsea", "rocket", "camera", "coins", "horse", "moon", "page", "text",
            "brick", "grass", "gravel", "hubble_deep_field", "immunohistochemistry", "retina", "skin",
            "motorcycle", "logo", "eagle", "clock", "colorwheel", "lily", "cell"]

# keyword -> (open question, (mc question, options, answer), (zh question, options, answer))
BANK = {
    "astronaut": ("What is the astronaut holding in her hands?",
                  ("What is the person in the image wearing?", ["A diving suit", "A space suit", "A chef's uniform", "A raincoat"], "B"),
                  ("图中的人穿着什么？", ["潜水服", "宇航服", "厨师服", "雨衣"], "B")),
    "coffee": ("Describe the drink and what it is served in.",
               ("What drink is shown?", ["Coffee", "Orange juice", "Milk", "Red wine"], "A"),
               ("图中是什么饮料？", ["咖啡", "橙汁", "牛奶", "红酒"], "A")),
    "chelsea": ("What animal is this and what colour is its fur?",
                ("Which animal is in the picture?", ["Dog", "Cat", "Rabbit", "Fox"], "B"),
                ("图中是什么动物？", ["狗", "猫", "兔子", "狐狸"], "B")),
    "cat": ("What animal is this and what colour is its fur?",
            ("Which animal is in the picture?", ["Dog", "Cat", "Rabbit", "Fox"], "B"),
            ("图中是什么动物？", ["狗", "猫", "兔子", "狐狸"], "B")),
    "rocket": ("What is happening in this scene?",
               ("What vehicle is shown?", ["A submarine", "A train", "A rocket", "A bus"], "C"),
               ("图中是什么交通工具？", ["潜水艇", "火车", "火箭", "公共汽车"], "C")),
    "camera": ("What is the man doing?",
               ("What device is the man using?", ["A camera", "A telescope", "A microphone", "A laptop"], "A"),
               ("图中的男人在使用什么设备？", ["相机", "望远镜", "麦克风", "笔记本电脑"], "A")),
    "coins": ("How many coins can you see?",
              ("What objects are shown?", ["Buttons", "Coins", "Cookies", "Stones"], "B"),
              ("图中是什么物体？", ["纽扣", "硬币", "饼干", "石头"], "B")),
    "horse": ("Describe the shape in this image.",
              ("Which animal does the silhouette show?", ["Horse", "Elephant", "Bird", "Fish"], "A"),
              ("这个剪影是什么动物？", ["马", "大象", "鸟", "鱼"], "A")),
    "moon": ("What celestial body is this?",
             ("What is shown in the image?", ["The Sun", "Mars", "The Moon", "A cloud"], "C"),
             ("图中是什么？", ["太阳", "火星", "月球", "云"], "C")),
    "page": ("What kind of document is this?",
             ("What does the image mainly contain?", ["Printed text", "A landscape", "A face", "A chart"], "A"),
             ("这张图片主要包含什么？", ["印刷文字", "风景", "人脸", "图表"], "A")),
    "text": ("What does the text in the image say?",
             ("What is the main content of the image?", ["Handwritten text", "Animals", "Food", "Buildings"], "A"),
             ("图片的主要内容是什么？", ["手写文字", "动物", "食物", "建筑"], "A")),
    "brick": ("What material is this surface made of?",
              ("What texture is shown?", ["Brick wall", "Water", "Sand", "Wood grain"], "A"),
              ("图中是什么纹理？", ["砖墙", "水面", "沙子", "木纹"], "A")),
    "grass": ("Describe the texture in this image.",
              ("What is shown in the image?", ["Grass", "Snow", "Metal", "Glass"], "A"),
              ("图中是什么？", ["草", "雪", "金属", "玻璃"], "A")),
    "gravel": ("What is the ground covered with?",
               ("What texture is shown?", ["Carpet", "Gravel", "Leaves", "Tiles"], "B"),
               ("图中是什么纹理？", ["地毯", "碎石", "树叶", "瓷砖"], "B")),
    "hubble": ("What does this astronomical image show?",
               ("What is visible in the image?", ["Distant galaxies", "A city at night", "Fireworks", "A forest"], "A"),
               ("图中可以看到什么？", ["遥远的星系", "夜晚的城市", "烟花", "森林"], "A")),
    "immunohistochemistry": ("What kind of image is this?",
                             ("What type of image is this?", ["A stained tissue sample", "A satellite photo", "A painting", "A map"], "A"),
                             ("这是什么类型的图像？", ["染色的组织样本", "卫星照片", "油画", "地图"], "A")),
    "retina": ("What part of the body does this image show?",
               ("What does the image show?", ["A retina", "A leaf", "A planet", "A road map"], "A"),
               ("图中显示的是什么？", ["视网膜", "树叶", "行星", "道路地图"], "A")),
    "skin": ("Describe what this microscope image shows.",
             ("What kind of image is this?", ["A microscope image of tissue", "A beach", "A cake", "A street"], "A"),
             ("这是什么类型的图像？", ["组织的显微图像", "海滩", "蛋糕", "街道"], "A")),
    "motorcycle": ("What vehicle is shown and where is it?",
                   ("What vehicle is in the image?", ["A bicycle", "A motorcycle", "A car", "A boat"], "B"),
                   ("图中是什么交通工具？", ["自行车", "摩托车", "汽车", "船"], "B")),
    "logo": ("What does this logo show?",
             ("What kind of image is this?", ["A logo", "A photograph of food", "A portrait", "A map"], "A"),
             ("这是什么类型的图像？", ["标志", "食物照片", "肖像", "地图"], "A")),
    "eagle": ("What bird is this?",
              ("Which animal is in the picture?", ["An eagle", "A penguin", "A cat", "A fish"], "A"),
              ("图中是什么动物？", ["鹰", "企鹅", "猫", "鱼"], "A")),
    "clock": ("What time does the clock show?",
              ("What object is shown?", ["A clock", "A plate", "A wheel", "A coin"], "A"),
              ("图中是什么物体？", ["钟", "盘子", "轮子", "硬币"], "A")),
    "colorwheel": ("Describe the colours in this image.",
                   ("What is shown in the image?", ["A colour wheel", "A pizza", "A tyre", "A flower"], "A"),
                   ("图中是什么？", ["色轮", "披萨", "轮胎", "花"], "A")),
    "lily": ("What kind of plant is shown?",
             ("What is shown in the image?", ["A flower", "A car", "A dog", "A building"], "A"),
             ("图中是什么？", ["花", "汽车", "狗", "建筑"], "A")),
    "cell": ("What does this microscope image show?",
             ("What kind of image is this?", ["A microscope image of cells", "A city", "A meal", "A mountain"], "A"),
             ("这是什么类型的图像？", ["细胞的显微图像", "城市", "饭菜", "山"], "A")),
}
GENERIC = ("What is shown in this image?",
           ("Which description fits the image best?", ["A photograph", "A blank page", "A spreadsheet", "A video"], "A"),
           ("哪个描述最符合这张图片？", ["一张照片", "一张白纸", "一张表格", "一段视频"], "A"))
KINDS = ["open_en", "mc_en", "mc_zh"]


def list_images(images_dir):
    """[(NN, name, relative path)] from NN_name.jpg files, or the expected names with placeholder paths."""
    found = []
    if os.path.isdir(images_dir):
        for f in sorted(os.listdir(images_dir)):
            m = re.fullmatch(r"(\d+)_(.+)\.(jpe?g|png)", f, re.IGNORECASE)
            if m:
                found.append((int(m.group(1)), m.group(2), "images/" + f))
        found.sort()
    if found:
        return found
    return [(i + 1, name, "images/%02d.jpg" % (i + 1)) for i, name in enumerate(EXPECTED)]


def bank_entry(name):
    key = name.lower()
    for k in sorted(BANK, key=len, reverse=True):
        if k in key:
            return BANK[k]
    return GENERIC


def make_samples(images):
    n = len(images)
    out = []
    for k in range(TOTAL):
        num, name, path = images[k % n]
        kind = KINDS[(k + k // n) % 3]
        open_q, mc_en, mc_zh = bank_entry(name)
        rec = {"id": "%02d_%s_%s" % (num, re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower(), kind), "image": path}
        if kind == "open_en":
            rec.update(question=open_q, lang="en")
        else:
            q, opts, ans = mc_en if kind == "mc_en" else mc_zh
            rec.update(question=q, options={chr(65 + i): o for i, o in enumerate(opts)}, answer=ans,
                       lang="en" if kind == "mc_en" else "zh")
        out.append(rec)
    ids = [r["id"] for r in out]
    assert len(set(ids)) == len(ids), "duplicate ids"
    return out


def tiny_png(color, shape):
    from PIL import Image, ImageDraw
    img = Image.new("RGB", (16, 16), (255, 255, 255))
    d = ImageDraw.Draw(img)
    if shape == "square":
        d.rectangle([3, 3, 12, 12], fill=color)
    elif shape == "circle":
        d.ellipse([2, 2, 13, 13], fill=color)
    else:
        d.polygon([(8, 2), (14, 13), (2, 13)], fill=color)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return base64.b64encode(buf.getvalue()).decode()


def tsv_field(s):
    """pandas to_csv(sep='\\t') quoting: quote fields with tab, newline or quote; double the quotes."""
    s = str(s)
    if any(c in s for c in '\t\n\r"'):
        return '"' + s.replace('"', '""') + '"'
    return s


def make_tsv():
    header = ["index", "question", "hint", "A", "B", "C", "D", "answer", "category", "image"]
    red, blue, green = (220, 30, 30), (30, 60, 220), (30, 160, 60)
    rows = [
        [0, "What shape is shown?", "nan", "Circle", "Square", "Triangle", "", "B", "shape", tiny_png(red, "square")],
        [1, "What colour is the shape?", "The background is white.", "Red", "Blue", "Green", "Black", "B", "colour", tiny_png(blue, "circle")],
        [2, 'Which word describes the shape\nbest: "pointed" or "round"?', "", "Pointed", "Round", "", "", "A", "shape", tiny_png(green, "triangle")],
        [3, "图中是什么形状？", "", "圆形", "正方形", "三角形", "", "B", "形状", "0"],
        [4, "图中形状是什么颜色？", "背景是白色的。", "红色", "蓝色", "绿色", "黑色", "B", "颜色", tiny_png(blue, "circle")],
        [5, "图中的形状有几个角？", "nan", "零个", "三个", "四个", "", "B", "形状", tiny_png(green, "triangle")],
    ]
    lines = ["\t".join(header)] + ["\t".join(tsv_field(v) for v in r) for r in rows]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "demo"))
    args = ap.parse_args()
    images = list_images(os.path.join(args.demo, "images"))
    samples = make_samples(images)
    with open(os.path.join(args.demo, "samples.jsonl"), "w", encoding="utf-8") as f:
        for s in samples:
            f.write(json.dumps(s, ensure_ascii=False) + "\n")
    with open(os.path.join(args.demo, "mmbench_sample.tsv"), "w", encoding="utf-8", newline="") as f:
        f.write(make_tsv())
    placeholder = images[0][2].split("/")[-1][:3] == "%02d." % images[0][0]
    print("%d samples over %d images%s; 6 TSV rows" % (len(samples), len(images), " (placeholder paths)" if placeholder else ""))


if __name__ == "__main__":
    main()
