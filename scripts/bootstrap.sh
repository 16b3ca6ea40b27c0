#!/usr/bin/env bash
# Installs the Debian packages octet builds with, calling apt only for what is missing.
# Idempotent: a second run does nothing. Run as root (or with sudo available).
set -euo pipefail

packages=(
  g++ make pkg-config ninja-build cmake
  libprotobuf-dev protobuf-compiler libonnx-dev
  libdnnl-dev ocl-icd-opencl-dev  # dnnl-config.cmake calls find_package(OpenCL); only Recommended by libdnnl-dev
  libgtest-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev zlib1g-dev libre2-dev
  clang-19 libclang-rt-19-dev libomp-19-dev llvm-19  # make fuzz: libFuzzer, OpenMP for clang, llvm-symbolizer
  clang-format-19  # make format, and the format check of make test (.clang-format)
  python3-venv espeak-ng
  fortunes  # real English sentences for bench/dynamic_quant.py
  fontconfig fonts-dejavu-core fonts-liberation2 fonts-freefont-ttf  # bench/accuracy: text rendered for OCR
  chromium  # tests/debug/report_browser_test.sh: octet report's HTML in a headless browser
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3-venv is only needed when the system python lacks venv (pyenv builds have it).
if python3 -c 'import venv, ensurepip' 2>/dev/null; then
  missing=("${missing[@]/python3-venv}")
fi
read -r -a missing <<< "${missing[*]}"
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "bootstrap: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
