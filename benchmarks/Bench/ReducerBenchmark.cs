// PruneVid.NET — kernel lab and end-to-end benchmarks.
using System.Diagnostics;
using System.Globalization;
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Strategies;

namespace PruneVid.Bench;

/// <summary>
/// Every registered reducer (or those named with <c>--reducers a,b</c>) on one 7B-shaped video (16 temporal steps ×
/// 16×16 tokens × 3584 channels) on the Cpu backend: best and mean time per call after a warm-up call, tokens kept,
/// and the time as a ratio to <c>prunevid-stage1</c> measured in the same run (the anchor). Reducers that score with
/// vision signals get synthetic ones (positive, each step summing to 1); computing the real ones is part of the vision
/// encode, not of the reducer. Options: <c>--frames N --height N --width N --channels N --iterations N --reducers …</c>.
/// </summary>
public static class ReducerBenchmark
{
    private const string Anchor = "prunevid-stage1";

    /// <summary>Runs the benchmark; returns 0.</summary>
    public static int Run(string[] args)
    {
        int frames = BenchOptions.Int(args, "--frames", 16), height = BenchOptions.Int(args, "--height", 16), width = BenchOptions.Int(args, "--width", 16);
        int channels = BenchOptions.Int(args, "--channels", 3584), iterations = BenchOptions.Int(args, "--iterations", 3);
        string[] names = BenchOptions.Text(args, "--reducers")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            ?? TokenReducerRegistry.All.Select(d => d.Name).ToArray();
        if (!names.Contains(Anchor)) names = [Anchor, .. names];
        var grid = new VideoGrid(frames, height, width);
        float[] features = Stage1Benchmark.SyntheticVideo(grid, channels, seed: 1);
        Console.WriteLine($"Reducer benchmark: {frames} x {height}x{width} tokens x {channels} channels ({grid.Tokens} tokens), Cpu backend, {Environment.ProcessorCount} cores");

        using var cpu = new CpuBackend();
        using Tensor input = cpu.FromF32(features, grid.Tokens, channels);
        var results = names.Select(name => (name, Measure(cpu, input, grid, channels, name, iterations))).ToArray();
        double anchor = results.Single(r => r.name == Anchor).Item2.Best;
        Console.WriteLine($"  {"reducer",-18} {"tokens",12} {"best ms",10} {"mean ms",10} {"vs " + Anchor,20}");
        foreach (var (name, m) in results)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {name,-18} {grid.Tokens + "->" + m.Kept,12} {m.Best,10:F1} {m.Mean,10:F1} {m.Best / anchor,19:F2}x"));
        return 0;
    }

    private sealed record Measurement(double Best, double Mean, int Kept);

    private static Measurement Measure(ComputeBackend backend, Tensor input, VideoGrid grid, int channels, string name, int iterations)
    {
        ITokenReducer reducer = TokenReducerRegistry.Create(name);
        var video = new VideoTokens(input, grid, Stage1Benchmark.RasterPositions(grid), SyntheticSignals(reducer, grid));
        var context = new ReductionContext(new ReducerModelInfo(channels, LanguageModelLayers: 28)); // 7B-shaped: its 28 decoder layers
        TokenReduction first = reducer.Reduce(video, context); // warm-up: JIT
        int kept = first.Count;
        if (first.OwnsEmbeddings) first.Embeddings.Dispose();
        var times = new List<double>();
        for (int i = 0; i < Math.Max(1, iterations); i++)
        {
            var watch = Stopwatch.StartNew();
            TokenReduction r = reducer.Reduce(video, context);
            backend.Synchronize();
            times.Add(watch.Elapsed.TotalMilliseconds);
            if (r.OwnsEmbeddings) r.Embeddings.Dispose();
        }
        return new Measurement(times.Min(), times.Average(), kept);
    }

    private static VisionSignals? SyntheticSignals(ITokenReducer reducer, VideoGrid grid)
    {
        if (reducer is not IRequestsVisionSignals wants || wants.VisionSignals.Count == 0) return null;
        var rng = new Random(7);
        int p = grid.TokensPerFrame;
        var values = new Dictionary<VisionSignalRequest, float[]>();
        foreach (VisionSignalRequest request in wants.VisionSignals)
        {
            float[] v = Enumerable.Range(0, grid.Tokens).Select(_ => (float)rng.NextDouble() + 0.01f).ToArray();
            for (int t = 0; t < grid.T; t++)
            {
                float sum = 0;
                for (int i = t * p; i < (t + 1) * p; i++) sum += v[i];
                for (int i = t * p; i < (t + 1) * p; i++) v[i] /= sum;
            }
            values[request] = v;
        }
        return new VisionSignals(values);
    }
}
