// PruneVid.NET — kernel lab: gather/scatter, embedding lookup, argmax.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;
using PruneVid.Kernels;
using PruneVid.Tools.Parity;

namespace PruneVid.Bench;

public static partial class KernelLab
{
    private static IEnumerable<LabFamily> IndexingFamilies() =>
    [
        new("rows",
        [
            new("Rows.Gather32", 0, (rt, _) => ValidateRows(rt, scatter: false), (rt, c, _) => MeasureRows(rt, c, scatter: false)),
            new("Rows.Scatter32", 0, (rt, _) => ValidateRows(rt, scatter: true), (rt, c, _) => MeasureRows(rt, c, scatter: true)),
        ]),
        new("embedding", [new("Embedding.Bf16", 0, (rt, _) => ValidateEmbedding(rt), (rt, c, _) => MeasureEmbedding(rt, c))]),
        new("argmax", [new("ArgMax.GroupRows", 0, ValidateArgMax, MeasureArgMax)]),
    ];

    private static double ValidateRows(KernelRuntime runtime, bool scatter)
    {
        const int rows = 37, width = 80;
        float[] source = Uniform(1, rows * width), expected = new float[source.Length];
        int[] permutation = Enumerable.Range(0, rows).OrderBy(i => (i * 7919) % rows).ToArray();
        if (scatter) Rows.ScatterReference<float>(source, permutation, expected, width);
        else Rows.GatherReference<float>(source, permutation, expected, width);
        using var ib = runtime.Accelerator.Allocate1D(permutation);
        return RunAndCompare(runtime, source, source.Length, expected, (sv, dv) =>
        {
            if (scatter) Rows.LaunchScatter32(runtime, source.Length, sv.Cast<int>(), ib.View, dv.Cast<int>(), width);
            else Rows.LaunchGather32(runtime, source.Length, sv.Cast<int>(), ib.View, dv.Cast<int>(), width);
        });
    }

    private static KernelMeasurement MeasureRows(KernelRuntime runtime, KernelBenchmarkContext context, bool scatter)
    {
        // PruneVid keeps a subset of 2048 video tokens of width 3584 (every second one here).
        int rows = runtime.IsCuda ? 2048 : 64, width = runtime.IsCuda ? 3584 : 128, kept = rows / 2;
        using var source = runtime.Accelerator.Allocate1D<int>((long)rows * width);
        using var destination = runtime.Accelerator.Allocate1D<int>((long)rows * width);
        using var indices = runtime.Accelerator.Allocate1D(Enumerable.Range(0, kept).Select(i => 2 * i).ToArray());
        source.MemSetToZero();
        int extent = kept * width;
        return context.Measure(runtime, $"{(scatter ? "Scatter" : "Gather")} {kept} of {rows} rows × {width}",
            () =>
            {
                if (scatter) Rows.LaunchScatter32(runtime, extent, source.View, indices.View, destination.View, width);
                else Rows.LaunchGather32(runtime, extent, source.View, indices.View, destination.View, width);
            }, 8L * extent + 4L * kept);
    }

    private static double ValidateEmbedding(KernelRuntime runtime)
    {
        const int vocab = 1000, width = 96;
        ushort[] table = UniformBf16(1, vocab * width);
        int[] ids = [0, 999, 17, 17, 500, 3];
        float[] expected = new float[ids.Length * width];
        Embedding.Reference(table, ids, expected, width);
        using var tb = runtime.Accelerator.Allocate1D(table);
        using var ib = runtime.Accelerator.Allocate1D(ids);
        using var yb = runtime.Accelerator.Allocate1D<float>(expected.Length);
        Embedding.LaunchBf16(runtime, expected.Length, tb.View, ib.View, yb.View, width);
        runtime.Synchronize();
        return TensorComparison.MaxAbsError(expected, yb.GetAsArray1D());
    }

    private static KernelMeasurement MeasureEmbedding(KernelRuntime runtime, KernelBenchmarkContext context)
    {
        // A 2076-token prompt against the 7B table (151936 × 3584); a small table on the CPU accelerator.
        int vocab = runtime.IsCuda ? 151936 : 1024, width = runtime.IsCuda ? 3584 : 128, tokens = runtime.IsCuda ? 2076 : 64;
        using var table = runtime.Accelerator.Allocate1D<ushort>((long)vocab * width);
        using var ids = runtime.Accelerator.Allocate1D(Enumerable.Range(0, tokens).Select(i => (int)((i * 7919L) % vocab)).ToArray());
        using var y = runtime.Accelerator.Allocate1D<float>((long)tokens * width);
        table.MemSetToZero();
        int extent = tokens * width;
        return context.Measure(runtime, $"Embedding {tokens} ids × {width}",
            () => Embedding.LaunchBf16(runtime, extent, table.View, ids.View, y.View, width), 6L * extent);
    }

    private static double ValidateArgMax(KernelRuntime runtime, int threads)
    {
        const int rows = 5, length = 4099;
        float[] x = Uniform(1, rows * length);
        x[2 * length + 100] = x[2 * length + 3000] = 9f; // a tie: the first one must win
        int[] expected = new int[rows];
        ArgMax.Reference(x, expected, length);
        using var xb = runtime.Accelerator.Allocate1D(x);
        using var rb = runtime.Accelerator.Allocate1D<int>(rows);
        ArgMax.LaunchGroupRows(runtime, rows, xb.View, rb.View, length, threads);
        runtime.Synchronize();
        return MismatchCount(expected, rb.GetAsArray1D());
    }

    private static KernelMeasurement MeasureArgMax(KernelRuntime runtime, KernelBenchmarkContext context, int threads)
    {
        // Greedy decode over the 151936-entry vocabulary (one row), or a short row on the CPU accelerator.
        int length = runtime.IsCuda ? 151936 : 4096;
        using var x = runtime.Accelerator.Allocate1D<float>(length);
        using var r = runtime.Accelerator.Allocate1D<int>(1);
        x.MemSetToZero();
        return context.Measure(runtime, $"ArgMax 1 row × {length} threads={threads}",
            () => ArgMax.LaunchGroupRows(runtime, 1, x.View, r.View, length, threads), 4L * length);
    }
}
