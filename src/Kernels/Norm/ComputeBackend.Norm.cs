// PruneVid.NET — Norm: the validated entry of RmsNorm.
namespace PruneVid.Compute;

public abstract partial class ComputeBackend
{
    /// <summary>Row-wise RMSNorm: y = x / sqrt(mean(x²) + eps) · weight.</summary>
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

    /// <summary>RMSNorm over rows of <paramref name="dim"/> values; weight is BF16 or F32 with dim elements.</summary>
    private protected abstract void RmsNormCore(Tensor x, Tensor weight, float eps, Tensor y, int dim);
}
