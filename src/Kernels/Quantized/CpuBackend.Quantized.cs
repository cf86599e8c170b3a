// PruneVid.NET — Cpu backend: matrix multiplies with packed (int4/int8) weights.
using PruneVid.Compute;
using PruneVid.Kernels.Quantized;
namespace PruneVid.Kernels.Cpu;

public sealed partial class CpuBackend
{
    private PackedActivations? _packedActivations;

    /// <summary>
    /// How matrix multiplies with packed weights treat their input (docs/weights.md): <see cref="PackedActivations.Int8"/>
    /// (the default where AVX-512BW exists) rounds each 32-column block of x to int8 and multiplies with integer dot
    /// products, as llama.cpp does with its Q4_0/Q8_0 weights; <see cref="PackedActivations.F32"/> keeps x in f32 and
    /// widens the weights instead (exact to f32 rounding; slower). The environment variable
    /// <c>PRUNEVID_PACKED_ACTIVATIONS=f32</c> selects F32. It decides the layout a packed weight gets when it is stored,
    /// so set it before loading a model; tensors already stored keep theirs.
    /// </summary>
    public PackedActivations PackedActivations
    {
        get => _packedActivations ?? PackedActivationsByDefault(Environment.GetEnvironmentVariable("PRUNEVID_PACKED_ACTIVATIONS"));
        set
        {
            if (value == PackedActivations.Int8 && !IntegerDotMatMul.IsSupported)
                throw new InvalidOperationException("Int8 activations need the integer dot-product kernel, which needs AVX-512BW; this processor lacks it.");
            _packedActivations = value;
        }
    }

    /// <summary>
    /// The default of <see cref="PackedActivations"/>: Int8 where the kernel runs, unless <paramref name="environmentSetting"/>
    /// (the value of <c>PRUNEVID_PACKED_ACTIVATIONS</c>) is <c>f32</c>.
    /// </summary>
    public static PackedActivations PackedActivationsByDefault(string? environmentSetting) =>
        IntegerDotMatMul.IsSupported && !string.Equals(environmentSetting, "f32", StringComparison.OrdinalIgnoreCase) ? PackedActivations.Int8 : PackedActivations.F32;

    /// <inheritdoc />
    /// <remarks>
    /// With int8 activations the matrix is reordered into 16-row tiles (the same bytes; the row-major copy is dropped);
    /// otherwise it is kept as it is.
    /// </remarks>
    private protected override Tensor FromQuantizedCore(QuantizedMatrix matrix)
    {
        Counters.CountAllocation(matrix.ByteCount);
        return PackedActivations == PackedActivations.Int8
            ? new CpuQuantizedTensor(this, QuantizedDType(matrix), QuantizedTiles.From(matrix))
            : new CpuQuantizedTensor(this, QuantizedDType(matrix), matrix);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Tiles: <see cref="IntegerDotMatMul"/> for every M. Row-major: <see cref="CpuQuantizedGemv"/> for decode-shaped
    /// calls (M ≤ 8), <see cref="CpuQuantizedGemm"/> for the rest.
    /// </remarks>
    private protected override void QuantizedMatMulCore(Tensor x, Tensor w, Tensor? bias, Tensor y, int m, bool accumulate)
    {
        CpuTensor tx = (CpuTensor)x, ty = (CpuTensor)y;
        CpuQuantizedTensor tw = (CpuQuantizedTensor)w;
        ReadOnlySpan<float> b = bias is null ? default : ((CpuTensor)bias).F32;
        if (tw.Tiles is { } tiles) IntegerDotMatMul.Run(tx.F32, tiles, b, ty.F32, m, accumulate);
        else if (m <= CpuQuantizedGemv.MaxRows) CpuQuantizedGemv.Run(tx.F32, tw.Matrix!, b, ty.F32, m, accumulate);
        else CpuQuantizedGemm.Run(tx.F32, tw.Matrix!, b, ty.F32, m, accumulate);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Tiled weights sharing x's rounding (a layer's q/k/v or gate/up): <see cref="IntegerDotMatMul.RunProducts"/>,
    /// one rounding of x and one loop over every projection's tiles; otherwise one multiply each.
    /// </remarks>
    private protected override void QuantizedProjectCore(Tensor x, ReadOnlySpan<Projection> projections, int m)
    {
        QuantizedTiles? w0 = Tiles(projections[0]), w1 = projections.Length > 1 ? Tiles(projections[1]) : null;
        QuantizedTiles? w2 = projections.Length > 2 ? Tiles(projections[2]) : null;
        bool fused = w0 is not null && w1 is not null && IntegerDotMatMul.CanShareActivations(w0, w1)
            && (projections.Length == 2 || (w2 is not null && IntegerDotMatMul.CanShareActivations(w0, w2)));
        if (!fused)
        {
            base.QuantizedProjectCore(x, projections, m);
            return;
        }
        Projection p0 = projections[0], p1 = projections[1], p2 = w2 is null ? default : projections[2];
        IntegerDotMatMul.RunProducts(((CpuTensor)x).F32, m,
            w0!, BiasOf(p0), OutputOf(p0),
            w1!, BiasOf(p1), OutputOf(p1),
            w2, w2 is null ? default : BiasOf(p2), w2 is null ? default : OutputOf(p2));

        static QuantizedTiles? Tiles(Projection p) => ((CpuQuantizedTensor)p.Weight).Tiles;
        static ReadOnlySpan<float> BiasOf(Projection p) => p.Bias is null ? default : ((CpuTensor)p.Bias).F32;
        static Span<float> OutputOf(Projection p) => ((CpuTensor)p.Output).F32;
    }

    /// <inheritdoc />
    private protected override void QuantizedEmbeddingCore(Tensor table, Tensor ids, Tensor y)
    {
        CpuQuantizedTensor tt = (CpuQuantizedTensor)table;
        if (tt.Tiles is { } tiles) QuantizedEmbedding.Run(tiles, ((CpuTensor)ids).I32, ((CpuTensor)y).F32);
        else QuantizedEmbedding.Run(tt.Matrix!, ((CpuTensor)ids).I32, ((CpuTensor)y).F32);
    }
}

/// <summary>What the Cpu backend does with the input of a matrix multiply with packed weights.</summary>
public enum PackedActivations
{
    /// <summary>Rounded to int8 per 32-column block; integer dot products (fast).</summary>
    Int8,
    /// <summary>Kept in f32; the weights are widened instead (exact to f32 rounding).</summary>
    F32,
}
