#!/usr/bin/env bash
# Remakes docs/report-1280.png and docs/report-420.png: the HTML report of the bundled sample (one
# day's window, the seed's policies replayed) as headless Chromium shows it 1280 and 420 CSS pixels
# wide, the whole page (the narrow one drawn at twice the scale, as a phone's screen does).
# Needs chromium.
# Usage: bash docs/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
chromium=${CHROMIUM:-chromium}
swift build
flowlog="$(swift build --show-bin-path)/flowlog"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$flowlog" ingest --db "$work/flows.db" SampleFlows/flows/production.jsonl >/dev/null
"$flowlog" report --db "$work/flows.db" --since 2026-11-20T00:00:00Z --until 2026-11-21T00:00:00Z \
    --policies SampleFlows/policies -o html --out "$work/report.html"

# The report goes into an iframe of the exact width, as an attribute value (& and " escaped).
# Chromium makes no window narrower than 500 px, so a narrower frame is zoomed 2x in a window twice
# its width: the page inside still lays out at its own width (its innerWidth), with 2 pixels per pixel.
frame=$(sed -e 's/&/\&amp;/g' -e 's/"/\&quot;/g' "$work/report.html")
browse() { "$chromium" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile" "$@" 2>/dev/null; }

for width in 1280 420; do
    zoom=$(( width < 500 ? 2 : 1 ))
    window=$(( width * zoom ))
    # First pass: the page's height at this width, measured by a script in the outer page.
    cat > "$work/measure.html" <<PAGE
<!DOCTYPE html><html><head><style>body{margin:0}iframe{border:0;display:block}</style><script>
addEventListener('load', function () {
  var p = document.createElement('pre'); p.id = 'height';
  p.textContent = document.getElementById('f').contentDocument.documentElement.scrollHeight;
  document.body.appendChild(p);
});
</script></head><body><iframe id="f" style="width:${width}px;height:1000px" srcdoc="$frame"></iframe></body></html>
PAGE
    height=$(browse --window-size="$window,1000" --virtual-time-budget=3000 --dump-dom "file://$work/measure.html" \
        | sed -n 's/.*<pre id="height">\([0-9]*\)<\/pre>.*/\1/p')
    [ -n "$height" ] || { echo "could not measure the page at $width px" >&2; exit 1; }
    # Second pass: the whole page in one frame that tall.
    cat > "$work/shot.html" <<PAGE
<!DOCTYPE html><html><head><style>body{margin:0;zoom:$zoom}iframe{border:0;display:block}</style></head>
<body><iframe style="width:${width}px;height:${height}px" srcdoc="$frame"></iframe></body></html>
PAGE
    browse --window-size="$window,$(( height * zoom ))" --virtual-time-budget=3000 --hide-scrollbars \
        --screenshot="docs/report-$width.png" "file://$work/shot.html"
    echo "docs/report-$width.png: the page at $width px, ${height} px tall, ${zoom}x"
done
