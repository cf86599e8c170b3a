// PruneVid.NET — Rotary: the validated entries of Rotary and M-RoPE (one tensor, or q and k together).
namespace PruneVid.Compute;

public abstract partial class ComputeBackend
{
    /// <summary>
    /// Rotate-half rotary embedding in place: x is [M, heads·headDim]; cos and sin are [M, headDim] f32 (one row per
    /// token, shared by all heads). x' = x·cos + rotate_half(x)·sin with rotate_half(x) = concat(−x[d/2:], x[:d/2]).
    /// </summary>
    public void Rotary(Tensor x, int heads, int headDim, Tensor cos, Tensor sin)
    {
        const string op = "Rotary";
        Require(x, DType.F32, op, nameof(x));
        Require(cos, DType.F32, op, nameof(cos));
        Require(sin, DType.F32, op, nameof(sin));
        if (heads <= 0 || headDim <= 0 || headDim % 2 != 0)
            throw new ArgumentException($"{op}: heads ({heads}) must be positive and headDim ({headDim}) positive and even", nameof(headDim));
        if (x.RowLength != heads * headDim) throw new ArgumentException($"{op}: rows of {x} are not {heads}×{headDim}", nameof(x));
        if (cos.Length != (long)x.Rows * headDim || sin.Length != cos.Length)
            throw new ArgumentException($"{op}: cos {cos} and sin {sin} must be [{x.Rows},{headDim}]", nameof(cos));
        if (x.Length > 0)
        {
            using OpTimer timer = Time(op);
            RotaryCore(x, heads, headDim, cos, sin);
        }
    }

    /// <summary>
    /// Multimodal rotary embedding (Qwen2-VL M-RoPE) in place on x [M, heads·headDim]. positions is I32 [3, M] (the t, h
    /// and w position of every row); cosTable/sinTable are F32 [P, headDim/2] with entry (p, j) = cos/sin of
    /// p · inv_freq[j], built on the host. Frequency j uses the stream whose chunk of <paramref name="mropeSection"/>
    /// (t, h, w counts summing to headDim/2) holds it; pairs are rotate-half (d and d + headDim/2).
    /// </summary>
    public void MRope(Tensor x, int heads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection)
    {
        const string op = "MRope";
        CheckMRope(op, x, heads, headDim, positions, cosTable, sinTable, mropeSection, nameof(x));
        long pairs = (long)x.Rows * heads * (headDim / 2);
        if (pairs == 0) return;
        if (pairs > int.MaxValue) throw new ArgumentException($"{op}: {x} has more than 2^31 rotated pairs", nameof(x));
        using OpTimer timer = Time(op);
        MRopeCore(x, heads, headDim, positions, cosTable, sinTable, mropeSection);
    }

    /// <summary>The checks of an M-RoPE operand <paramref name="x"/> with its positions and tables.</summary>
    private void CheckMRope(string op, Tensor x, int heads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable,
        ReadOnlySpan<int> mropeSection, string name)
    {
        Require(x, DType.F32, op, name);
        Require(positions, DType.I32, op, nameof(positions));
        Require(cosTable, DType.F32, op, nameof(cosTable));
        Require(sinTable, DType.F32, op, nameof(sinTable));
        PruneVid.Kernels.MRope.StreamOfFrequency(mropeSection, headDim); // validates the split against the head width
        if (heads <= 0 || x.RowLength != heads * headDim) throw new ArgumentException($"{op}: rows of {name} {x} are not {heads}×{headDim}", name);
        if (positions.Length != 3L * x.Rows) throw new ArgumentException($"{op}: positions {positions} must be [3,{x.Rows}]", nameof(positions));
        int half = headDim / 2;
        if (cosTable.Length != sinTable.Length || cosTable.Length == 0 || cosTable.Length % half != 0)
            throw new ArgumentException($"{op}: cos/sin tables {cosTable}, {sinTable} must both be [positions, {half}]", nameof(cosTable));
    }

    /// <summary>
    /// <see cref="MRope(Tensor, int, int, Tensor, Tensor, Tensor, ReadOnlySpan{int})"/> on a layer's queries
    /// <paramref name="q"/> [M, qHeads·headDim] and keys <paramref name="k"/> [M, kHeads·headDim] together (one launch
    /// on a device); both use the same positions and tables.
    /// </summary>
    public void MRope(Tensor q, int qHeads, Tensor k, int kHeads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection)
    {
        const string op = "MRope";
        CheckMRope(op, q, qHeads, headDim, positions, cosTable, sinTable, mropeSection, nameof(q));
        CheckMRope(op, k, kHeads, headDim, positions, cosTable, sinTable, mropeSection, nameof(k));
        if (q.Rows != k.Rows) throw new ArgumentException($"{op}: q {q} and k {k} must have the same rows", nameof(k));
        long pairs = (long)q.Rows * (qHeads + kHeads) * (headDim / 2);
        if (pairs == 0) return;
        if (pairs > int.MaxValue) throw new ArgumentException($"{op}: {q} and {k} have more than 2^31 rotated pairs", nameof(q));
        using OpTimer timer = Time(op + " (q, k)");
        MRopeCore(q, qHeads, k, kHeads, headDim, positions, cosTable, sinTable, mropeSection);
    }

    /// <summary>Rotate-half rotary in place (shapes checked, x non-empty).</summary>
    private protected abstract void RotaryCore(Tensor x, int heads, int headDim, Tensor cos, Tensor sin);

    /// <summary>M-RoPE in place (shapes and section checked, x non-empty).</summary>
    private protected abstract void MRopeCore(Tensor x, int heads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection);

    /// <summary>M-RoPE in place on q and k with the same positions (shapes and section checked, not both empty).</summary>
    private protected abstract void MRopeCore(Tensor q, int qHeads, Tensor k, int kHeads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection);
}
