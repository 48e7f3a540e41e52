#!/usr/bin/env bash
# Checks the reports of the newest demo runs: report.html and both report.json exist, no NaN/Infinity
# anywhere, every JSD value in [0, 1], every p-value in (0, 1]. Used by CI after `make demo`.
set -euo pipefail
RUNS=${KEYSCOPE_RUNS:-runs}
shopt -s nullglob
dirs=("$RUNS"/demo-*)
((${#dirs[@]})) || { echo "check: no demo runs in $RUNS" >&2; exit 1; }
stamp=$(ls -d "$RUNS"/demo-* | sed -E 's#.*/demo-([0-9]{8}-[0-9]{6})-.*#\1#' | sort | tail -1)
fail=0
for d in "$RUNS"/demo-"$stamp"-*; do
  for f in report/report.html report/pre_rope/report.json report/post_rope/report.json; do
    [[ -s "$d/$f" ]] || { echo "check: missing $d/$f" >&2; fail=1; }
  done
  if grep -lqE 'NaN|Infinity' "$d"/report/*/report.json; then echo "check: non-finite number in $d" >&2; fail=1; fi
  python3 - "$d" <<'PY' || fail=1
import json, sys, pathlib
d = pathlib.Path(sys.argv[1])
for v in ("pre_rope", "post_rope"):
    r = json.loads((d / "report" / v / "report.json").read_text())
    assert r["layers"], f"{d}: no layers in {v}"
    assert r["settings"]["rope"] == v.split("_")[0], f"{d}: settings.rope {r['settings']['rope']} in {v}"
    for l in r["layers"]:
        jsd = l["jsd"]
        for comp in jsd["per_component"]:
            for key in ("inter", "intra_image", "intra_text"):
                x = comp[key]
                assert x is None or 0.0 <= x <= 1.0, f"{d} {v} layer {l['layer']}: {key} {x} outside [0, 1]"
        for key in ("inter", "intra_image", "intra_text"):
            assert jsd[key] is None or 0.0 <= jsd[key] <= 1.0, f"{d} {v} layer {l['layer']}: jsd.{key} {jsd[key]}"
        p = jsd["p_value"]
        assert 0.0 < p <= 1.0, f"{d} {v} layer {l['layer']}: p {p}"
print(f"check: {d.name}: {sum(len(json.loads((d/'report'/v/'report.json').read_text())['layers']) for v in ('pre_rope','post_rope'))} layer results finite and in range")
PY
done
exit $fail
