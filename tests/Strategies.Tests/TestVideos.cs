// PruneVid.NET — test support.
using PruneVid.Compute;

namespace PruneVid.Strategies.Tests;

/// <summary>Synthetic video tokens for reducer tests.</summary>
internal static class TestVideos
{
    /// <summary>The model numbers the tests pass (width is taken from the tokens).</summary>
    public static ReductionContext Context(int channels, Action<string>? log = null) => new(new ReducerModelInfo(channels), log);

    /// <summary>
    /// Random tokens on a grid with a few "scenes" and partly static content, positions as HF gives them
    /// (temporal step 2, offset 5) so positions differ from row indices.
    /// </summary>
    public static VideoTokens Random(IComputeBackend backend, VideoGrid grid, int channels, int seed)
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
        return new VideoTokens(embeddings, grid, VideoTokens.RasterPositions(grid, temporalStep: 2, offset: 5));
    }

    /// <summary>Downloads a tensor.</summary>
    public static float[] Host(Tensor tensor)
    {
        float[] data = new float[tensor.Length];
        if (data.Length > 0) tensor.Backend.CopyToHost(tensor, data);
        return data;
    }
}
