// PruneVid.NET — Activation: the validated entries of SiluMul and Gelu.
namespace PruneVid.Compute;

public abstract partial class ComputeBackend
{
    /// <summary>Elementwise y = silu(gate) · up (SwiGLU).</summary>
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

    /// <summary>Elementwise exact (erf) GELU.</summary>
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

    /// <summary>y = silu(gate) · up over <paramref name="count"/> F32 elements.</summary>
    private protected abstract void SiluMulCore(Tensor gate, Tensor up, Tensor y, int count);

    /// <summary>y = gelu(x) over <paramref name="count"/> F32 elements.</summary>
    private protected abstract void GeluCore(Tensor x, Tensor y, int count);
}
