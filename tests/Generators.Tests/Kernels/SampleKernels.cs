// PruneVid.NET — generator tests.
namespace PruneVid.Generators.Tests.Kernels;

/// <summary>Kernel families used as generator input: every grouping mode, a tunable, a benchmark hook, two namespaces.</summary>
internal static class SampleKernels
{
    public const string Scale = """
        using System;
        using ILGPU;
        using ILGPU.Runtime;
        using PruneVid.Kernels;
        using PruneVid.Kernels.Dsl;

        namespace Sample.Ops;

        public static partial class Scale
        {
            public static void Reference(ReadOnlySpan<float> x, Span<float> y, float factor)
            {
                for (int i = 0; i < x.Length; i++) y[i] = x[i] * factor;
            }

            [Kernel(Reference = nameof(Reference), Benchmark = nameof(Measure))]
            internal static void Kernel(Index1D i, ArrayView1D<float, Stride1D.Dense> x, ArrayView1D<float, Stride1D.Dense> y, float factor)
                => y[i] = x[i] * factor;

            [Kernel(Reference = nameof(Reference))]
            internal static void UnrolledKernel(Index1D i, ArrayView<float> x, ArrayView<float> y, float factor, [Tunable(1, 4)] SpecializedValue<int> unroll)
            {
                for (int k = 0; k < unroll; k++)
                {
                    long j = (long)i.X * unroll + k;
                    if (j < x.Length) y[j] = x[j] * factor;
                }
            }

            [Kernel(Reference = nameof(Reference), GroupSize = 8)]
            internal static void GroupedKernel(ArrayView<float> x, ArrayView<float> y, float factor)
            {
                long j = Grid.GlobalIndex.X;
                if (j < x.Length) y[j] = x[j] * factor;
            }

            public static void Measure(KernelRuntime runtime, KernelBenchmarkContext context)
            {
            }
        }
        """;

    public const string Fill = """
        using System;
        using ILGPU;
        using ILGPU.Runtime;
        using PruneVid.Kernels.Dsl;

        public static partial class Fill
        {
            public static void Reference(Span<float> m, float value) => m.Fill(value);

            [Kernel(Reference = nameof(Reference), GroupSizeTunable = "threads")]
            internal static void RowsKernel(ArrayView2D<float, Stride2D.DenseX> m, float value, [Tunable(4, 8)] SpecializedValue<int> threads)
            {
                for (int c = Group.IdxX; c < m.IntExtent.X; c += threads) m[c, Grid.IdxX] = value;
            }
        }
        """;
}
