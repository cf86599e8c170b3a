#!/usr/bin/env bash
# The Cpu backend, PyTorch and llama.cpp (LLamaSharp) at the same shapes, in one run on this machine, side by side.
#   benchmarks/cpu-vs-pytorch.sh [--model 3b|none] [--weights bf16|int8|int4]   (needs: apt-get install -y python3-torch python3-numpy)
# llama.cpp runs the weight type matching --weights (bf16 → f16, int8 → q8_0, int4 → q4_0) on a GGUF of the same
# synthetic language model that `Bench llama` writes itself; with --model none only the kernels are compared.
# Then `Bench duel` alternates the two engines' decode in one process (8 rounds of 16 tokens): the decode ratio to
# quote, since both engines see the same minute of this shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=$(nproc)
model=3b weights=bf16
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --model) model="${args[$((i + 1))]}" ;;
    --weights) weights="${args[$((i + 1))]}" ;;
  esac
done
case "$weights" in bf16) gguf=f16 ;; int8) gguf=q8_0 ;; int4) gguf=q4_0 ;; *) echo "--weights: use bf16, int8 or int4" >&2; exit 2 ;; esac
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $threads cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet build benchmarks/Bench/Bench.csproj -c Release -v q -nologo > /dev/null
ours=$(/usr/bin/time -v -o /tmp/prunevid-cpu-bench.time dotnet benchmarks/Bench/bin/Release/net10.0/Bench.dll cpu --json "$@" | tail -1)
torch=$(/usr/bin/python3 benchmarks/cpu-vs-pytorch.py "$threads" | tail -1)
llama='{}'
if [ "$model" != none ]; then
  llama=$(dotnet benchmarks/Bench/bin/Release/net10.0/Bench.dll llama --json --model "$model" --type "$gguf" --threads "$threads" | tail -1)
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); Bench cpu peak RSS: $(sed -n 's/.*Maximum resident set size (kbytes): //p' /tmp/prunevid-cpu-bench.time) kB"
/usr/bin/python3 - "$ours" "$torch" "$llama" "$weights" "$gguf" <<'PY'
import json, sys
ours, torch, llama = (json.loads(a) for a in sys.argv[1:4])
weights, gguf = sys.argv[4], sys.argv[5]
lower_is_better = lambda k: k.startswith(("prefill_s", "load_s", "peak_rss"))
ratio = lambda k, other: (other[k] / ours[k] if lower_is_better(k) else ours[k] / other[k]) if k in other and ours[k] and other[k] else None
cell = lambda v, w: f"{v:{w}.2f}" if v is not None else f"{'-':>{w}}"
print(f"{'metric':34} {'PruneVid ' + weights:>14} {'PyTorch bf16':>13} {'llama.cpp ' + gguf:>15} {'vs torch':>9} {'vs llama':>9}")
for key in ours:
    print(f"{key:34} {ours[key]:14.2f} {cell(torch.get(key), 13)} {cell(llama.get(key), 15)} {cell(ratio(key, torch), 8)}x {cell(ratio(key, llama), 8)}x")
print("ratio > 1: PruneVid.NET ahead (rates: ours/theirs; seconds and GB: theirs/ours)")
PY
if [ "$model" != none ]; then
  echo "decode, alternated in one process (Bench duel):"
  dotnet benchmarks/Bench/bin/Release/net10.0/Bench.dll duel --model "$model" --weights "$weights" --threads "$threads" | tail -9
fi
