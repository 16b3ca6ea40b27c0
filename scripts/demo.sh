#!/usr/bin/env bash
# `make demo`: the main job on the bundled default model. Static quantization lands with the
# static PTQ issue; until then the demo shows the fp32 runtime on the same model: the graph,
# top-1 accuracy on the 1,000 held-out MNIST digits, and latency.
set -euo pipefail
octet=${1:?octet binary}
model=${2:?model}
data=${3:?test data}
labels=${data%.npz}_labels.npy

echo "== octet inspect $model"
"$octet" inspect "$model" | tail -n 6
echo
echo "== octet eval (fp32)"
"$octet" eval "$model" --data "$data" --labels "$labels"
echo
echo "== octet bench (fp32, batch 1, 1 thread)"
"$octet" bench "$model" --iters 200 --threads 1
echo
echo "model size: $(stat -c %s "$model") bytes"
