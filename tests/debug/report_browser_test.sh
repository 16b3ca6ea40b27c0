#!/usr/bin/env bash
# octet report's page in a real browser (headless Chromium, Debian's `chromium`): generated for the
# bundled MNIST CNN, loaded with the network cut off, it must log no console error (a script, a
# resource it tried to fetch, a parse problem) and render every chart. Leaves the page and a
# screenshot under BUILD/report-test/ to look at.
# Usage: tests/debug/report_browser_test.sh BUILD_DIR
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR}
octet=$build/bin/octet
out=$build/report-test
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "report-test: chromium not found (scripts/bootstrap.sh installs it)" >&2; exit 1; }
rm -rf "$out" && mkdir -p "$out"

"$octet" quantize examples/mnist_cnn.onnx --mode static --calib examples/mnist_calib.npz -o "$out/mnist.int8.onnx" >/dev/null
"$octet" report examples/mnist_cnn.onnx "$out/mnist.int8.onnx" --data examples/mnist_test.npz --samples 200 \
  -o "$out/report.html"

# Any host resolves to nothing: a reference to the network shows as a failed load in the log.
chrome=("$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$out/profile" --no-first-run
        --host-resolver-rules="MAP * ~NOTFOUND" --enable-logging=stderr --v=0)
page="file://$(realpath "$out/report.html")"
timeout 60 "${chrome[@]}" --dump-dom "$page" >"$out/dom.html" 2>"$out/dom.log"
timeout 60 "${chrome[@]}" --window-size=1280,4000 --hide-scrollbars --screenshot="$out/report.png" "$page" \
  >/dev/null 2>"$out/screenshot.log"

fail=0
if grep -hE 'CONSOLE|Uncaught|ERR_|Failed to load' "$out/dom.log" "$out/screenshot.log"; then
  echo "report-test: console errors or failed loads (above)" >&2
  fail=1
fi
# The browser built every chart of the file: as many <svg> elements in its DOM as in the page.
in_file=$(grep -o '<svg ' "$out/report.html" | wc -l)
in_dom=$(grep -o '<svg ' "$out/dom.html" | wc -l)
if [ "$in_file" -lt 10 ] || [ "$in_dom" -ne "$in_file" ]; then
  echo "report-test: $in_file charts in the page, $in_dom in the browser's DOM" >&2
  fail=1
fi
[ -s "$out/report.png" ] || { echo "report-test: no screenshot" >&2; fail=1; }
[ $fail -eq 0 ] && echo "report-test: $in_file charts rendered, no console errors; screenshot $out/report.png"
exit $fail
