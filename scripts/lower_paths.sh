#!/usr/bin/env bash
# Runs a command once for each INT8 kernel path below this CPU's best, each as on a CPU that has
# only that path: octet's kernels forced with OCTET_ISA, oneDNN's (octet's fp32 convolutions and
# GEMMs) capped with ONEDNN_MAX_CPU_ISA. So one machine also tests what an older or smaller one runs.
#   scripts/lower_paths.sh OCTET_BIN CMD [ARGS...]
# Paths this CPU lacks are skipped (said so); the first failing run stops with its exit status.
set -euo pipefail
octet="$1"
shift
version=$("$octet" --version)
best=$(sed -n 's/^kernels: \([a-z0-9]*\) (.*/\1/p' <<< "$version")
supported=$(sed -n 's/.*this CPU runs: \([^;]*\);.*/\1/p' <<< "$version")
[[ -n "$best" && -n "$supported" ]] || { echo "lower_paths.sh: no kernel paths in '$version'" >&2; exit 1; }

# path, oneDNN's cap ("-": none), the CPU it stands for
while read -r isa onednn what; do
  [[ "$isa" == "$best" ]] && continue
  if [[ " $supported " != *" $isa "* ]]; then
    echo "== skipped $isa ($what): this CPU cannot run it"
    continue
  fi
  env_vars=("OCTET_ISA=$isa")
  [[ "$onednn" != "-" ]] && env_vars+=("ONEDNN_MAX_CPU_ISA=$onednn")
  echo "== ${env_vars[*]}: $what"
  env "${env_vars[@]}" "$@"
done <<'PATHS'
avxvnni AVX2_VNNI as on Intel Alder Lake (AVX-VNNI, no AVX-512)
avx512bw AVX512_CORE as on Intel Skylake-SP (AVX-512 without VNNI)
avx2 AVX2 as on AMD Zen 2 (AVX2 and FMA only)
ref - octet's scalar reference kernels
PATHS
