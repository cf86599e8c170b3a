// PruneVid.NET — device layer.
namespace PruneVid.Compute;

/// <summary>
/// A dense, row-major tensor of one <see cref="ComputeBackend"/>. The storage is backend specific (a managed array on
/// the Cpu backend, an ILGPU buffer on an accelerator); model code only sees the shape.
/// </summary>
/// <remarks>
/// <b>Owners and views.</b> A tensor made by <c>Allocate</c>, <c>From…</c> or <c>FromHostBf16</c> owns its storage:
/// dispose it when done. A tensor made by <see cref="ComputeBackend.Reshape"/> or <see cref="ComputeBackend.SliceRows"/>
/// is a view (<see cref="IsView"/>): it shares its source's storage, its <see cref="Dispose()"/> frees nothing, and it
/// must not be used after its owner is disposed.
/// </remarks>
public abstract class Tensor : IDisposable
{
    private protected Tensor(ComputeBackend backend, DType dtype, int[] shape, bool isView)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long length = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentOutOfRangeException(nameof(shape), $"negative dimension in shape [{string.Join(",", shape)}]");
            length *= d;
        }
        Backend = backend;
        DType = dtype;
        Shape = (int[])shape.Clone();
        Length = length;
        IsView = isView;
    }

    /// <summary>
    /// True for a view (from <see cref="ComputeBackend.Reshape"/> or <see cref="ComputeBackend.SliceRows"/>) of another
    /// tensor's storage: disposing it frees nothing. False for the owner of its storage.
    /// </summary>
    public bool IsView { get; }

    /// <summary>The backend that owns the storage.</summary>
    public ComputeBackend Backend { get; }

    /// <summary>Element type.</summary>
    public DType DType { get; }

    /// <summary>Dimensions, outermost first.</summary>
    public int[] Shape { get; }

    /// <summary>Number of elements.</summary>
    public long Length { get; }

    /// <summary>Size of the first dimension (1 for a scalar).</summary>
    public int Rows => Shape.Length == 0 ? 1 : Shape[0];

    /// <summary>Elements per row: the product of every dimension but the first.</summary>
    /// <remarks>Defined by the shape, so an empty tensor of shape [0, K] still has rows of K values.</remarks>
    public int RowLength
    {
        get
        {
            long width = 1;
            for (int d = 1; d < Shape.Length; d++) width *= Shape[d];
            return checked((int)width);
        }
    }

    /// <summary>An optional debugging name (e.g. the checkpoint tensor it came from).</summary>
    public string? Name { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"{Name ?? "tensor"} {DType}[{string.Join(",", Shape)}] on {Backend.Name}";

    /// <summary>True once <see cref="Dispose()"/> was called (on a view: the view, not its owner).</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>Frees an owner's storage; for a view (<see cref="IsView"/>) only marks the view disposed. A second call does nothing.</summary>
    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }
}
