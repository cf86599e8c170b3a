// PruneVid.NET — token-reduction contract.
namespace PruneVid.Strategies;

/// <summary>
/// The mean token of every temporal step of a raster video on the host, the one place reducers average a frame
/// (PruneVid Stage 1's frame descriptors, FastVID's frame features; the device computes the same sums in row order
/// as <c>RowMeans</c>).
/// </summary>
public static class FrameMeans
{
    /// <summary>
    /// Per step t of <paramref name="embeddings"/> [steps · tokensPerStep, channels], the f64 mean of its
    /// <paramref name="tokensPerStep"/> rows, summed in row order: [steps, channels], unrounded so a caller that
    /// normalises does it before rounding to f32.
    /// </summary>
    public static double[] Compute(ReadOnlySpan<float> embeddings, int steps, int tokensPerStep, int channels)
    {
        if (steps < 0 || tokensPerStep < 0 || channels < 0)
            throw new ArgumentOutOfRangeException(nameof(steps), $"negative frame shape [{steps}, {tokensPerStep}, {channels}]");
        if (embeddings.Length != (long)steps * tokensPerStep * channels)
            throw new ArgumentException($"frame means expect {steps}x{tokensPerStep}x{channels} values, got {embeddings.Length}", nameof(embeddings));
        var means = new double[steps * channels];
        for (int t = 0; t < steps; t++)
        {
            Span<double> sum = means.AsSpan(t * channels, channels);
            for (int p = 0; p < tokensPerStep; p++)
            {
                ReadOnlySpan<float> x = embeddings.Slice((t * tokensPerStep + p) * channels, channels);
                for (int c = 0; c < channels; c++) sum[c] += x[c];
            }
            for (int c = 0; c < channels; c++) sum[c] /= tokensPerStep;
        }
        return means;
    }
}
