#!/usr/bin/env bash
# Renders every SVG under a folder to PNG with rsvg-convert and fails if any
# does not render (malformed XML, bad attribute values, ...).
#
#   scripts/figures-check.sh [FOLDER] [OUT]
#
# FOLDER defaults to .build/figures (where the plot tests write their SVGs);
# the PNGs go next to each SVG, or under OUT mirroring FOLDER's layout.
set -euo pipefail

folder="${1:-.build/figures}"
out="${2:-}"

if ! command -v rsvg-convert >/dev/null 2>&1; then
  echo "figures-check: rsvg-convert not found; install librsvg2-bin (make deps)" >&2
  exit 2
fi
if [ ! -d "$folder" ]; then
  echo "figures-check: no folder $folder (run the plot tests first: swift test --filter Plot)" >&2
  exit 2
fi

total=0
failed=0
while IFS= read -r -d '' svg; do
  total=$((total + 1))
  if [ -n "$out" ]; then
    rel="${svg#"$folder"/}"
    png="$out/${rel%.svg}.png"
    mkdir -p "$(dirname "$png")"
  else
    png="${svg%.svg}.png"
  fi
  if log=$(rsvg-convert --format=png --output="$png" "$svg" 2>&1) && [ -s "$png" ]; then
    echo "ok      $svg -> $png"
  else
    failed=$((failed + 1))
    echo "FAILED  $svg${log:+: $log}" >&2
  fi
done < <(find "$folder" -type f -name '*.svg' -print0 | sort -z)

if [ "$total" -eq 0 ]; then
  echo "figures-check: no SVG files under $folder" >&2
  exit 1
fi
echo "figures-check: $((total - failed)) of $total SVG files rendered"
[ "$failed" -eq 0 ]
