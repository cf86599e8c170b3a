// PruneVid.NET — ILGPU backend.
using ILGPU;
using ILGPU.Runtime;
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

/// <summary>
/// A tensor in accelerator memory: either the owner of an ILGPU buffer, or a view (<see cref="Tensor.IsView"/>) that
/// shares its parent's buffer (see <see cref="Tensor"/>, "Owners and views").
/// </summary>
public sealed class IlgpuTensor : Tensor
{
    private readonly MemoryBuffer? _owned;
    private readonly ArrayView1D<float, Stride1D.Dense> _f32;
    private readonly ArrayView1D<ushort, Stride1D.Dense> _bf16;
    private readonly ArrayView1D<int, Stride1D.Dense> _i32;
    private bool _disposed;

    internal IlgpuTensor(IlgpuBackend backend, DType dtype, int[] shape, MemoryBuffer? owned,
        ArrayView1D<float, Stride1D.Dense> f32, ArrayView1D<ushort, Stride1D.Dense> bf16, ArrayView1D<int, Stride1D.Dense> i32)
        : base(backend, dtype, shape, isView: owned is null)
    {
        _owned = owned;
        _f32 = f32;
        _bf16 = bf16;
        _i32 = i32;
    }

    /// <summary>The storage of an <see cref="DType.F32"/> tensor (an invalid view when the tensor is empty).</summary>
    public ArrayView1D<float, Stride1D.Dense> F32 => DType == DType.F32 ? Checked(_f32) : throw WrongType(DType.F32);

    /// <summary>The storage of a <see cref="DType.BF16"/> tensor as raw 16-bit words.</summary>
    public ArrayView1D<ushort, Stride1D.Dense> BF16 => DType == DType.BF16 ? Checked(_bf16) : throw WrongType(DType.BF16);

    /// <summary>The storage of an <see cref="DType.I32"/> tensor.</summary>
    public ArrayView1D<int, Stride1D.Dense> I32 => DType == DType.I32 ? Checked(_i32) : throw WrongType(DType.I32);

    internal ArrayView1D<float, Stride1D.Dense> RawF32 => _f32;
    internal ArrayView1D<ushort, Stride1D.Dense> RawBf16 => _bf16;
    internal ArrayView1D<int, Stride1D.Dense> RawI32 => _i32;

    /// <summary>The same storage seen as another tensor (another shape of equal length, or a sub-range).</summary>
    internal IlgpuTensor View(int[] shape, long offset, long length)
    {
        static ArrayView1D<T, Stride1D.Dense> Sub<T>(ArrayView1D<T, Stride1D.Dense> view, long offset, long length) where T : unmanaged
            => length == 0 || !view.IsValid ? default : view.SubView(offset, length);
        return new IlgpuTensor((IlgpuBackend)Backend, DType, shape, owned: null,
            Sub(_f32, offset, length), Sub(_bf16, offset, length), Sub(_i32, offset, length));
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (_disposed) return;
        _disposed = true;
        if (disposing) _owned?.Dispose();
    }

    private T Checked<T>(T view)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return view;
    }

    private InvalidOperationException WrongType(DType wanted) => new($"{this} is {DType}, not {wanted}");
}
