// PruneVid.NET — language model: rotary tables.
using PruneVid.Compute;

namespace PruneVid.Runtime.Model.Text;

/// <summary>
/// Host-built cos/sin tables [positions, headDim/2] for the text rotary embedding, uploaded to the device and grown on
/// demand. Numerics follow HF (docs/model.md §4.3): inv_freq[j] = 1 / theta^(2j/headDim) in f32, the angle is the f32
/// product position · inv_freq[j], and cos/sin of that f32 angle are evaluated accurately (double precision, then
/// rounded) — never with a device's approximate cos, which is wrong for large angles.
/// </summary>
public sealed class RotaryTable : IDisposable
{
    private readonly ComputeBackend _backend;
    private readonly float[] _invFreq;

    /// <summary>Creates an empty table; call <see cref="EnsureCapacity"/> before use.</summary>
    public RotaryTable(ComputeBackend backend, int headDim, double theta)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (headDim <= 0 || headDim % 2 != 0) throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "head dim must be positive and even");
        if (!(theta > 0)) throw new ArgumentOutOfRangeException(nameof(theta), theta, "rope theta must be positive");
        _backend = backend;
        HeadDim = headDim;
        _invFreq = InverseFrequencies(headDim, theta);
    }

    /// <summary>Per-head width.</summary>
    public int HeadDim { get; }

    /// <summary>Positions 0..Capacity−1 are in the tables.</summary>
    public int Capacity { get; private set; }

    /// <summary>cos(p · inv_freq[j]) as F32 [Capacity, headDim/2].</summary>
    public Tensor? Cos { get; private set; }

    /// <summary>sin(p · inv_freq[j]) as F32 [Capacity, headDim/2].</summary>
    public Tensor? Sin { get; private set; }

    /// <summary>inv_freq[j] = 1 / theta^(f32(2j) / headDim), computed in f32 like <c>torch.arange(0, d, 2).float() / d</c>.</summary>
    public static float[] InverseFrequencies(int headDim, double theta)
    {
        var inv = new float[headDim / 2];
        float thetaF = (float)theta;
        for (int j = 0; j < inv.Length; j++)
        {
            float exponent = (float)(2 * j) / headDim;
            inv[j] = 1f / MathF.Pow(thetaF, exponent);
        }
        return inv;
    }

    /// <summary>Fills one table row: the angles of <paramref name="position"/> for every frequency.</summary>
    public static void Row(ReadOnlySpan<float> invFreq, int position, Span<float> cos, Span<float> sin)
    {
        float p = position;
        for (int j = 0; j < invFreq.Length; j++)
        {
            float angle = p * invFreq[j]; // f32 product, as HF's K=1 matmul
            cos[j] = (float)Math.Cos(angle);
            sin[j] = (float)Math.Sin(angle);
        }
    }

    /// <summary>Makes sure positions 0..<paramref name="positions"/>−1 are covered (grows by doubling, rebuilding the tables).</summary>
    public void EnsureCapacity(int positions)
    {
        if (positions <= Capacity) return;
        int capacity = Math.Max(positions, Math.Min(int.MaxValue / 2, Math.Max(256, Capacity * 2)));
        int half = HeadDim / 2;
        var cos = new float[(long)capacity * half];
        var sin = new float[cos.Length];
        Parallel.For(0, capacity, p => Row(_invFreq, p, cos.AsSpan(p * half, half), sin.AsSpan(p * half, half)));
        Cos?.Dispose();
        Sin?.Dispose();
        Cos = _backend.FromF32(cos, capacity, half);
        Sin = _backend.FromF32(sin, capacity, half);
        Capacity = capacity;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Cos?.Dispose();
        Sin?.Dispose();
    }
}
