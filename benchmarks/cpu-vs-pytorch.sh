#!/usr/bin/env bash
# The Cpu backend and PyTorch at the same shapes, in one run on this machine, side by side.
#   benchmarks/cpu-vs-pytorch.sh [--model 3b|none]      (needs: apt-get install -y python3-torch python3-numpy)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=$(nproc)
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $threads cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet build benchmarks/Bench/Bench.csproj -c Release -v q -nologo > /dev/null
ours=$(/usr/bin/time -v -o /tmp/prunevid-cpu-bench.time dotnet benchmarks/Bench/bin/Release/net10.0/Bench.dll cpu --json "$@" | tail -1)
torch=$(/usr/bin/python3 benchmarks/cpu-vs-pytorch.py "$threads" | tail -1)
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); Bench cpu peak RSS: $(sed -n 's/.*Maximum resident set size (kbytes): //p' /tmp/prunevid-cpu-bench.time) kB"
/usr/bin/python3 - "$ours" "$torch" <<'PY'
import json, sys
ours, torch = json.loads(sys.argv[1]), json.loads(sys.argv[2])
lower_is_better = lambda k: k.startswith(("prefill_s", "load_s", "peak_rss"))
print(f"{'metric':34} {'PruneVid.NET':>13} {'PyTorch':>10} {'ratio':>7}")
for key in ours:
    if key not in torch:
        print(f"{key:34} {ours[key]:13.2f} {'-':>10} {'-':>7}")
        continue
    ratio = torch[key] / ours[key] if lower_is_better(key) else ours[key] / torch[key]
    print(f"{key:34} {ours[key]:13.2f} {torch[key]:10.2f} {ratio:6.2f}x")
print("ratio > 1: PruneVid.NET ahead (rates: ours/torch; seconds: torch/ours)")
PY
