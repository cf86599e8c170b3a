// PruneVid.NET — device layer: the device contract and the validation every op shares.
namespace PruneVid.Compute;

/// <summary>
/// The device contract: the one set of operations the model is written against, and the base of its two backends,
/// <c>CpuBackend</c> (SIMD kernels on the host for the hot ops, each family's plain reference for the rest) and
/// <c>IlgpuBackend</c> (the ILGPU kernels, on CUDA or on ILGPU's CPU accelerator). Activations are
/// <see cref="DType.F32"/>; weights are <see cref="DType.BF16"/> (an op that takes a weight also accepts F32). Every op
/// writes into a caller-provided output so buffers can be reused; ops are queued in order on the backend's stream and
/// only <see cref="Synchronize"/> or a download waits.
/// </summary>
/// <remarks>
/// <para><b>A closed set of backends.</b> Each public op is implemented here once: it checks that the tensors belong
/// to this backend, their dtypes and shapes, with one message style ("Op: what is wrong"), skips empty work, and only
/// then calls the <c>private protected …Core</c> method a backend overrides. A core may assume its arguments are valid
/// and only computes. Cores and the constructor are <c>private protected</c>: the backends live in this assembly, next
/// to the kernels they launch (a new device is a new backend here, not a plug-in). Dispatch between the variants of one
/// op (GEMV or tiled GEMM, split-key decode attention) lives with the op family (e.g. <c>MatMul.Plan</c>), so every
/// backend chooses the same way.</para>
/// <para><b>Adding an op.</b> Everything goes into the op family's folder (<c>src/Kernels/&lt;Family&gt;/</c>): the
/// public method in <c>ComputeBackend.&lt;Family&gt;.cs</c> (validates with the helpers below, calls a new
/// <c>private protected abstract …Core</c>), its overrides in <c>CpuBackend.&lt;Family&gt;.cs</c> and
/// <c>IlgpuBackend.&lt;Family&gt;.cs</c>, the kernels and reference in <c>&lt;Op&gt;.cs</c>; see
/// docs/compute-backends.md.</para>
/// <para><b>Releasing buffers after queued work.</b> Ops are queued in order and may still run after they return.
/// A tensor may be disposed as soon as the last op that uses it has been queued: the Cpu backend runs ops
/// synchronously, and freeing accelerator memory waits for the work queued on it. Backend-internal buffers that are
/// replaced while work may still read them go through <see cref="ReleaseAfterQueuedWork"/>.</para>
/// </remarks>
public abstract partial class ComputeBackend : IDisposable
{
    /// <summary>Only the backends of this assembly derive from the contract (see the remarks).</summary>
    private protected ComputeBackend() => Reduction = new ReductionOps(this);

    /// <summary>The token reducers' algorithms on this backend (Stage 1 clustering, attention signals).</summary>
    public ReductionOps Reduction { get; }

    /// <summary>Short name for logs ("cpu", "ilgpu-cuda", "ilgpu-cpu").</summary>
    public abstract string Name { get; }

    /// <summary>Allocations, transfers, launches and synchronisations so far (see <see cref="DeviceCounters"/>).</summary>
    public abstract DeviceCounters Counters { get; }

    /// <summary>Waits until every queued op has finished.</summary>
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
    private protected void ReleaseAfterQueuedWork(IDisposable? buffer)
    {
        if (buffer is null) return;
        Synchronize();
        buffer.Dispose();
    }

    // ---- validation helpers (shared by every op) ----------------------------------------------------------

    /// <summary>Throws unless <paramref name="tensor"/> was made by this backend.</summary>
    internal void Own(Tensor tensor, string op, string parameter)
    {
        ArgumentNullException.ThrowIfNull(tensor, parameter);
        if (!ReferenceEquals(tensor.Backend, this))
            throw new ArgumentException($"{op}: {parameter} {tensor} belongs to backend {tensor.Backend.Name}, not to this {Name} backend", parameter);
    }

    /// <summary>Throws unless <paramref name="tensor"/> belongs here and has dtype <paramref name="dtype"/>.</summary>
    internal void Require(Tensor tensor, DType dtype, string op, string parameter)
    {
        Own(tensor, op, parameter);
        if (tensor.DType != dtype) throw new ArgumentException($"{op}: {parameter} must be {dtype}, got {tensor}", parameter);
    }

    /// <summary>Throws unless <paramref name="tensor"/> belongs here and holds weights (BF16 or F32).</summary>
    private protected void RequireWeight(Tensor tensor, string op, string parameter)
    {
        Own(tensor, op, parameter);
        if (tensor.DType is not (DType.BF16 or DType.F32))
            throw new ArgumentException($"{op}: {parameter} must be BF16 or F32 weights, got {tensor}", parameter);
    }

    /// <summary>Throws unless both tensors have the same number of elements.</summary>
    private protected static void SameLength(Tensor a, Tensor b, string op, string parameter)
    {
        if (a.Length != b.Length) throw new ArgumentException($"{op}: {parameter} {b} must have the {a.Length} elements of {a}", parameter);
    }

    /// <summary>The element count of <paramref name="shape"/>, or a clear error for negative or oversized shapes.</summary>
    private protected static long ElementCount(int[] shape, string op)
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
    private protected static int Extent(long count, Tensor tensor, string op)
        => count <= int.MaxValue ? (int)count : throw new ArgumentException($"{op}: {tensor} has more than 2^31 elements");
}
