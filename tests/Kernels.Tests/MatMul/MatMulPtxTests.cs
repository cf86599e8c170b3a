// PruneVid.NET — kernel tests.
using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace PruneVid.Kernels.Tests.MatMul;

/// <summary>
/// What the GEMM kernels compile to for sm_90 (offline, no GPU): the properties their speed depends on, which a
/// CPU-accelerator run cannot show.
/// </summary>
public sealed partial class MatMulPtxTests
{
    [Theory]
    [InlineData("MatMul.Tiled")]
    [InlineData("MatMul.TiledF32")]
    public void TiledKeepsAccumulatorsInRegistersAndTilesInSharedMemory(string name)
    {
        foreach (KernelVariant variant in KernelRegistry.Find(name)!.Variants)
        {
            string ptx = Compile(variant);
            Assert.DoesNotContain(".local", ptx); // the 16 accumulators did not spill to local memory
            // Two k-major tiles of TileK × (MaxTile + 1) f32 words (x and w).
            int bytes = 4 * Kernels.MatMul.TileK * (Kernels.MatMul.MaxTile + 1);
            Assert.Equal(2, SharedArrays().Matches(ptx).Count(m => m.Groups[1].Value == bytes.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            // The inner k step reads 4 x and 4 w values from shared memory, then 16 multiply-adds.
            Assert.Equal(8, Regex.Matches(ptx, @"ld\.shared\.f32").Count);
        }
    }

    [Fact]
    public void GemvLoadsBf16PairsAsOneWordAndReducesWithShuffles()
    {
        foreach (KernelVariant variant in KernelRegistry.Find("MatMul.Gemv")!.Variants)
        {
            string ptx = Compile(variant);
            Assert.DoesNotContain(".shared", ptx); // warp shuffles only
            Assert.Contains("shfl.sync.down.b32", ptx);
            Assert.Single(Regex.Matches(ptx, @"\sld(\.global)?\.(b32|u32)\s")); // the weight pair
            Assert.DoesNotContain(".local", ptx);
        }
    }

    [Fact]
    public void GemvWideLoadsEightWeightsPerLoadAndReducesWithShuffles()
    {
        foreach (KernelVariant variant in KernelRegistry.Find("MatMul.GemvWide")!.Variants)
        {
            // At O2, as KernelRuntime compiles for CUDA: ILGPU's alignment analysis (which vectorises loads) needs O1+.
            string ptx = Compile(variant, OptimizationLevel.O2);
            int rows = variant.Values["rowsPerWarp"];
            // Every weight load is one 128-bit vector (at least one per row a warp owns); no 32-bit weight loads remain.
            Assert.True(Regex.Matches(ptx, @"ld\.global\.v4\.b32").Count >= rows, $"{variant.Key}: fewer than {rows} v4 loads");
            Assert.Empty(Regex.Matches(ptx, @"ld\.global\.(b32|u32)\s"));
            Assert.Contains("shfl.sync.down.b32", ptx);
            Assert.DoesNotContain(".shared", ptx);
            Assert.DoesNotContain(".local", ptx);
        }
    }

    private static string Compile(KernelVariant variant, OptimizationLevel? level = null)
    {
        using Context context = Context.Create(builder =>
        {
            builder.Default().EnableAlgorithms();
            if (level is { } l) builder.Optimize(l);
        });
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90, CudaInstructionSet.ISA_88, null);
        return ((PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(variant.EntryPoint), KernelSpecialization.Empty)).PTXAssembly;
    }

    [GeneratedRegex(@"\.shared \.align \d+ \.b8 \w+\[(\d+)\];")]
    private static partial Regex SharedArrays();
}
