// PruneVid.NET — kernel lab and end-to-end benchmarks.
using System.Diagnostics;
using System.Globalization;
using PruneVid.Compute;
using PruneVid.Kernels;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Strategies;

namespace PruneVid.Bench;

/// <summary>
/// PruneVid Stage 1 on a 7B-shaped video (16 temporal steps × 16×16 tokens × 3584 channels): time per call on the
/// best backend (CUDA when present) and on the Cpu backend (the references), after a warm-up call that pays for JIT
/// and kernel compilation. Both runs reduce the same tokens, so the device result is also checked against the
/// references (token count, segment sizes, positions, max |Δ| of the merged features). Each backend also prints the
/// counters of one warm call (docs/compute-backends.md, "Counters").
/// Options: <c>--frames N --height N --width N --channels N --iterations N --params "tau=…" --cpu-accelerator</c>.
/// </summary>
public static class Stage1Benchmark
{
    /// <summary>Runs the benchmark; returns 0, or 1 when the device result differs from the references.</summary>
    public static int Run(string[] args)
    {
        int frames = BenchOptions.Int(args, "--frames", 16), height = BenchOptions.Int(args, "--height", 16), width = BenchOptions.Int(args, "--width", 16);
        int channels = BenchOptions.Int(args, "--channels", 3584), iterations = BenchOptions.Int(args, "--iterations", 3);
        string parameters = BenchOptions.Text(args, "--params") ?? "dpc_knn_k=7";
        var grid = new VideoGrid(frames, height, width);
        float[] features = SyntheticVideo(grid, channels, seed: 1);
        Console.WriteLine($"Stage 1 benchmark: {frames} x {height}x{width} tokens x {channels} channels ({grid.Tokens} tokens), prunevid-stage1 {parameters}");

        // --cpu-accelerator runs the same kernels on ILGPU's CPU accelerator instead of CUDA (slow: a thread simulator).
        using KernelRuntime? runtime = args.Contains("--cpu-accelerator") ? KernelRuntime.CreateCpu() : KernelRuntime.TryCreateCuda();
        Measurement? device = null;
        if (runtime is not null)
        {
            using var kernels = new IlgpuBackend(runtime);
            device = Measure(kernels, runtime.Name, grid, features, channels, parameters, iterations);
        }
        else
        {
            Console.WriteLine("  no CUDA device: only the Cpu backend is measured (--cpu-accelerator runs the kernels on ILGPU's CPU accelerator)");
        }
        using var cpu = new CpuBackend();
        Measurement host = Measure(cpu, Environment.ProcessorCount + " CPU cores", grid, features, channels, parameters, iterations);
        if (device is null) return 0;

        bool same = device.Counts.SequenceEqual(host.Counts) && device.Positions.SequenceEqual(host.Positions) && device.Features.Length == host.Features.Length;
        float worst = 0;
        if (same) for (int i = 0; i < host.Features.Length; i++) worst = MathF.Max(worst, MathF.Abs(host.Features[i] - device.Features[i]));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  parity (device vs references): segments and positions {(same ? "identical" : "DIFFER")}, max |Δ| features {worst:E2}; speed-up {host.Milliseconds / device.Milliseconds:F1}x"));
        if (!same) Console.WriteLine(DescribeDifference(device, host));
        return same && worst <= 1e-4f ? 0 : 1;
    }

    /// <summary>Where the device result first departs from the references (segments, then token positions).</summary>
    private static string DescribeDifference(Measurement device, Measurement host)
    {
        string counts = device.Counts.SequenceEqual(host.Counts)
            ? "segment sizes equal"
            : $"segment (frames, static, dynamic) device [{string.Join(",", device.Counts)}] vs references [{string.Join(",", host.Counts)}]";
        int n = Math.Min(device.Positions.Length, host.Positions.Length), first = 0, differing = 0;
        for (int i = 0; i < n; i++)
            if (device.Positions[i] != host.Positions[i]) { if (differing++ == 0) first = i; }
        string positions = differing == 0
            ? "positions equal"
            : $"{differing} of {n} output positions differ, first at output {first}: device {device.Positions[first]} vs references {host.Positions[first]}";
        return $"  difference: {counts}; {positions}";
    }

    private sealed record Measurement(double Milliseconds, int[] Counts, TokenPosition[] Positions, float[] Features);

    private static Measurement Measure(ComputeBackend backend, string device, VideoGrid grid, float[] features, int channels, string parameters, int iterations)
    {
        using Tensor input = backend.FromF32(features, grid.Tokens, channels);
        var video = new VideoTokens(input, grid, RasterPositions(grid));
        ITokenReducer reducer = TokenReducerRegistry.Create("prunevid-stage1", parameters);
        var context = new ReductionContext(new ReducerModelInfo(channels, LanguageModelLayers: 28)); // 7B-shaped: its 28 decoder layers

        var warm = Stopwatch.StartNew();
        TokenReduction result = reducer.Reduce(video, context);
        backend.Synchronize();
        double warmMs = warm.Elapsed.TotalMilliseconds;
        float[] output = new float[result.Embeddings.Length];
        backend.CopyToHost(result.Embeddings, output);
        int[] counts = result.Segments.SelectMany(s => new[] { s.Frames, s.StaticTokens, s.DynamicTokens }).ToArray();
        TokenPosition[] positions = result.Positions.ToArray();
        result.Embeddings.Dispose();

        var times = new List<double>();
        CounterSnapshot? counters = null;
        for (int i = 0; i < iterations; i++)
        {
            CounterSnapshot before = backend.Counters.Snapshot();
            var watch = Stopwatch.StartNew();
            TokenReduction r = reducer.Reduce(video, context);
            backend.Synchronize(); // the result is ready on the device before the clock stops
            times.Add(watch.Elapsed.TotalMilliseconds);
            counters ??= backend.Counters.Snapshot() - before; // one warm Stage-1 call, the closing wait included
            r.Embeddings.Dispose();
        }
        double best = times.Count == 0 ? warmMs : times.Min(), mean = times.Count == 0 ? warmMs : times.Average();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {backend.Name,-10} on {device}: {best:F1} ms best, {mean:F1} ms mean of {times.Count} (first call {warmMs:F0} ms); tokens {grid.Tokens} -> {result.Count} in {result.Segments.Count} segments"));
        if (counters is { } one) Console.WriteLine($"  counters stage1-call ({backend.Name}): {one}");
        return new Measurement(best, counts, positions, output);
    }

    /// <summary>
    /// Positions of a raster grid as HF <c>get_rope_index</c> gives them: (offset + t·step, offset + h, offset + w)
    /// with <paramref name="temporalStep"/> = floor(second_per_grid_t · tokens_per_second) ids per temporal step.
    /// </summary>
    internal static TokenPosition[] RasterPositions(VideoGrid grid, int temporalStep = 1, int offset = 0)
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
    /// Four scenes; in each, a third of the positions barely move (static) and the rest are fresh noise every frame,
    /// so both the temporal merge and the per-frame DPC-KNN merges do real work.
    /// </summary>
    internal static float[] SyntheticVideo(VideoGrid grid, int channels, int seed)
    {
        var rng = new Random(seed);
        int p = grid.TokensPerFrame;
        int scenes = Math.Max(1, Math.Min(4, grid.T / 2));
        float[][] backgrounds = Enumerable.Range(0, scenes)
            .Select(_ => Enumerable.Range(0, p * channels).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToArray();
        float[] data = new float[(long)grid.Tokens * channels];
        for (int t = 0; t < grid.T; t++)
        {
            float[] background = backgrounds[Math.Min(scenes - 1, t * scenes / Math.Max(1, grid.T))];
            for (int i = 0; i < p * channels; i++)
            {
                bool isStatic = (i / channels) % 3 == 0;
                float noise = (float)(rng.NextDouble() * 2 - 1);
                data[(long)t * p * channels + i] = isStatic ? background[i] + 0.05f * noise : noise;
            }
        }
        return data;
    }
}
