#!/usr/bin/env bash
# `make demo`: the main job on the bundled default model. Static post-training quantization of
# the MNIST CNN (calibrated on 1,000 training digits with the default x86 qconfig: histogram
# activations with the range rule chosen on the outputs, per-channel weights), then fp32 vs int8 on the 1,000 held-out digits: top-1
# accuracy, model size and latency (batch 1, 1 thread; the int8 model runs on the INT8 kernels);
# then one epoch of quantization-aware training of the same model.
set -euo pipefail
octet=${1:?octet binary}
model=${2:?model}
data=${3:?test data}
calib=${4:?calibration data}
labels=${data%.npz}_labels.npy
out_dir=${OCTET_DEMO_OUT:-build/demo}
mkdir -p "$out_dir"
int8="$out_dir/$(basename "${model%.onnx}").int8.onnx"

echo "== octet quantize $model -o $int8 --mode static --calib $calib"
"$octet" quantize "$model" -o "$int8" --mode static --calib "$calib"
echo
fp32_acc=$("$octet" eval "$model" --data "$data" --labels "$labels")
int8_acc=$("$octet" eval "$int8" --data "$data" --labels "$labels")
latency() { "$octet" bench "$1" --iters 300 --threads 1 --batch 1 --json | sed -n 's/.*"median_ms": *\([0-9.e+-]*\).*/\1/p'; }
fp32_ms=$(latency "$model")
int8_ms=$(latency "$int8")
printf '%-6s %-28s %12s %14s\n' "" "top-1 (1,000 test digits)" "size (bytes)" "median (ms)"
printf '%-6s %-28s %12s %14s\n' fp32 "${fp32_acc#top-1: }" "$(stat -c %s "$model")" "$fp32_ms"
printf '%-6s %-28s %12s %14s\n' int8 "${int8_acc#top-1: }" "$(stat -c %s "$int8")" "$int8_ms"

# Quantization-aware training (docs/qat.md) of the same model on the 4,000 training digits: one
# epoch with per-tensor weights, then the INT8 model's top-1 on the held-out digits.
train=${calib%_calib.npz}_train.npz
if [ -f "$train" ]; then
  qat="$out_dir/$(basename "${model%.onnx}").qat.onnx"
  echo
  echo "== octet qat $model --train $train --per-tensor --epochs 1 -o $qat"
  "$octet" qat "$model" --train "$train" --labels "${train%.npz}_labels.npy" --val "$data" --val-labels "$labels" \
    --per-tensor --epochs 1 --no-checkpoint -o "$qat"
fi
