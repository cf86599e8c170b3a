// PruneVid.NET — Cpu backend: the ops, each delegating to its kernel family's reference.
using PruneVid.Compute;

namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc />
    public void MatMul(Tensor x, Tensor w, Tensor? bias, Tensor y)
    {
        var (tx, tw, ty) = (Own(x), Own(w), Own(y));
        int k = tw.RowLength, n = tw.Rows;
        if (tx.RowLength != k) throw new ArgumentException($"matmul: {tx} rows have {tx.RowLength} values, {tw} expects {k}");
        int m = tx.Rows;
        if (ty.Rows != m || ty.RowLength != n) throw new ArgumentException($"matmul: output {ty} should be [{m},{n}]");
        var tb = bias is null ? null : Own(bias);
        if (tb is not null && (tb.Length != n || tb.DType != tw.DType)) throw new ArgumentException($"matmul: bias {tb} should have {n} {tw.DType} values");
        if (tw.DType == DType.BF16)
            Kernels.MatMul.Reference(tx.F32, tw.Bf16, tb is null ? default : tb.Bf16, ty.F32, m, n, k);
        else
            Kernels.MatMul.Reference(tx.F32, tw.F32, tb is null ? default : tb.F32, ty.F32, m, n, k);
    }

    /// <inheritdoc />
    public void RmsNorm(Tensor x, Tensor weight, float eps, Tensor y)
    {
        var (tx, tw, ty) = (Own(x), Own(weight), Own(y));
        SameLength(tx, ty, "rmsnorm");
        if (tw.Length != tx.RowLength) throw new ArgumentException($"rmsnorm: weight {tw} does not match rows of {tx}");
        Kernels.RmsNorm.Reference(tx.F32, tw.Bf16, ty.F32, tx.RowLength, eps);
    }

    /// <inheritdoc />
    public void Add(Tensor a, Tensor b, Tensor y)
    {
        var (ta, tb, ty) = (Own(a), Own(b), Own(y));
        SameLength(ta, tb, "add");
        SameLength(ta, ty, "add");
        Kernels.Add.Reference(ta.F32, tb.F32, ty.F32);
    }

    /// <inheritdoc />
    public void SiluMul(Tensor gate, Tensor up, Tensor y)
    {
        var (tg, tu, ty) = (Own(gate), Own(up), Own(y));
        SameLength(tg, tu, "silu-mul");
        SameLength(tg, ty, "silu-mul");
        Kernels.SiluMul.Reference(tg.F32, tu.F32, ty.F32);
    }

    /// <inheritdoc />
    public void Gelu(Tensor x, Tensor y)
    {
        var (tx, ty) = (Own(x), Own(y));
        SameLength(tx, ty, "gelu");
        Kernels.Gelu.Reference(tx.F32, ty.F32);
    }

    /// <inheritdoc />
    public void Rotary(Tensor x, int heads, int headDim, Tensor cos, Tensor sin)
    {
        var (tx, tc, ts) = (Own(x), Own(cos), Own(sin));
        if (tx.RowLength != heads * headDim) throw new ArgumentException($"rotary: {tx} rows are not {heads}×{headDim}");
        if (tc.Length != (long)tx.Rows * headDim || ts.Length != tc.Length) throw new ArgumentException($"rotary: cos/sin must be [{tx.Rows},{headDim}]");
        Kernels.Rotary.Reference(tx.F32, heads, headDim, tc.F32, ts.F32);
    }

    /// <inheritdoc />
    public void Attention(Tensor q, Tensor k, Tensor v, Tensor output, AttentionShape shape,
        ReadOnlySpan<int> cuSeqLensQ, ReadOnlySpan<int> cuSeqLensK, bool causal)
    {
        var (tq, tk, tv, to) = (Own(q), Own(k), Own(v), Own(output));
        if (tq.RowLength != shape.Heads * shape.HeadDim) throw new ArgumentException($"attention: q {tq} rows are not {shape.Heads}×{shape.HeadDim}");
        if (tk.RowLength != shape.KvHeads * shape.HeadDim) throw new ArgumentException($"attention: k {tk} rows are not {shape.KvHeads}×{shape.HeadDim}");
        SameLength(tk, tv, "attention k/v");
        SameLength(tq, to, "attention q/output");
        Kernels.Attention.Reference(tq.F32, tk.F32, tv.F32, to.F32, shape, cuSeqLensQ, cuSeqLensK, causal);
    }

    /// <inheritdoc />
    public void GatherRows(Tensor source, Tensor indices, Tensor destination)
    {
        var (ts, ti, td) = (Own(source), Own(indices), Own(destination));
        RowsMatch(ts, td, "gather");
        if (td.Rows != ti.Length) throw new ArgumentException($"gather: {td} needs one index per row, got {ti.Length}");
        switch (ts.DType)
        {
            case DType.F32: Rows.GatherReference<float>(ts.F32, ti.I32, td.F32, ts.RowLength); break;
            case DType.BF16: Rows.GatherReference<ushort>(ts.Bf16, ti.I32, td.Bf16, ts.RowLength); break;
            default: Rows.GatherReference<int>(ts.I32, ti.I32, td.I32, ts.RowLength); break;
        }
    }

    /// <inheritdoc />
    public void ScatterRows(Tensor source, Tensor indices, Tensor destination)
    {
        var (ts, ti, td) = (Own(source), Own(indices), Own(destination));
        RowsMatch(ts, td, "scatter");
        if (ts.Rows != ti.Length) throw new ArgumentException($"scatter: {ts} needs one index per row, got {ti.Length}");
        switch (ts.DType)
        {
            case DType.F32: Rows.ScatterReference<float>(ts.F32, ti.I32, td.F32, ts.RowLength); break;
            case DType.BF16: Rows.ScatterReference<ushort>(ts.Bf16, ti.I32, td.Bf16, ts.RowLength); break;
            default: Rows.ScatterReference<int>(ts.I32, ti.I32, td.I32, ts.RowLength); break;
        }
    }

    /// <inheritdoc />
    public void Embedding(Tensor table, Tensor ids, Tensor y)
    {
        var (tt, ti, ty) = (Own(table), Own(ids), Own(y));
        int width = tt.RowLength;
        if (ty.Length != (long)ti.Length * width) throw new ArgumentException($"embedding: output {ty} should be [{ti.Length},{width}]");
        if (tt.DType == DType.BF16) Kernels.Embedding.Reference(tt.Bf16, ti.I32, ty.F32, width);
        else Kernels.Embedding.Reference(tt.F32, ti.I32, ty.F32, width);
    }

    /// <inheritdoc />
    public void ArgMax(Tensor x, Tensor result)
    {
        var (tx, tr) = (Own(x), Own(result));
        if (tr.Length != tx.Rows) throw new ArgumentException($"argmax: result {tr} needs {tx.Rows} elements");
        Kernels.ArgMax.Reference(tx.F32, tr.I32, tx.RowLength);
    }

    private static void SameLength(Tensor a, Tensor b, string op)
    {
        if (a.Length != b.Length) throw new ArgumentException($"{op}: {a} and {b} differ in length");
    }

    private static void RowsMatch(Tensor a, Tensor b, string op)
    {
        if (a.DType != b.DType || a.RowLength != b.RowLength) throw new ArgumentException($"{op}: rows of {a} and {b} differ");
    }
}
