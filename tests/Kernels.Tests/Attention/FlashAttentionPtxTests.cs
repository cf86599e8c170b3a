// PruneVid.NET — kernel tests.
using System.Globalization;
using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace PruneVid.Kernels.Tests.Attention;

/// <summary>
/// What the flash-attention kernel compiles to for sm_90 (offline): mma and ldmatrix in the numbers its head width
/// implies, and the one 16-byte aligned shared allocation the inline PTX addresses by name. (Registers, spills and HMMA
/// in the SASS are checked by benchmarks/ptx-check.sh with ptxas.)
/// </summary>
public sealed partial class FlashAttentionPtxTests
{
    [Fact]
    public void EveryVariantIssuesMmaFromLdmatrixIntoItsOneAlignedSharedTile()
    {
        foreach (KernelVariant variant in KernelRegistry.Find("Attention.Flash")!.Variants)
        {
            int threads = variant.Values["threads"], headDim = variant.Values["headDim"], pairs = headDim / 16;
            string ptx = Compile(variant);
            // Q·Kᵀ: one k16 step (looped) of 4 mma from 3 ldmatrix.x4; P·V: one half (looped) of 2 mma and one
            // ldmatrix.x4.trans per 16 columns of the head.
            Assert.Equal(4 + 2 * pairs, Regex.Matches(ptx, @"mma\.sync\.aligned\.m16n8k16\.row\.col\.f32\.bf16\.bf16\.f32").Count);
            Assert.Equal(3, Regex.Matches(ptx, @"ldmatrix\.sync\.aligned\.m8n8\.x4\.shared\.b16").Count);
            Assert.Equal(pairs, Regex.Matches(ptx, @"ldmatrix\.sync\.aligned\.m8n8\.x4\.trans\.shared\.b16").Count);
            MatchCollection shared = SharedArrays().Matches(ptx);
            Assert.Single(shared);
            Assert.Equal("__shared_alloca0", shared[0].Groups[2].Value);
            Assert.Equal("16", shared[0].Groups[1].Value);
            int bytes = 2 * Kernels.Attention.FlashSharedWords(threads, headDim);
            Assert.Equal(bytes.ToString(CultureInfo.InvariantCulture), shared[0].Groups[3].Value);
            Assert.True(bytes <= 48 * 1024, $"{variant.Key}: {bytes} bytes of static shared memory exceed 48 KiB");
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
