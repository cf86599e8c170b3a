// PruneVid.NET — kernel tests.
using System.Globalization;
using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace PruneVid.Kernels.Tests.MatMul;

/// <summary>
/// What the tensor-core kernels compile to for sm_90 (offline): the warp instructions are there, and the one shared
/// allocation the inline PTX addresses by name exists, 16-byte aligned, with the stages' size. (Registers, spills and
/// HMMA in the SASS are checked by benchmarks/ptx-check.sh with ptxas.)
/// </summary>
public sealed partial class TensorCorePtxTests
{
    [Theory]
    [InlineData("MatMul.TensorCore")]
    [InlineData("MatMul.ProjectTensorCore")]
    public void TensorCoreKernelsIssueMmaFromLdmatrixIntoTheirOneAlignedSharedTile(string name)
    {
        foreach (KernelVariant variant in KernelRegistry.Find(name)!.Variants)
        {
            string ptx = Compile(variant);
            int threads = variant.Values["threads"], stages = variant.Values["stages"];
            // 8 mma and 4 ldmatrix.x4 per 16-deep step (2 × 4 fragments per warp); cp.async for the weights.
            Assert.Equal(8, Regex.Matches(ptx, @"mma\.sync\.aligned\.m16n8k16\.row\.col\.f32\.bf16\.bf16\.f32").Count);
            Assert.Equal(4, Regex.Matches(ptx, @"ldmatrix\.sync\.aligned\.m8n8\.x4\.shared\.b16").Count);
            Assert.Contains("cp.async.cg.shared.global", ptx);
            // Exactly one shared allocation, named as TensorCore's inline PTX expects, 16-byte aligned, holding the
            // stages' (tileM + tileN) rows of 40 words.
            MatchCollection shared = SharedArrays().Matches(ptx);
            Assert.Single(shared);
            Assert.Equal("__shared_alloca0", shared[0].Groups[2].Value);
            Assert.Equal("16", shared[0].Groups[1].Value);
            int words = stages * (Kernels.MatMul.TensorTileM(threads) + Kernels.MatMul.TensorTileN(threads)) * 40;
            Assert.Equal((2 * words).ToString(CultureInfo.InvariantCulture), shared[0].Groups[3].Value);
            Assert.True(2 * words <= 48 * 1024, $"{variant.Key}: {2 * words} bytes of static shared memory exceed 48 KiB");
        }
    }

    private static string Compile(KernelVariant variant)
    {
        using Context context = Context.Create(builder => builder.Default().EnableAlgorithms());
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90, CudaInstructionSet.ISA_88, null);
        return ((PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(variant.EntryPoint), KernelSpecialization.Empty)).PTXAssembly;
    }

    [GeneratedRegex(@"\.shared \.align (\d+) \.b8 (\w+)\[(\d+)\];")]
    private static partial Regex SharedArrays();
}
