// PruneVid.NET — device layer: validated dense ops (matmul, norm, elementwise, rotary).
namespace PruneVid.Compute;

public abstract partial class ComputeBackend
{
    /// <summary>Most projections one <see cref="Project"/> call takes (a layer's q, k and v).</summary>
    public const int MaxProjections = 3;

    /// <inheritdoc />
    public void MatMul(Tensor x, Tensor w, Tensor? bias, Tensor y) => MatMul("MatMul", x, w, bias, y, accumulate: false);

    /// <inheritdoc />
    public void MatMulAccumulate(Tensor x, Tensor w, Tensor? bias, Tensor y) => MatMul("MatMulAccumulate", x, w, bias, y, accumulate: true);

    private void MatMul(string op, Tensor x, Tensor w, Tensor? bias, Tensor y, bool accumulate)
    {
        Require(x, DType.F32, op, nameof(x));
        CheckProjection(op, x, new Projection(w, bias, y), nameof(w), nameof(bias), nameof(y));
        int n = w.Rows, k = w.RowLength, m = x.Rows;
        if (m == 0 || n == 0) return;
        using OpTimer timer = Time(MatMulTimerName(op, m));
        if (w.DType.IsQuantized()) QuantizedMatMulCore(x, w, bias, y, m, accumulate);
        else MatMulCore(x, w, bias, y, m, n, k, accumulate);
    }

    /// <inheritdoc />
    public void Project(Tensor x, ReadOnlySpan<Projection> projections)
    {
        const string op = "Project";
        Require(x, DType.F32, op, nameof(x));
        if (projections.Length is 0 or > MaxProjections)
            throw new ArgumentException($"{op}: takes 1 to {MaxProjections} projections, got {projections.Length}", nameof(projections));
        for (int i = 0; i < projections.Length; i++)
        {
            Projection p = projections[i];
            CheckProjection(op, x, p, WeightNames[i], BiasNames[i], OutputNames[i]);
            if (p.Weight.DType != projections[0].Weight.DType)
                throw new ArgumentException($"{op}: every weight must have the same dtype; projections[{i}].Weight {p.Weight} is not {projections[0].Weight.DType}", nameof(projections));
        }
        if (x.Rows == 0) return;
        using OpTimer timer = Time(MatMulTimerName(op, x.Rows));
        if (projections[0].Weight.DType.IsQuantized())
            foreach (Projection p in projections) QuantizedMatMulCore(x, p.Weight, p.Bias, p.Output, x.Rows, accumulate: false);
        else ProjectCore(x, projections, x.Rows, x.RowLength);
    }

    // Argument names of Project's slots, built once: the checks run on every decode step.
    private static readonly string[] WeightNames = ["projections[0].Weight", "projections[1].Weight", "projections[2].Weight"];
    private static readonly string[] BiasNames = ["projections[0].Bias", "projections[1].Bias", "projections[2].Bias"];
    private static readonly string[] OutputNames = ["projections[0].Output", "projections[1].Output", "projections[2].Output"];

    /// <summary>The checks every matrix multiply shares: weights, optional bias of their dtype, [M,N] F32 output.</summary>
    private void CheckProjection(string op, Tensor x, Projection p, string wName, string biasName, string yName)
    {
        bool packed = p.Weight.DType.IsQuantized();
        if (packed) Own(p.Weight, op, wName); // packed weights (Int4/Int8) take an F32 bias
        else RequireWeight(p.Weight, op, wName);
        Require(p.Output, DType.F32, op, yName);
        int n = p.Weight.Rows, k = p.Weight.RowLength, m = x.Rows;
        if (k == 0 || x.RowLength != k) throw new ArgumentException($"{op}: rows of x {x} must have the {k} values of the rows of {wName} {p.Weight}", nameof(x));
        if (p.Output.Rows != m || p.Output.RowLength != n) throw new ArgumentException($"{op}: {yName} {p.Output} should be [{m},{n}]", yName);
        if (p.Bias is not null)
        {
            Own(p.Bias, op, biasName);
            DType biasType = packed ? DType.F32 : p.Weight.DType;
            if (p.Bias.Length != n || p.Bias.DType != biasType) throw new ArgumentException($"{op}: {biasName} {p.Bias} should hold {n} {biasType} values", biasName);
        }
    }

    private static string MatMulTimerName(string op, int m)
        => PruneVid.Kernels.MatMul.Plan(m) == PruneVid.Kernels.MatMulKernel.Gemv ? op + " (M ≤ 8)" : op + " (M > 8)";

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

    /// <inheritdoc />
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

    /// <summary>y = x · wᵀ (+ bias), or y += that with <paramref name="accumulate"/>: shapes checked, M, N, K ≥ 1.</summary>
    protected abstract void MatMulCore(Tensor x, Tensor w, Tensor? bias, Tensor y, int m, int n, int k, bool accumulate);

    /// <summary>Every projection's output = x · weightᵀ (+ bias): 1..<see cref="MaxProjections"/> checked projections, M, K ≥ 1 (an N may be 0).</summary>
    protected abstract void ProjectCore(Tensor x, ReadOnlySpan<Projection> projections, int m, int k);

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

    /// <summary>M-RoPE in place on q and k with the same positions (shapes and section checked, not both empty).</summary>
    protected abstract void MRopeCore(Tensor q, int qHeads, Tensor k, int kHeads, int headDim, Tensor positions, Tensor cosTable, Tensor sinTable, ReadOnlySpan<int> mropeSection);
}
