// PruneVid.NET — Elementwise: the validated entry of Add.
namespace PruneVid.Compute;

public abstract partial class ComputeBackend
{
    /// <summary>Elementwise y = a + b (y may alias a or b).</summary>
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

    /// <summary>y = a + b over <paramref name="count"/> F32 elements (y may alias a or b).</summary>
    private protected abstract void AddCore(Tensor a, Tensor b, Tensor y, int count);
}
