// PruneVid.NET — kernel lab: GEMM and GEMV.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Kernels;
using PruneVid.Tools.Parity;

namespace PruneVid.Bench;

public static partial class KernelLab
{
    private static LabFamily MatMulFamily() => new("matmul",
    [
        new("MatMul.Tiled", 1e-4, (rt, t) => ValidateMatMul(rt, t, Tiled.Bf16), (rt, c, t) => MeasureMatMul(rt, c, t, Tiled.Bf16)),
        new("MatMul.TiledF32", 1e-4, (rt, t) => ValidateMatMul(rt, t, Tiled.F32), (rt, c, t) => MeasureMatMul(rt, c, t, Tiled.F32)),
        new("MatMul.Gemv", 1e-4, (rt, t) => ValidateMatMul(rt, t, Tiled.Gemv), (rt, c, t) => MeasureMatMul(rt, c, t, Tiled.Gemv),
            (rt, t) => t <= rt.Accelerator.MaxNumThreadsPerGroup && t >= rt.Accelerator.WarpSize),
        // bf16 activations: compared with the reference that rounds x the same way; needs 32-lane warps (CUDA).
        new("MatMul.TensorCore", 1e-3, ValidateTensorCore, MeasureTensorCore,
            (rt, t) => t <= rt.Accelerator.MaxNumThreadsPerGroup && rt.Accelerator.WarpSize == 32),
    ]);

    private const int TensorStages = 3;

    private static double ValidateTensorCore(KernelRuntime runtime, int threads)
    {
        const int m = 67, n = 45, k = 130;
        float[] x = Uniform(1, (long)m * k);
        ushort[] w = UniformBf16(2, (long)n * k), bias = UniformBf16(3, n);
        float[] expected = new float[m * n];
        MatMul.TensorCoreReference(x, w, bias, expected, m, n, k);
        using var wb = runtime.Accelerator.Allocate1D(w);
        using var bb = runtime.Accelerator.Allocate1D(bias);
        long address = ((ArrayView<ushort>)wb.View).LoadEffectiveAddressAsPtr().ToInt64();
        return RunAndCompare(runtime, x, m * n, expected, (xv, yv) =>
            MatMul.LaunchTensorCore(runtime, MatMul.TensorCoreGroups(m, n, threads), xv, wb.View, address, bb.View, yv, m, n, k, 1, 0, threads, TensorStages));
    }

    private static KernelMeasurement MeasureTensorCore(KernelRuntime runtime, KernelBenchmarkContext context, int threads)
    {
        // The 7B prefill of 2,076 tokens through q/o (N = 3584) — the shape benchmarks/gpu-check.sh times in PyTorch too.
        bool gpu = runtime.IsCuda;
        int m = gpu ? 2076 : 32, n = gpu ? 3584 : 64, k = gpu ? 3584 : 256;
        using var x = runtime.Accelerator.Allocate1D<float>((long)m * k);
        using var y = runtime.Accelerator.Allocate1D<float>((long)m * n);
        using var w = runtime.Accelerator.Allocate1D<ushort>((long)n * k);
        x.MemSetToZero();
        w.MemSetToZero();
        long address = ((ArrayView<ushort>)w.View).LoadEffectiveAddressAsPtr().ToInt64();
        return context.Measure(runtime, $"TensorCore M={m} N={n} K={k} threads={threads} stages={TensorStages}",
            () => MatMul.LaunchTensorCore(runtime, MatMul.TensorCoreGroups(m, n, threads), x.View, w.View, address, w.View, y.View, m, n, k, 0, 0, threads, TensorStages),
            4L * m * k + 2L * n * k + 4L * m * n, 2L * m * n * k);
    }

    private enum Tiled { Bf16, F32, Gemv }

    private static double ValidateMatMul(KernelRuntime runtime, int threads, Tiled kind)
    {
        // Odd sizes that cross tile edges; GEMV gets a decode shape.
        int m = kind == Tiled.Gemv ? 3 : 67, n = 45, k = 130;
        float[] x = Uniform(1, (long)m * k), bias = Uniform(3, n);
        ushort[] w = UniformBf16(2, (long)n * k), biasBf16 = UniformBf16(3, n);
        float[] expected = new float[m * n];
        if (kind == Tiled.F32)
        {
            float[] wf = Uniform(2, (long)n * k);
            MatMul.Reference(x, wf, bias, expected, m, n, k);
            using var wb = runtime.Accelerator.Allocate1D(wf);
            using var bb = runtime.Accelerator.Allocate1D(bias);
            return RunAndCompare(runtime, x, m * n, expected, (xv, yv) =>
                MatMul.LaunchTiledF32(runtime, MatMul.TiledGroups(m, n, threads), xv, wb.View, bb.View, yv, m, n, k, 1, 0, threads));
        }
        MatMul.Reference(x, w, biasBf16, expected, m, n, k);
        using var wbf = runtime.Accelerator.Allocate1D(w);
        using var bbf = runtime.Accelerator.Allocate1D(biasBf16);
        return RunAndCompare(runtime, x, m * n, expected, (xv, yv) => Launch(runtime, kind, xv, wbf.View, bbf.View, yv, m, n, k, threads));
    }

    private static KernelMeasurement MeasureMatMul(KernelRuntime runtime, KernelBenchmarkContext context, int threads, Tiled kind)
    {
        // Qwen2.5-VL-7B q/o projection (3584×3584) over a 2048-token prefill; decode reads the 18944×3584 gate projection.
        bool gpu = runtime.IsCuda;
        int m = kind == Tiled.Gemv ? 1 : gpu ? 2048 : 32;
        int n = kind == Tiled.Gemv ? (gpu ? 18944 : 64) : gpu ? 3584 : 64;
        int k = gpu ? 3584 : 256;
        int wordBytes = kind == Tiled.F32 ? 4 : 2;
        using var x = runtime.Accelerator.Allocate1D<float>((long)m * k);
        using var y = runtime.Accelerator.Allocate1D<float>((long)m * n);
        x.MemSetToZero();
        string label = $"{kind} M={m} N={n} K={k} threads={threads}";
        long bytes = 4L * m * k + (long)wordBytes * n * k + 4L * m * n;
        long flops = 2L * m * n * k;
        if (kind == Tiled.F32)
        {
            using var wf = runtime.Accelerator.Allocate1D<float>((long)n * k);
            wf.MemSetToZero();
            return context.Measure(runtime, label, () => MatMul.LaunchTiledF32(runtime, MatMul.TiledGroups(m, n, threads), x.View, wf.View, wf.View, y.View, m, n, k, 0, 0, threads), bytes, flops);
        }
        using var w = runtime.Accelerator.Allocate1D<ushort>((long)n * k);
        w.MemSetToZero();
        return context.Measure(runtime, label, () => Launch(runtime, kind, x.View, w.View, w.View, y.View, m, n, k, threads, hasBias: 0), bytes, flops);
    }

    private static void Launch(KernelRuntime runtime, Tiled kind, ArrayView<float> x, ArrayView<ushort> w, ArrayView<ushort> bias, ArrayView<float> y,
        int m, int n, int k, int threads, int hasBias = 1)
    {
        if (kind == Tiled.Gemv)
            MatMul.LaunchGemv(runtime, MatMul.GemvGroups(n, threads, runtime.Accelerator.WarpSize), x, w.Cast<uint>(), bias, y, m, n, k, hasBias, 0, threads);
        else
            MatMul.LaunchTiled(runtime, MatMul.TiledGroups(m, n, threads), x, w, bias, y, m, n, k, hasBias, 0, threads);
    }

    /// <summary>Uploads x, runs <paramref name="launch"/> into a fresh output and returns its max error against <paramref name="expected"/>.</summary>
    private static double RunAndCompare(KernelRuntime runtime, float[] x, int outputs, float[] expected, Action<ArrayView<float>, ArrayView<float>> launch)
    {
        using var xb = runtime.Accelerator.Allocate1D(x);
        using var yb = runtime.Accelerator.Allocate1D<float>(outputs);
        yb.MemSetToZero();
        launch(xb.View, yb.View);
        runtime.Synchronize();
        return TensorComparison.MaxAbsError(expected, yb.GetAsArray1D());
    }
}
