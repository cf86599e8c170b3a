// PruneVid.NET — device layer: validated dense ops (matmul, norm, elementwise, rotary).
namespace PruneVid.Compute;

public abstract partial class ComputeBackend
{
    /// <inheritdoc />
    public void MatMul(Tensor x, Tensor w, Tensor? bias, Tensor y)
    {
        const string op = "MatMul";
        Require(x, DType.F32, op, nameof(x));
        RequireWeight(w, op, nameof(w));
        Require(y, DType.F32, op, nameof(y));
        int n = w.Rows, k = w.RowLength, m = x.Rows;
        if (k == 0 || x.RowLength != k) throw new ArgumentException($"{op}: rows of x {x} must have the {k} values of the rows of w {w}", nameof(x));
        if (y.Rows != m || y.RowLength != n) throw new ArgumentException($"{op}: y {y} should be [{m},{n}]", nameof(y));
        if (bias is not null)
        {
            Own(bias, op, nameof(bias));
            if (bias.Length != n || bias.DType != w.DType) throw new ArgumentException($"{op}: bias {bias} should hold {n} {w.DType} values", nameof(bias));
        }
        if (m == 0 || n == 0) return;
        using OpTimer timer = Time(PruneVid.Kernels.MatMul.Plan(m) == PruneVid.Kernels.MatMulKernel.Gemv ? "MatMul (M ≤ 8)" : "MatMul (M > 8)");
        MatMulCore(x, w, bias, y, m, n, k);
    }

    /// <inheritdoc />
    public void RmsNorm(Tensor x, Tensor weight, float eps, Tensor y)
    {
        const string op = "RmsNorm";
        Require(x, DType.F32, op, nameof(x));
        RequireWeight(weight, op, nameof(weight));
        Require(y, DType.F32, op, nameof(y));
        int dim = x.Shape.Length == 0 ? 1 : x.Shape[^1]; // normalised over the last dimension, whatever the rank
        if (weight.Length != dim) throw new ArgumentException($"{op}: weight {weight} must have {dim} elements (the row length of {x})", nameof(weight));
        SameLength(x, y, op, nameof(y));
        if (x.Length == 0) return;
        if (x.Length / dim > int.MaxValue) throw new ArgumentException($"{op}: {x} has more than 2^31 rows", nameof(x));
        using OpTimer timer = Time(op);
        RmsNormCore(x, weight, eps, y, dim);
    }

    /// <inheritdoc />
    public void Add(Tensor a, Tensor b, Tensor y)
    {
        const string op = "Add";
        Require(a, DType.F32, op, nameof(a));
        Require(b, DType.F32, op, nameof(b));
        Require(y, DType.F32, op, nameof(y));
        SameLength(a, b, op, nameof(b));
        SameLength(a, y, op, nameof(y));
        if (a.Length > 0)
        {
            using OpTimer timer = Time(op);
            AddCore(a, b, y, Extent(a.Length, a, op));
        }
    }

    /// <inheritdoc />
    public void SiluMul(Tensor gate, Tensor up, Tensor y)
    {
        const string op = "SiluMul";
        Require(gate, DType.F32, op, nameof(gate));
        Require(up, DType.F32, op, nameof(up));
        Require(y, DType.F32, op, nameof(y));
        SameLength(gate, up, op, nameof(up));
        SameLength(gate, y, op, nameof(y));
        if (gate.Length > 0)
        {
            using OpTimer timer = Time(op);
            SiluMulCore(gate, up, y, Extent(gate.Length, gate, op));
        }
    }

    /// <inheritdoc />
    public void Gelu(Tensor x, Tensor y)
    {
        const string op = "Gelu";
        Require(x, DType.F32, op, nameof(x));
        Require(y, DType.F32, op, nameof(y));
        SameLength(x, y, op, nameof(y));
        if (x.Length > 0)
        {
            using OpTimer timer = Time(op);
            GeluCore(x, y, Extent(x.Length, x, op));
        }
    }

    /// <inheritdoc />
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

    /// <inheritdoc />
    public void MRope(Tensor x, int heads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection)
    {
        const string op = "MRope";
        Require(x, DType.F32, op, nameof(x));
        Require(positions, DType.I32, op, nameof(positions));
        Require(cosTable, DType.F32, op, nameof(cosTable));
        Require(sinTable, DType.F32, op, nameof(sinTable));
        PruneVid.Kernels.MRope.StreamOfFrequency(mropeSection, headDim); // validates the split against the head width
        if (heads <= 0 || x.RowLength != heads * headDim) throw new ArgumentException($"{op}: rows of {x} are not {heads}×{headDim}", nameof(x));
        if (positions.Length != 3L * x.Rows) throw new ArgumentException($"{op}: positions {positions} must be [3,{x.Rows}]", nameof(positions));
        int half = headDim / 2;
        if (cosTable.Length != sinTable.Length || cosTable.Length == 0 || cosTable.Length % half != 0)
            throw new ArgumentException($"{op}: cos/sin tables {cosTable}, {sinTable} must both be [positions, {half}]", nameof(cosTable));
        long pairs = (long)x.Rows * heads * half;
        if (pairs == 0) return;
        if (pairs > int.MaxValue) throw new ArgumentException($"{op}: {x} has more than 2^31 rotated pairs", nameof(x));
        using OpTimer timer = Time(op);
        MRopeCore(x, heads, headDim, positions, cosTable, sinTable, mropeSection);
    }

    /// <summary>y = x · wᵀ (+ bias): shapes checked, M, N, K ≥ 1.</summary>
    protected abstract void MatMulCore(Tensor x, Tensor w, Tensor? bias, Tensor y, int m, int n, int k);

    /// <summary>RMSNorm over rows of <paramref name="dim"/> values; weight is BF16 or F32 with dim elements.</summary>
    protected abstract void RmsNormCore(Tensor x, Tensor weight, float eps, Tensor y, int dim);

    /// <summary>y = a + b over <paramref name="count"/> F32 elements (y may alias a or b).</summary>
    protected abstract void AddCore(Tensor a, Tensor b, Tensor y, int count);

    /// <summary>y = silu(gate) · up over <paramref name="count"/> F32 elements.</summary>
    protected abstract void SiluMulCore(Tensor gate, Tensor up, Tensor y, int count);

    /// <summary>y = gelu(x) over <paramref name="count"/> F32 elements.</summary>
    protected abstract void GeluCore(Tensor x, Tensor y, int count);

    /// <summary>Rotate-half rotary in place (shapes checked, x non-empty).</summary>
    protected abstract void RotaryCore(Tensor x, int heads, int headDim, Tensor cos, Tensor sin);

    /// <summary>M-RoPE in place (shapes and section checked, x non-empty).</summary>
    protected abstract void MRopeCore(Tensor x, int heads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection);
}
