// PruneVid.NET — ILGPU backend.
using PruneVid.Compute;

namespace PruneVid.Kernels.Ilgpu;

// Ops whose ILGPU kernels are not written yet. Each moves to its own partial file (IlgpuBackend.<Family>.cs) when
// its kernel lands; until then a call fails with a message naming the op.
public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    public void MatMul(Tensor x, Tensor w, Tensor? bias, Tensor y) => throw Pending(nameof(MatMul));

    /// <inheritdoc />
    public void Add(Tensor a, Tensor b, Tensor y) => throw Pending(nameof(Add));

    /// <inheritdoc />
    public void Gelu(Tensor x, Tensor y) => throw Pending(nameof(Gelu));

    /// <inheritdoc />
    public void Rotary(Tensor x, int heads, int headDim, Tensor cos, Tensor sin) => throw Pending(nameof(Rotary));

    /// <inheritdoc />
    public void Attention(Tensor q, Tensor k, Tensor v, Tensor output, AttentionShape shape,
        ReadOnlySpan<int> cuSeqLensQ, ReadOnlySpan<int> cuSeqLensK, bool causal) => throw Pending(nameof(Attention));

    /// <inheritdoc />
    public void GatherRows(Tensor source, Tensor indices, Tensor destination) => throw Pending(nameof(GatherRows));

    /// <inheritdoc />
    public void ScatterRows(Tensor source, Tensor indices, Tensor destination) => throw Pending(nameof(ScatterRows));

    /// <inheritdoc />
    public void Embedding(Tensor table, Tensor ids, Tensor y) => throw Pending(nameof(Embedding));

    /// <inheritdoc />
    public void ArgMax(Tensor x, Tensor result) => throw Pending(nameof(ArgMax));

    private static NotSupportedException Pending(string op) => new($"{op} has no ILGPU kernel yet");
}
