#!/usr/bin/env bash
# `make bench-peers [QUICK=1]`: octet vs ONNX Runtime vs PyTorch on the suite in bench/models.json.
#   bash bench/peers/run.sh [--quick] [harness options...]   regenerates bench/RESULTS.md and
#                                                            bench/results.json
#   bash bench/peers/run.sh --self-test                      unit tests of the harness's pure logic
# Installs what it needs first: Debian packages (scripts/bootstrap.sh), the .venv
# (scripts/venv.sh), and octet's Release CLI. A CLI that does not build leaves octet's rows
# "not available" instead of stopping the peers' measurements.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
py="$root/.venv/bin/python"

if [[ -f scripts/bootstrap.sh ]]; then bash scripts/bootstrap.sh; fi
bash scripts/venv.sh

if [[ "${1:-}" == "--self-test" ]]; then
  exec "$py" -m unittest discover -s bench/peers -p 'test_*.py'
fi

quick=""
for arg in "$@"; do [[ "$arg" == "--quick" ]] && quick=" QUICK=1"; done

octet=(--octet build/bin/octet)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DOCTET_BENCH=ON >/dev/null
if ! ninja -C build octet_cli; then
  echo "run.sh: octet_cli did not build; octet's rows will say so" >&2
  octet=(--octet-unavailable "octet_cli did not build")
fi
# The single-op table runs octet's kernels through octet_bench (kernel_peers.py).
ninja -C build octet_bench || echo "run.sh: octet_bench did not build; the kernel table's octet rows will say so" >&2
exec "$py" bench/peers/harness.py --command "make bench-peers$quick" "${octet[@]}" "$@"
