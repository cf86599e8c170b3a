// PruneVid.NET — ILGPU backend: which matrix multiplies run on tensor cores, and their launches.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    private bool? _tensorCores;

    /// <summary>
    /// Whether prefill and vision matrix multiplies with bf16 weights run on the tensor-core GEMM (activations rounded to
    /// bf16, f32 accumulation; see docs/numerics.md) rather than the portable f32 tiled GEMM, and prefill and vision
    /// attention on flash attention (<see cref="Kernels.Attention.FlashKernel"/>) rather than the tiled kernel. On by default on CUDA
    /// unless the environment variable <c>PRUNEVID_TENSOR_CORES</c> is <c>0</c>; set it false for f32 parity runs. It
    /// may be set on ILGPU's CPU accelerator only with 32-lane warps and
    /// groups of at least 64 threads, where the kernels run with emulated warp instructions.
    /// </summary>
    public bool TensorCores
    {
        get => _tensorCores ?? TensorCoresByDefault(Runtime.IsCuda, Environment.GetEnvironmentVariable("PRUNEVID_TENSOR_CORES"));
        set
        {
            if (value && (Accelerator.WarpSize != 32 || Accelerator.MaxNumThreadsPerGroup < 64))
                throw new InvalidOperationException(
                    "The tensor-core kernels need 32-lane warps and groups of at least 64 threads; " +
                    $"this accelerator has warps of {Accelerator.WarpSize} and groups of at most {Accelerator.MaxNumThreadsPerGroup}.");
            _tensorCores = value;
        }
    }

    /// <summary>
    /// The default of <see cref="TensorCores"/>: on for CUDA unless <paramref name="environmentSetting"/> (the value of
    /// <c>PRUNEVID_TENSOR_CORES</c>) is <c>0</c>.
    /// </summary>
    public static bool TensorCoresByDefault(bool isCuda, string? environmentSetting) => isCuda && environmentSetting != "0";

    /// <summary>The tensor-core group: 256 threads (128×64 tiles) where the accelerator allows, else 64 (64×32).</summary>
    private int TensorThreads() => Accelerator.MaxNumThreadsPerGroup >= Kernels.MatMul.TensorThreads ? Kernels.MatMul.TensorThreads : 64;

    /// <summary>Stages of the tensor-core GEMM's pipeline: three (46 KB of shared memory with 128×64 tiles).</summary>
    private const int TensorStages = 3;

    private void LaunchTensorCoreMatMul(IlgpuTensor x, ArrayView<ushort> weights, ArrayView<ushort> bias, IlgpuTensor y,
        int m, int n, int k, int hasBias, int accumulate)
    {
        int threads = TensorThreads();
        Kernels.MatMul.LaunchTensorCore(Runtime, Kernels.MatMul.TensorCoreGroups(m, n, threads), x.RawF32, weights, Address(weights), bias, y.RawF32,
            m, n, k, hasBias, accumulate, threads, TensorStages);
    }

    private void LaunchTensorCoreProject(IlgpuTensor x, ProjectionShapes shapes,
        (IlgpuTensor Weight, IlgpuTensor Bias, IlgpuTensor Output) s0, (IlgpuTensor Weight, IlgpuTensor Bias, IlgpuTensor Output) s1,
        (IlgpuTensor Weight, IlgpuTensor Bias, IlgpuTensor Output) s2)
    {
        int threads = TensorThreads();
        Kernels.MatMul.LaunchProjectTensorCore(Runtime, Kernels.MatMul.ProjectTensorCoreGroups(shapes, threads), x.RawF32,
            s0.Weight.RawBf16, s0.Bias.RawBf16, s0.Output.RawF32, s1.Weight.RawBf16, s1.Bias.RawBf16, s1.Output.RawF32,
            s2.Weight.RawBf16, s2.Bias.RawBf16, s2.Output.RawF32, shapes,
            new WeightAddresses(Address(s0.Weight.RawBf16), Address(s1.Weight.RawBf16), Address(s2.Weight.RawBf16)), threads, TensorStages);
    }

    /// <summary>The device address of a view's element 0: cp.async needs it and a kernel cannot take it.</summary>
    private static long Address(ArrayView<ushort> view) => view.LoadEffectiveAddressAsPtr().ToInt64();
}
