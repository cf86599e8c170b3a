// PruneVid.NET — device layer: the one validated entry of every op.
namespace PruneVid.Compute;

/// <summary>
/// The base of every backend. Each public op of <see cref="IComputeBackend"/> is implemented here once: it checks that
/// the tensors belong to this backend, their dtypes and shapes, with one message style ("Op: what is wrong"), skips
/// empty work, and only then calls the protected <c>…Core</c> method a backend overrides. A core method may assume
/// its arguments are valid and only computes. Dispatch between the variants of one op (GEMV or tiled GEMM, split-key
/// decode attention) lives with the op family (e.g. <c>MatMul.Plan</c>), so every backend chooses the same way.
/// </summary>
/// <remarks>
/// <para><b>Adding an op.</b> Declare it on <see cref="IComputeBackend"/> (or on this class only, for ops the model
/// reaches through <c>ComputeBackend</c>), implement the public method in a partial file of this class
/// (<c>ComputeBackend.Family.cs</c>) that validates with the helpers below and calls a new
/// <c>protected abstract …Core</c>, and override the core in <c>CpuBackend.Family.cs</c> and
/// <c>IlgpuBackend.Family.cs</c>.</para>
/// <para><b>Releasing buffers after queued work.</b> Ops are queued in order and may still run after they return.
/// A tensor may be disposed as soon as the last op that uses it has been queued: the Cpu backend runs ops
/// synchronously, and freeing accelerator memory waits for the work queued on it. Backend-internal buffers that are
/// replaced while work may still read them go through <see cref="ReleaseAfterQueuedWork"/>.</para>
/// </remarks>
public abstract partial class ComputeBackend : IComputeBackend
{
    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public abstract DeviceCounters Counters { get; }

    /// <inheritdoc />
    public abstract void Synchronize();

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the backend's own resources.</summary>
    protected virtual void Dispose(bool disposing) { }

    /// <summary>Waits for queued work, then disposes <paramref name="buffer"/> (a scratch buffer being replaced).</summary>
    protected void ReleaseAfterQueuedWork(IDisposable? buffer)
    {
        if (buffer is null) return;
        Synchronize();
        buffer.Dispose();
    }

    // ---- validation helpers (shared by every op) ----------------------------------------------------------

    /// <summary>Throws unless <paramref name="tensor"/> was made by this backend.</summary>
    protected void Own(Tensor tensor, string op, string parameter)
    {
        ArgumentNullException.ThrowIfNull(tensor, parameter);
        if (!ReferenceEquals(tensor.Backend, this))
            throw new ArgumentException($"{op}: {parameter} {tensor} belongs to backend {tensor.Backend.Name}, not to this {Name} backend", parameter);
    }

    /// <summary>Throws unless <paramref name="tensor"/> belongs here and has dtype <paramref name="dtype"/>.</summary>
    protected void Require(Tensor tensor, DType dtype, string op, string parameter)
    {
        Own(tensor, op, parameter);
        if (tensor.DType != dtype) throw new ArgumentException($"{op}: {parameter} must be {dtype}, got {tensor}", parameter);
    }

    /// <summary>Throws unless <paramref name="tensor"/> belongs here and holds weights (BF16 or F32).</summary>
    protected void RequireWeight(Tensor tensor, string op, string parameter)
    {
        Own(tensor, op, parameter);
        if (tensor.DType is not (DType.BF16 or DType.F32))
            throw new ArgumentException($"{op}: {parameter} must be BF16 or F32 weights, got {tensor}", parameter);
    }

    /// <summary>Throws unless both tensors have the same number of elements.</summary>
    protected static void SameLength(Tensor a, Tensor b, string op, string parameter)
    {
        if (a.Length != b.Length) throw new ArgumentException($"{op}: {parameter} {b} must have the {a.Length} elements of {a}", parameter);
    }

    /// <summary>The element count of <paramref name="shape"/>, or a clear error for negative or oversized shapes.</summary>
    protected static long ElementCount(int[] shape, string op)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long length = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentOutOfRangeException(nameof(shape), $"{op}: negative dimension in shape [{string.Join(",", shape)}]");
            length = checked(length * d);
        }
        return length;
    }

    /// <summary>A launch extent of at most 2^31 − 1 elements.</summary>
    protected static int Extent(long count, Tensor tensor, string op)
        => count <= int.MaxValue ? (int)count : throw new ArgumentException($"{op}: {tensor} has more than 2^31 elements");
}
