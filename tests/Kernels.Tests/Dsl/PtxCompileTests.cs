// PruneVid.NET — kernel tests.
using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace PruneVid.Kernels.Tests.Dsl;

/// <summary>
/// Compiles every registered kernel variant to PTX for sm_90 without a GPU, so CPU-only CI catches kernels that would
/// not build for CUDA, and checks that tunables are specialised (constants, not parameters).
/// </summary>
public sealed partial class PtxCompileTests
{
    public static TheoryData<string> Kernels() => new(KernelRegistry.All.Select(k => k.Name));

    [Theory]
    [MemberData(nameof(Kernels))]
    public void EveryVariantCompilesWithItsTunablesAsConstants(string name)
    {
        KernelInfo kernel = KernelRegistry.Find(name)!;
        // A failed compile poisons its Context, so each kernel gets its own.
        using Context context = Context.Create(builder => builder.Default().EnableAlgorithms());
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90),
            CudaArchitecture.SM_90, CudaInstructionSet.ISA_88, null);

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (KernelVariant variant in kernel.Variants)
        {
            EntryPointDescription entry = kernel.IsImplicitlyGrouped
                ? EntryPointDescription.FromImplicitlyGroupedKernel(variant.EntryPoint)
                : EntryPointDescription.FromExplicitlyGroupedKernel(variant.EntryPoint);
            string ptx = ((PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty)).PTXAssembly;

            Assert.Contains(".entry ", ptx);
            Assert.Matches(@"\.target sm_\d+", ptx);
            string[] parameters = ParameterNames().Matches(EntrySignature(ptx)).Select(m => m.Groups[1].Value).ToArray();
            foreach (string tunable in variant.Values.Keys)
                Assert.DoesNotContain(tunable, parameters);
            Assert.True(seen.Add(ptx), $"{variant.Key} compiled to the same PTX as another variant");

            if (kernel.GroupSizeTunable is { } groupSize && PerThreadSharedBuffer.Contains(kernel.Name))
            {
                // The shared reduction buffer holds one float per thread: its size must be the constant.
                int bytes = 4 * variant.Values[groupSize];
                Assert.Matches($@"\.shared \.align 4 \.b8 \w+\[{bytes}\];", ptx);
            }
        }
    }

    // Kernels whose shared buffer is one 4-byte word per thread. Tiled kernels size theirs by tile, not by group.
    private static readonly HashSet<string> PerThreadSharedBuffer = new(StringComparer.Ordinal)
    {
        "RmsNorm.Rows", "RmsNorm.RowsF32Weight", "ArgMax.GroupRows",
    };

    private static string EntrySignature(string ptx)
    {
        int start = ptx.IndexOf(".entry ", StringComparison.Ordinal);
        return ptx[start..ptx.IndexOf(')', start)];
    }

    // ILGPU names entry parameters _<name>_<id>.
    [GeneratedRegex(@"\.param [^\n]*?_([A-Za-z]\w*?)_\d+(\[\d+\])?\s*,?\s*$", RegexOptions.Multiline)]
    private static partial Regex ParameterNames();
}
