// PruneVid.NET — device layer.
namespace PruneVid.Compute;

/// <summary>
/// The one set of operations the model is written against. Two implementations: <c>CpuBackend</c> (the plain C#
/// references, tuned to be reasonably fast) and <c>IlgpuBackend</c> (the ILGPU kernels, on CUDA or on ILGPU's CPU
/// accelerator). Activations are <see cref="DType.F32"/>; weights are <see cref="DType.BF16"/> (an op that takes a
/// weight also accepts F32). Every op writes into a caller-provided output so buffers can be reused; ops are
/// queued in order on the backend's stream and only <see cref="Synchronize"/> or a download waits.
/// </summary>
public partial interface IComputeBackend : IDisposable
{
    /// <summary>Short name for logs ("cpu", "ilgpu-cuda", "ilgpu-cpu").</summary>
    string Name { get; }

    /// <summary>Allocations, transfers, launches and synchronisations so far (see <see cref="DeviceCounters"/>).</summary>
    DeviceCounters Counters { get; }

    // ---- memory -------------------------------------------------------------------------------------------

    /// <summary>A new zero-filled tensor.</summary>
    Tensor Allocate(DType dtype, params int[] shape);

    /// <summary>Copies host f32 data into a new tensor.</summary>
    Tensor FromF32(ReadOnlySpan<float> data, params int[] shape);

    /// <summary>Copies host bf16 words into a new tensor.</summary>
    Tensor FromBf16(ReadOnlySpan<ushort> data, params int[] shape);

    /// <summary>Copies host i32 data into a new tensor.</summary>
    Tensor FromI32(ReadOnlySpan<int> data, params int[] shape);

    /// <summary>Copies host f32 data into an existing F32 tensor of exactly that length (no allocation).</summary>
    void CopyFromHost(ReadOnlySpan<float> source, Tensor destination);

    /// <summary>Copies host i32 data into an existing I32 tensor of exactly that length (no allocation).</summary>
    void CopyFromHost(ReadOnlySpan<int> source, Tensor destination);

    /// <summary>Copies an F32 or BF16 tensor to the host as f32 (waits for queued work).</summary>
    void CopyToHost(Tensor source, Span<float> destination);

    /// <summary>Copies an I32 tensor to the host (waits for queued work).</summary>
    void CopyToHost(Tensor source, Span<int> destination);

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/> (same dtype and length).</summary>
    void Copy(Tensor source, Tensor destination);

    /// <summary>Widens BF16 <paramref name="source"/> into F32 <paramref name="destination"/> of the same length (exact), where both live.</summary>
    void ConvertToF32(Tensor source, Tensor destination);

    /// <summary>A tensor sharing storage with <paramref name="source"/>, viewed with another shape of equal length.</summary>
    Tensor Reshape(Tensor source, params int[] shape);

    /// <summary>A tensor sharing storage with rows [<paramref name="start"/>, start+count) of <paramref name="source"/>.</summary>
    Tensor SliceRows(Tensor source, int start, int count);

    /// <summary>Waits until every queued op has finished.</summary>
    void Synchronize();

    // ---- dense ops ----------------------------------------------------------------------------------------

    /// <summary>y[M,N] = x[M,K] · w[N,K]ᵀ (+ bias[N]); accumulation in f32. w and bias are BF16 or F32.</summary>
    void MatMul(Tensor x, Tensor w, Tensor? bias, Tensor y);

    /// <summary>
    /// y[M,N] += x[M,K] · w[N,K]ᵀ (+ bias[N]): <see cref="MatMul"/> with the residual add in its epilogue (a decoder
    /// layer's o_proj and down projection), so the sum costs no extra pass and no extra launch.
    /// </summary>
    void MatMulAccumulate(Tensor x, Tensor w, Tensor? bias, Tensor y);

    /// <summary>
    /// Up to <see cref="ComputeBackend.MaxProjections"/> matrix multiplies that read the same x (a layer's q, k and v;
    /// or gate and up): each output = x · weightᵀ (+ bias), computed in one pass (one launch on a device). Equal to
    /// calling <see cref="MatMul"/> once per projection.
    /// </summary>
    void Project(Tensor x, ReadOnlySpan<Projection> projections);

    /// <summary>Row-wise RMSNorm: y = x / sqrt(mean(x²) + eps) · weight.</summary>
    void RmsNorm(Tensor x, Tensor weight, float eps, Tensor y);

    /// <summary>Elementwise y = a + b (y may alias a or b).</summary>
    void Add(Tensor a, Tensor b, Tensor y);

    /// <summary>Elementwise y = silu(gate) · up (SwiGLU).</summary>
    void SiluMul(Tensor gate, Tensor up, Tensor y);

    /// <summary>Elementwise exact (erf) GELU.</summary>
    void Gelu(Tensor x, Tensor y);

    /// <summary>
    /// Rotate-half rotary embedding in place: x is [M, heads·headDim]; cos and sin are [M, headDim] f32 (one row per
    /// token, shared by all heads). x' = x·cos + rotate_half(x)·sin with rotate_half(x) = concat(−x[d/2:], x[:d/2]).
    /// </summary>
    void Rotary(Tensor x, int heads, int headDim, Tensor cos, Tensor sin);

    /// <summary>
    /// Multimodal rotary embedding (Qwen2-VL M-RoPE) in place on x [M, heads·headDim]. positions is I32 [3, M] (the t, h
    /// and w position of every row); cosTable/sinTable are F32 [P, headDim/2] with entry (p, j) = cos/sin of
    /// p · inv_freq[j], built on the host. Frequency j uses the stream whose chunk of <paramref name="mropeSection"/>
    /// (t, h, w counts summing to headDim/2) holds it; pairs are rotate-half (d and d + headDim/2).
    /// </summary>
    void MRope(Tensor x, int heads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection);

    /// <summary>
    /// <see cref="MRope(Tensor, int, int, Tensor, Tensor, Tensor, ReadOnlySpan{int})"/> on a layer's queries
    /// <paramref name="q"/> [M, qHeads·headDim] and keys <paramref name="k"/> [M, kHeads·headDim] together (one launch
    /// on a device); both use the same positions and tables.
    /// </summary>
    void MRope(Tensor q, int qHeads, Tensor k, int kHeads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection);

    /// <summary>
    /// Softmax attention over independent segments. q is [Mq, heads·headDim], k and v are [Mk, kvHeads·headDim],
    /// output is [Mq, heads·headDim]. Segment s spans query rows [cuQ[s], cuQ[s+1]) and key rows [cuK[s], cuK[s+1]);
    /// empty segments are allowed. Query head h reads kv head h / (heads / kvHeads) (GQA). With
    /// <paramref name="causal"/>, the queries of a segment are the last ones of its keys: query i (0-based in the
    /// segment) sees keys 0 .. i + (lenK − lenQ). Accumulates in f32 with an online softmax.
    /// </summary>
    void Attention(Tensor q, Tensor k, Tensor v, Tensor output, AttentionShape shape,
        ReadOnlySpan<int> cuSeqLensQ, ReadOnlySpan<int> cuSeqLensK, bool causal);

    /// <summary>dst[i, :] = src[indices[i], :] (rows of any length; I32 indices).</summary>
    void GatherRows(Tensor source, Tensor indices, Tensor destination);

    /// <summary>dst[indices[i], :] = src[i, :] (the inverse of <see cref="GatherRows"/>).</summary>
    void ScatterRows(Tensor source, Tensor indices, Tensor destination);

    /// <summary>y[i, :] = f32(table[ids[i], :]); the table is BF16 or F32, ids are I32 and checked against the table.</summary>
    void Embedding(Tensor table, Tensor ids, Tensor y);

    /// <summary>result[i] = argmax of row i of x (first maximum on ties), as I32.</summary>
    void ArgMax(Tensor x, Tensor result);
}

/// <summary>Head layout of an attention call.</summary>
/// <param name="Heads">Query heads.</param>
/// <param name="KvHeads">Key/value heads (divides <paramref name="Heads"/>).</param>
/// <param name="HeadDim">Width of one head.</param>
/// <param name="Scale">Multiplier of q·k before the softmax (usually headDim^-0.5).</param>
public readonly record struct AttentionShape(int Heads, int KvHeads, int HeadDim, float Scale)
{
    /// <summary>The usual layout with scale headDim^-0.5.</summary>
    public static AttentionShape Create(int heads, int kvHeads, int headDim)
    {
        if (heads <= 0 || kvHeads <= 0 || headDim <= 0) throw new ArgumentOutOfRangeException(nameof(heads), "heads, kvHeads and headDim must be positive");
        if (heads % kvHeads != 0) throw new ArgumentException($"heads ({heads}) must be a multiple of kvHeads ({kvHeads})");
        return new AttentionShape(heads, kvHeads, headDim, 1f / MathF.Sqrt(headDim));
    }
}
