// PruneVid.NET — MatMul: the validated entries of MatMul, MatMulAccumulate and Project.
namespace PruneVid.Compute;

public abstract partial class ComputeBackend
{
    /// <summary>Most projections one <see cref="Project"/> call takes (a layer's q, k and v).</summary>
    public const int MaxProjections = 3;

    /// <summary>y[M,N] = x[M,K] · w[N,K]ᵀ (+ bias[N]); accumulation in f32. w and bias are BF16 or F32.</summary>
    public void MatMul(Tensor x, Tensor w, Tensor? bias, Tensor y) => MatMul("MatMul", x, w, bias, y, accumulate: false);

    /// <summary>
    /// y[M,N] += x[M,K] · w[N,K]ᵀ (+ bias[N]): <see cref="MatMul"/> with the residual add in its epilogue (a decoder
    /// layer's o_proj and down projection), so the sum costs no extra pass and no extra launch.
    /// </summary>
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

    /// <summary>
    /// Up to <see cref="ComputeBackend.MaxProjections"/> matrix multiplies that read the same x (a layer's q, k and v;
    /// or gate and up): each output = x · weightᵀ (+ bias), computed in one pass (one launch on a device). Equal to
    /// calling <see cref="MatMul"/> once per projection.
    /// </summary>
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
        if (projections[0].Weight.DType.IsQuantized()) QuantizedProjectCore(x, projections, x.Rows);
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

    /// <summary>y = x · wᵀ (+ bias), or y += that with <paramref name="accumulate"/>: shapes checked, M, N, K ≥ 1.</summary>
    private protected abstract void MatMulCore(Tensor x, Tensor w, Tensor? bias, Tensor y, int m, int n, int k, bool accumulate);

    /// <summary>Every projection's output = x · weightᵀ (+ bias): 1..<see cref="MaxProjections"/> checked projections, M, K ≥ 1 (an N may be 0).</summary>
    private protected abstract void ProjectCore(Tensor x, ReadOnlySpan<Projection> projections, int m, int k);
}
