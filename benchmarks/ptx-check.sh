#!/usr/bin/env bash
# Assembles every kernel variant's PTX (written by `Bench ptx --out DIR`) for sm_90 with ptxas and fails when a variant
# spills, exceeds its register budget, or — for a tensor-core kernel — has no HMMA instruction in its SASS.
# Prints a markdown table of registers, shared memory and HMMA count per variant.
# usage: benchmarks/ptx-check.sh PTX_DIR   (ptxas and cuobjdump on PATH, from CUDA 11.8 or later)
set -euo pipefail
dir=${1:?usage: ptx-check.sh PTX_DIR}
command -v ptxas >/dev/null && command -v cuobjdump >/dev/null || { echo "ptx-check: ptxas and cuobjdump must be on PATH" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# 128 registers keep two 256-thread groups per SM (65,536 registers); no kernel here needs more.
register_budget=128
failures=0
count=0
echo "| kernel variant | registers | shared bytes | stack frame bytes | spill stores/loads | HMMA |"
echo "|---|---:|---:|---:|---:|---:|"
for ptx in "$dir"/*.ptx; do
  name=$(basename "$ptx" .ptx)
  count=$((count + 1))
  # ILGPU writes PTX ISA 8.8; ptxas 11.8 reads up to 7.8, and the instructions used exist in 7.8. The driver on a GPU
  # JIT-compiles the original.
  sed 's/^\.version 8\.[0-9]*/.version 7.8/' "$ptx" > "$work/k.ptx"
  if ! ptxas -arch=sm_90 -v "$work/k.ptx" -o "$work/k.cubin" > "$work/log" 2>&1; then
    echo "ptx-check: $name does not assemble:" >&2; cat "$work/log" >&2
    failures=$((failures + 1)); continue
  fi
  registers=$( { grep -o 'Used [0-9]* registers' "$work/log" || true; } | awk '{s = $2 > s ? $2 : s} END {print s + 0}')
  shared=$( { grep -o '[0-9]* bytes smem' "$work/log" || true; } | awk '{s = $1 > s ? $1 : s} END {print s + 0}')
  spills=$( { grep -o '[0-9]* bytes spill stores, [0-9]* bytes spill loads' "$work/log" || true; } | awk '{s += $1 + $5} END {print s + 0}')
  spill_text=$( { grep -o '[0-9]* bytes spill stores, [0-9]* bytes spill loads' "$work/log" || true; } | awk '{st += $1; ld += $5} END {printf "%d/%d", st, ld}')
  stack=$( { grep -o '[0-9]* bytes stack frame' "$work/log" || true; } | awk '{s = $1 > s ? $1 : s} END {print s + 0}')
  hmma=$(cuobjdump -sass "$work/k.cubin" | { grep -c 'HMMA' || true; })
  echo "| $name | $registers | $shared | $stack | $spill_text | $hmma |"
  if [ "$spills" -ne 0 ]; then echo "ptx-check: $name spills ($spill_text bytes)" >&2; failures=$((failures + 1)); fi
  if [ "$registers" -gt "$register_budget" ]; then echo "ptx-check: $name uses $registers registers (budget $register_budget)" >&2; failures=$((failures + 1)); fi
  case "$name" in
    *TensorCore*|*Flash*)
      if [ "$hmma" -eq 0 ]; then echo "ptx-check: tensor-core kernel $name has no HMMA in its SASS" >&2; failures=$((failures + 1)); fi ;;
  esac
done
[ "$count" -gt 0 ] || { echo "ptx-check: no .ptx files in $dir" >&2; exit 2; }
echo "ptx-check: $count variants, $failures failures" >&2
[ "$failures" -eq 0 ]
