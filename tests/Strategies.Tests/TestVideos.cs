// PruneVid.NET — test support.
using PruneVid.Compute;

namespace PruneVid.Strategies.Tests;

/// <summary>Synthetic video tokens for reducer tests.</summary>
internal static class TestVideos
{
    /// <summary>Decoder layers the tests' model has (Qwen2.5-VL-7B's, so the papers' layers exist).</summary>
    public const int LanguageModelLayers = 28;

    /// <summary>The model numbers the tests pass (width is taken from the tokens).</summary>
    public static ReductionContext Context(int channels, Action<string>? log = null) => new(new ReducerModelInfo(channels, LanguageModelLayers), log);

    /// <summary>
    /// Positions of a raster grid as HF <c>get_rope_index</c> gives them: (offset + t·step, offset + h, offset + w)
    /// with <paramref name="temporalStep"/> = floor(second_per_grid_t · tokens_per_second) ids per temporal step.
    /// </summary>
    public static TokenPosition[] RasterPositions(VideoGrid grid, int temporalStep = 1, int offset = 0)
    {
        grid.Validate();
        var positions = new TokenPosition[grid.Tokens];
        int i = 0;
        for (int t = 0; t < grid.T; t++)
            for (int h = 0; h < grid.H; h++)
                for (int w = 0; w < grid.W; w++)
                    positions[i++] = new TokenPosition(offset + t * temporalStep, offset + h, offset + w);
        return positions;
    }

    /// <summary>
    /// Random tokens on a grid with a few "scenes" and partly static content, positions as HF gives them
    /// (temporal step 2, offset 5) so positions differ from row indices.
    /// </summary>
    public static VideoTokens Random(ComputeBackend backend, VideoGrid grid, int channels, int seed)
    {
        var rng = new Random(seed);
        int p = grid.TokensPerFrame;
        float[] background = Enumerable.Range(0, p * channels).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] data = new float[grid.Tokens * channels];
        for (int t = 0; t < grid.T; t++)
        {
            float sceneShift = t < grid.T / 2 ? 0f : 0.8f;
            for (int i = 0; i < p * channels; i++)
            {
                bool staticPosition = (i / channels) % 3 == 0;
                float noise = (float)(rng.NextDouble() * 2 - 1) * (staticPosition ? 0.05f : 1f);
                data[t * p * channels + i] = background[i] + sceneShift + noise;
            }
        }
        Tensor embeddings = backend.FromF32(data, grid.Tokens, channels);
        return new VideoTokens(embeddings, grid, TestVideos.RasterPositions(grid, temporalStep: 2, offset: 5));
    }

    /// <summary>
    /// <paramref name="video"/> with synthetic values for every vision signal <paramref name="reducer"/> requests (none
    /// when it requests none): positive, each temporal step's values summing to 1, seeded.
    /// </summary>
    public static VideoTokens WithRequestedSignals(VideoTokens video, ITokenReducer reducer, int seed = 11)
    {
        if (reducer is not IRequestsVisionSignals wants || wants.VisionSignals.Count == 0) return video;
        var rng = new Random(seed);
        var values = new Dictionary<VisionSignalRequest, float[]>();
        int p = Math.Max(video.Grid.TokensPerFrame, 1);
        foreach (VisionSignalRequest request in wants.VisionSignals)
        {
            float[] v = Enumerable.Range(0, video.Count).Select(_ => (float)rng.NextDouble() + 0.01f).ToArray();
            for (int t = 0; t < video.Grid.T; t++)
            {
                float sum = v.AsSpan(t * p, p).ToArray().Sum();
                for (int i = t * p; i < (t + 1) * p; i++) v[i] /= sum;
            }
            values[request] = v;
        }
        return new VideoTokens(video.Embeddings, video.Grid, video.Positions, new VisionSignals(values));
    }

    /// <summary>Downloads a tensor.</summary>
    public static float[] Host(Tensor tensor)
    {
        float[] data = new float[tensor.Length];
        if (data.Length > 0) tensor.Backend.CopyToHost(tensor, data);
        return data;
    }
}
