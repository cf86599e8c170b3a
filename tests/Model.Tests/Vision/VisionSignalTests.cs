// PruneVid.NET — model tests.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Runtime.Model.Vision;
using PruneVid.Strategies;
using Xunit;

namespace PruneVid.Model.Tests.Vision;

/// <summary>
/// Vision signals computed during an encode, on the tiny checkpoint: asking for them leaves the embeddings unchanged,
/// each has one value per merged token, the frame saliency of every step sums to 1, the column sums add up to
/// heads × patches (each query's softmax sums to 1), and a two-clip call gives each clip its own signals.
/// </summary>
public sealed class VisionSignalTests(TinyVisionReference reference) : IClassFixture<TinyVisionReference>
{
    private static readonly VisionSignalRequest ColumnSums = new(VisionSignalKind.AttentionColumnSums, -2);

    [Fact]
    public void SignalsComeFromTheSameEncodeWithoutChangingIt()
    {
        using var backend = new CpuBackend();
        using var encoder = new VisionEncoder(backend, reference.Config.Vision, reference.Weights);
        using Tensor pixels = backend.FromF32(reference.PixelValues, reference.PixelValues.Length / reference.Config.Vision.PatchVectorLength, reference.Config.Vision.PatchVectorLength);
        float[] plain = Download(encoder.Encode(pixels, [reference.Grid]));
        float[] withSignals = Download(encoder.Encode(pixels, [reference.Grid], [VisionSignalRequest.LastBlockSaliency, ColumnSums], out VisionSignals signals));
        Assert.Equal(plain, withSignals);

        var (t, h, w) = reference.Grid;
        int perStep = h / 2 * (w / 2), units = t * perStep, patches = t * h * w;
        Assert.Equal(units, signals.Count);
        float[] saliency = signals.Get(VisionSignalRequest.LastBlockSaliency).ToArray();
        Assert.All(saliency, v => Assert.True(v > 0));
        for (int s = 0; s < t; s++) Assert.Equal(1.0, saliency.AsSpan(s * perStep, perStep).ToArray().Sum(v => (double)v), 1e-5);
        double total = signals.Get(ColumnSums).ToArray().Sum(v => (double)v);
        Assert.Equal(reference.Config.Vision.NumHeads * (double)patches, total, patches * 1e-4);

        // Two clips in one call: each clip's slice equals the single-call signals.
        float[] twice = [.. reference.PixelValues, .. reference.PixelValues];
        using Tensor both = backend.FromF32(twice, 2 * pixels.Rows, pixels.RowLength);
        encoder.Encode(both, [reference.Grid, reference.Grid], [VisionSignalRequest.LastBlockSaliency], out VisionSignals pair).Dispose();
        Assert.Equal(saliency, pair.Slice(units, units).Get(VisionSignalRequest.LastBlockSaliency).ToArray(), new ToleranceComparer(1e-6f));
        Assert.Equal(saliency, pair.Slice(0, units).Get(VisionSignalRequest.LastBlockSaliency).ToArray(), new ToleranceComparer(1e-6f));
    }

    [Fact]
    public void ABlockOutsideTheTowerIsNamedInTheError()
    {
        using var backend = new CpuBackend();
        using var encoder = new VisionEncoder(backend, reference.Config.Vision, reference.Weights);
        using Tensor pixels = backend.FromF32(reference.PixelValues, reference.PixelValues.Length / reference.Config.Vision.PatchVectorLength, reference.Config.Vision.PatchVectorLength);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            encoder.Encode(pixels, [reference.Grid], [new VisionSignalRequest(VisionSignalKind.AttentionColumnSums, 99)], out _));
        Assert.Contains($"{reference.Config.Vision.Depth} blocks", error.Message);
    }

    private static float[] Download(Tensor tensor)
    {
        using (tensor)
        {
            float[] data = new float[tensor.Length];
            tensor.Backend.CopyToHost(tensor, data);
            return data;
        }
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => MathF.Abs(x - y) <= tolerance;
        public int GetHashCode(float obj) => 0;
    }
}
