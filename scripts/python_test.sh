#!/usr/bin/env bash
# `make python-test` (docs/python.md, "Tests"): the Python package as a user gets it. `pip wheel .`
# (the build in BUILD/python, kept between runs), the wheel installed into a fresh venv with numpy
# and pytest from PyPI, tests/python/ run against it and the CLI BUILD/bin/octet. Then the tests
# that need torch or onnx, with the tooling venv's packages (.venv) visible after the venv's own.
set -euo pipefail
build=${1:?build directory}
jobs=${2:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 -m venv "$tmp/venv"  # its own pip builds the wheel too: no pip needed in the system python
CMAKE_BUILD_PARALLEL_LEVEL=$jobs "$tmp/venv/bin/pip" wheel . --no-deps --quiet --disable-pip-version-check \
  -w "$tmp/wheel" -Cbuild-dir="$build/python"
"$tmp/venv/bin/pip" install --quiet --disable-pip-version-check "$tmp"/wheel/octet-*.whl numpy pytest
export OCTET_BIN=$PWD/$build/bin/octet
"$tmp/venv/bin/python" -m pytest -q -p no:cacheprovider tests/python

if [ -x .venv/bin/python ] && .venv/bin/python -c 'import torch, onnx' 2>/dev/null; then
  .venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' \
    > "$("$tmp/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/tooling.pth"
  "$tmp/venv/bin/python" -m pytest -q -p no:cacheprovider tests/python -k 'torch or model_proto' \
    -W ignore::DeprecationWarning
fi
