// PruneVid.NET — quantized weights: a packed matrix in accelerator memory.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;
using PruneVid.Kernels.Ilgpu;

namespace PruneVid.Kernels.Quantized;

/// <summary>An Int4/Int8 [N, K] weight tensor on an accelerator: three buffers (codes, scales, zero points) it owns.</summary>
public sealed class IlgpuQuantizedTensor : Tensor
{
    private bool _disposed;

    internal IlgpuQuantizedTensor(IlgpuBackend backend, DType dtype, QuantizedMatrix matrix, Accelerator accelerator)
        : base(backend, dtype, [matrix.Rows, matrix.Columns], isView: false)
    {
        Packing = PackedShape.Of(matrix);
        Codes = accelerator.Allocate1D(matrix.Codes);
        Scales = accelerator.Allocate1D(System.Runtime.InteropServices.MemoryMarshal.Cast<System.Half, ushort>(matrix.Scales).ToArray());
        Zeros = accelerator.Allocate1D(matrix.Zeros);
    }

    /// <summary>The packing, as the kernel takes it.</summary>
    public PackedShape Packing { get; }

    internal MemoryBuffer1D<byte, Stride1D.Dense> Codes { get; }
    /// <summary>f16 scales as their bit patterns (kernels widen them with <see cref="HalfScales.ToSingle"/>).</summary>
    internal MemoryBuffer1D<ushort, Stride1D.Dense> Scales { get; }
    /// <summary>Zero points, one byte each.</summary>
    internal MemoryBuffer1D<byte, Stride1D.Dense> Zeros { get; }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (_disposed) return;
        _disposed = true;
        if (!disposing) return;
        Codes.Dispose();
        Scales.Dispose();
        Zeros.Dispose();
    }
}
