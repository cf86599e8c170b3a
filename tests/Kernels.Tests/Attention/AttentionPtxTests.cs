// PruneVid.NET — kernel tests.
using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace PruneVid.Kernels.Tests.Attention;

/// <summary>What the fused attention kernel compiles to for sm_90 (offline, no GPU).</summary>
public sealed partial class AttentionPtxTests
{
    [Fact]
    public void FitsStaticSharedMemoryAndUsesTheFastExp()
    {
        foreach (KernelVariant variant in KernelRegistry.Find("Attention.Tiled")!.Variants)
        {
            using Context context = Context.Create(builder => builder.Default().EnableAlgorithms());
            using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90, CudaInstructionSet.ISA_88, null);
            string ptx = ((PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(variant.EntryPoint), KernelSpecialization.Empty)).PTXAssembly;

            // Q, K (padded), V, O tiles, the score tile and three row vectors: under the 48 KiB a group gets without opt-in.
            int shared = SharedArrays().Matches(ptx).Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            Assert.InRange(shared, 4 * 4 * Kernels.Attention.Block * Kernels.Attention.MaxHeadDim, 48 * 1024);
            Assert.DoesNotContain(".local", ptx);
            // MathF.Exp lowers to ex2.approx (documented on the kernel): the softmax and the rescale factor.
            Assert.Equal(2, Regex.Matches(ptx, @"ex2\.approx\.f32").Count);
        }
    }

    [GeneratedRegex(@"\.shared \.align \d+ \.b8 \w+\[(\d+)\];")]
    private static partial Regex SharedArrays();
}
