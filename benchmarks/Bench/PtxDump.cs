// PruneVid.NET — `Bench ptx`: every kernel variant's PTX, one file each, for the offline ptxas/cuobjdump check.
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using KernelInfo = PruneVid.Kernels.KernelInfo;
using ILGPU.Runtime.Cuda;
using PruneVid.Kernels;

namespace PruneVid.Bench;

/// <summary>
/// Compiles every registered kernel variant to PTX for sm_90 (no GPU needed) and writes
/// <c>DIR/&lt;Family&gt;.&lt;Kernel&gt;.&lt;variant&gt;.ptx</c>, the variant being its tunables (<c>tileM64-stages3</c>) or
/// <c>default</c>. <c>benchmarks/ptx-check.sh</c> assembles the files with ptxas and checks spills, registers and HMMA.
/// </summary>
internal static class PtxDump
{
    public static int Run(string[] args)
    {
        string? output = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--out" && i + 1 < args.Length) output = args[++i];
            else
            {
                Console.Error.WriteLine($"ptx: unknown option '{args[i]}' (usage: Bench ptx --out DIR)");
                return 2;
            }
        }
        if (output is null)
        {
            Console.Error.WriteLine("ptx: the output folder is missing (usage: Bench ptx --out DIR)");
            return 2;
        }

        Directory.CreateDirectory(output);
        int files = 0;
        foreach (KernelInfo kernel in KernelRegistry.All)
        {
            // A failed compile poisons its Context, so each kernel gets its own.
            using Context context = Context.Create(builder => builder.Default().EnableAlgorithms().Optimize(OptimizationLevel.O2));
            using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90),
                CudaArchitecture.SM_90, CudaInstructionSet.ISA_88, null);
            foreach (KernelVariant variant in kernel.Variants)
            {
                EntryPointDescription entry = kernel.IsImplicitlyGrouped
                    ? EntryPointDescription.FromImplicitlyGroupedKernel(variant.EntryPoint)
                    : EntryPointDescription.FromExplicitlyGroupedKernel(variant.EntryPoint);
                string ptx = ((PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty)).PTXAssembly;
                File.WriteAllText(Path.Combine(output, $"{kernel.Name}.{VariantName(variant)}.ptx"), ptx);
                files++;
            }
        }
        Console.WriteLine($"ptx: wrote {files} kernel variants to {output}");
        return 0;
    }

    private static string VariantName(KernelVariant variant)
        => variant.Values.Count == 0 ? "default" : string.Join("-", variant.Values.Select(v => $"{v.Key}{v.Value}"));
}
