#!/usr/bin/env bash
# One device call: CUDA correctness against the C# references, then the benchmarks. Prepare on the dev machine:
#   ../shared/tools/device/pack.sh benchmarks/Bench/Bench.csproj src/Cli/PruneVid.Cli.csproj    # .device/, ~37 MB
# then run `bash benchmarks/gpu-check.sh` on the GPU machine with carry [".device"], and copy the numbers, with the
# GPU's name, into benchmarks/RESULTS.md. The tiny HF fixture (52 MB) does not fit the 64 MiB carry beside the
# runtime, so correctness on CUDA is checked by `Bench check` (same synthetic model on CUDA and on the Cpu
# references); if .device/fixtures/tiny-qwen25vl is there, the fixture parity runs too.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
dev="$here/.device"
if [ ! -x /tmp/dotnet-rt/dotnet ]; then mkdir -p /tmp/dotnet-rt && tar -C /tmp/dotnet-rt -xJf "$dev/dotnet.tar.xz"; fi
# No ICU on the GPU machine; nothing here tokenizes text, so invariant globalization is safe.
export DOTNET_ROOT=/tmp/dotnet-rt DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
app() { local dir=$1 dll=$2; shift 2; /tmp/dotnet-rt/dotnet "$dev/$dir/$dll.dll" "$@"; }
step() { echo; echo "== $*"; }

step gpu; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
step "check: synthetic model on cuda vs the Cpu references"
app Bench Bench check --device cuda --shape tiny --frames 4 --size 112
step "check with the tensor-core GEMM (bf16 activations; the f32 bounds may be too tight: record the deltas)"
app Bench Bench check --device cuda --shape tiny --frames 4 --size 112 --tensor-cores on
step "ptx of every kernel variant as the driver sees it (ptxas -v runs offline in CI)"
app Bench Bench ptx --out /tmp/prunevid-ptx
if [ -f "$dev/fixtures/tiny-qwen25vl/reference.safetensors" ]; then
  step "parity on cuda (tiny fixture, every named intermediate; f32 kernels: tensor cores off)"
  PRUNEVID_TENSOR_CORES=0 app PruneVid.Cli prunevid parity --model "$dev/fixtures/tiny-qwen25vl" --reference "$dev/fixtures/tiny-qwen25vl/reference.safetensors" --backend cuda
  step "parity on cuda with tensor cores (bf16 GEMM + flash attention; f32 bounds will flag bf16 deltas: record them — HF's own bf16 run is 0.32 from f32 on logits_last8)"
  app PruneVid.Cli prunevid parity --model "$dev/fixtures/tiny-qwen25vl" --reference "$dev/fixtures/tiny-qwen25vl/reference.safetensors" --backend cuda || true
fi
for family in $(app Bench Bench kernels list | cut -d: -f1); do
  step "kernel lab: $family"; app Bench Bench kernels "$family"
done
step "PyTorch on the same GPU and shapes (anchors for the kernel lab's MatMul.TensorCore line; SDPA for its Attention.Flash lines)"
python3 - <<'PY' || echo "pytorch timing failed"
import torch, torch.nn.functional as F
def t(f, n=20):
    for _ in range(3): f()
    torch.cuda.synchronize(); s = torch.cuda.Event(enable_timing=True); e = torch.cuda.Event(enable_timing=True)
    s.record(); [f() for _ in range(n)]; e.record(); torch.cuda.synchronize(); return s.elapsed_time(e) / n / 1e3
print(torch.cuda.get_device_name(), "torch", torch.__version__)
for m, n, k in [(2076, 3584, 3584), (2076, 18944, 3584), (2076, 3584, 18944), (8192, 1280, 1280), (8192, 3420, 1280)]:
    x = torch.randn(m, k, device="cuda", dtype=torch.bfloat16); w = torch.randn(n, k, device="cuda", dtype=torch.bfloat16)
    s = t(lambda: x @ w.T); print(f"torch.matmul bf16 M={m} N={n} K={k}: {s*1e6:.1f} us, {2*m*n*k/s/1e12:.1f} TFLOP/s")
q = torch.randn(1, 28, 2076, 128, device="cuda", dtype=torch.bfloat16); kv = torch.randn(1, 28, 2076, 128, device="cuda", dtype=torch.bfloat16)
s = t(lambda: F.scaled_dot_product_attention(q, kv, kv, is_causal=True))
print(f"SDPA causal 28 heads x 2076 x 128 (KV repeated for GQA): {s*1e6:.1f} us, {2*2*28*2076*2076*128/2/s/1e12:.1f} TFLOP/s")
q = torch.randn(128, 16, 64, 80, device="cuda", dtype=torch.bfloat16)
s = t(lambda: F.scaled_dot_product_attention(q, q, q))
print(f"SDPA vision windows 128 x 64 patches, 16 heads x 80: {s*1e6:.1f} us, {2*2*128*16*64*64*80/s/1e12:.1f} TFLOP/s")
PY
step "stage 1: 16 x 16x16 tokens x 3584"; app Bench Bench stage1
step "model benchmark: 7B shape, 16 frames at 448x448"; app Bench Bench model --shape 7b --frames 16 --size 448 --decode 64
step "model benchmark, portable f32 GEMM (tensor cores off) for comparison"
PRUNEVID_TENSOR_CORES=0 app Bench Bench model --shape 7b --frames 16 --size 448 --decode 64
