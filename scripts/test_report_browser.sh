#!/usr/bin/env bash
# Renders a report.html in headless Chromium (Debian's package; `KEYSCOPE_SETUP_BROWSER=1 scripts/setup`
# installs it) and checks what a reader would see: the screenshot is not blank and shows both modality
# colours of the t-SNE maps, the rendered DOM holds the expected plots (one line chart per statistic and
# variant, a heat map, t-SNE scatters with points), and the file references nothing on the network.
#
#   scripts/test_report_browser.sh REPORT_HTML [SCREENSHOT_PNG]
# Prints the figures it checked (plot counts, point count, screenshot size and ink coverage); exits 1 on any
# failed check. SCREENSHOT_PNG (default: a temp file) is kept, e.g. for docs/report-screenshot.png.
set -euo pipefail
REPORT=${1:?usage: test_report_browser.sh REPORT_HTML [SCREENSHOT_PNG]}
[[ -f "$REPORT" ]] || { echo "browser: $REPORT not found" >&2; exit 1; }
REPORT=$(cd "$(dirname "$REPORT")" && pwd)/$(basename "$REPORT")
BROWSER=$(command -v chromium || command -v chromium-browser || true)
[[ -n "$BROWSER" ]] || { echo "browser: chromium not installed (KEYSCOPE_SETUP_BROWSER=1 scripts/setup)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
SHOT=${2:-$TMP/report.png}
# A private profile and no network: the report must render from the file alone.
FLAGS=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --user-data-dir="$TMP/profile"
       --proxy-server=127.0.0.1:9 --proxy-bypass-list='<-loopback>' --window-size=1280,2400)
timeout 120 "$BROWSER" "${FLAGS[@]}" --screenshot="$SHOT" "file://$REPORT" >"$TMP/shot.log" 2>&1 \
  || { cat "$TMP/shot.log" >&2; echo "browser: screenshot failed" >&2; exit 1; }
timeout 120 "$BROWSER" "${FLAGS[@]}" --dump-dom "file://$REPORT" >"$TMP/dom.html" 2>"$TMP/dom.log" \
  || { cat "$TMP/dom.log" >&2; echo "browser: --dump-dom failed" >&2; exit 1; }
python3 - "$REPORT" "$TMP/dom.html" "$SHOT" <<'PY'
import re, struct, sys, zlib

report, dom_path, shot = sys.argv[1:4]
src = open(report, encoding="utf-8").read()
dom = open(dom_path, encoding="utf-8").read()
fail = []

# --- the file is self-contained ------------------------------------------------------------------------
external = re.findall(r'(?:src|href)\s*=\s*"(?:https?:)?//[^"]*"', src) + re.findall(r"@import|url\(\s*['\"]?https?:", src)
if external:
    fail.append(f"external references: {external[:3]}")
if "<script" in src.lower():
    fail.append("report contains <script>")

# --- rendered DOM: plots present -------------------------------------------------------------------------
svgs = dom.count("<svg")
sections = re.findall(r'<section class="variant" id="variant-([^"]+)"', dom)
circles = dom.count("<circle")
heat = len(re.findall(r"<rect", dom))
charts = {name: dom.count(name) for name in ("JSD per layer", "MMD² per layer", "Fréchet distance per layer")}
for name, n in charts.items():
    if n < len(sections):
        fail.append(f"{n} '{name}' charts for {len(sections)} variants")
if not sections:
    fail.append("no variant section rendered")
if circles < 50:
    fail.append(f"only {circles} t-SNE points rendered")
for color in ("#E69F00", "#0072B2"):
    if color.lower() not in dom.lower():
        fail.append(f"modality colour {color} missing from the DOM")

# --- screenshot: decode the PNG (stdlib only) and measure ink -------------------------------------------
def read_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), f"unexpected PNG format depth {depth} type {ctype}"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line)); prev = line
    return w, h, bpp, rows

w, h, bpp, rows = read_png(shot)
ink = orange = blue = 0
total = 0
for row in rows[::2]:
    for x in range(0, w * bpp, bpp * 2):
        r, g, b = row[x], row[x + 1], row[x + 2]
        total += 1
        if r < 235 or g < 235 or b < 235: ink += 1
        if abs(r - 0xE6) < 40 and abs(g - 0x9F) < 40 and b < 80: orange += 1
        if r < 60 and abs(g - 0x72) < 40 and abs(b - 0xB2) < 40: blue += 1
coverage = ink / total
if coverage < 0.02:
    fail.append(f"screenshot nearly blank ({coverage:.1%} ink)")
if orange < 20 or blue < 20:
    fail.append(f"screenshot lacks the modality colours (image-orange {orange}, text-blue {blue} sampled pixels)")

print(f"browser: {len(sections)} variants ({', '.join(sections)}), {svgs} SVG plots, {circles} t-SNE points, "
      f"{heat} rects (heat map, bands, frames), charts {charts}; screenshot {w}x{h}, {coverage:.1%} ink, "
      f"{orange} orange / {blue} blue sampled pixels")
if fail:
    print("browser: FAIL: " + "; ".join(fail), file=sys.stderr)
    sys.exit(1)
print("browser: report renders as expected")
PY
