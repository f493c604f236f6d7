#!/usr/bin/env bash
# Rebuilds the bundled demo slides from the HER2+ breast cancer ST data set
# (../shared/data/her2st_breast_st, see SOURCE.md here): each section's H&E
# JPEG is cropped to the bounding box of its spots plus a margin and written
# by `hescape convert` as a tiled JPEG pyramidal TIFF (levels 4x apart, as in
# Aperio files) with MPP 0.69 recorded.
# crops.tsv records each crop so spot pixel positions can be mapped onto the
# slide (slide_x = pixel_x - crop_x).
#
# usage: build_demo.sh [PATH/TO/hescape] [PATH/TO/her2st_breast_st]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hescape=${1:-$here/../../../build/release/app/hescape}
src=${2:-$here/../../../../shared/data/her2st_breast_st}
margin=200      # px around the outermost spot centres (~140 um)
quality=60      # with 4x level steps keeps all six sections near 20 MB
mpp=0.69        # from the ST array pitch, see SOURCE.md

printf 'section\tpatient\tcrop_x\tcrop_y\twidth\theight\tmpp\n' > "$here/crops.tsv.tmp"
for s in B4 C2 C3 C4 C5 C6; do
  read -r x0 y0 x1 y1 < <(awk -F'\t' 'NR > 1 && $7 == 1 {
      if (n++ == 0) { a = c = $5; b = d = $6 }
      if ($5 < a) a = $5; if ($5 > c) c = $5; if ($6 < b) b = $6; if ($6 > d) d = $6 }
    END { printf "%d %d %d %d\n", a, b, c, d }' "$src/${s}_selection.tsv")
  cx=$((x0 - margin)); cy=$((y0 - margin))
  [ $cx -lt 0 ] && cx=0
  [ $cy -lt 0 ] && cy=0
  w=$((x1 + margin - cx)); h=$((y1 + margin - cy))
  "$hescape" convert "$src/${s}_HE.jpg" "$here/$s.tiff" --crop "$cx,$cy,$w,$h" --mpp $mpp --quality $quality --level-step 4
  printf '%s\t%s\t%d\t%d\t%d\t%d\t%s\n' "$s" "${s:0:1}" "$cx" "$cy" "$w" "$h" "$mpp" >> "$here/crops.tsv.tmp"
done
mv "$here/crops.tsv.tmp" "$here/crops.tsv"
du -ch "$here"/*.tiff | tail -1
