// PruneVid.NET — end-to-end model benchmark with synthetic Qwen2.5-VL-shaped weights.
using System.Diagnostics;
using System.Globalization;
using PruneVid.Compute;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model.Text;
using PruneVid.Runtime.Model.Vision;
using PruneVid.Runtime.Pipeline;

namespace PruneVid.Bench;

/// <summary>
/// <c>bench model [--shape 7b|3b|tiny] [--frames 16] [--size 448] [--decode 64] [--device auto] [--iterations 3]</c>:
/// builds a Qwen2.5-VL of the published shape with seeded random bf16 weights in memory (outputs are meaningless;
/// only time is measured), then times the vision tower, the LLM prefill of the whole prompt and batch-1 decode. Each
/// measurement follows a warm-up run (JIT and kernel compilation) and ends with a device synchronisation. The HF
/// transformers numbers it prints as anchors were measured on an NVIDIA H200 (bf16, SDPA): compare ratios only on
/// that card. Next to the timings it prints the device counters of the load, prefill and decode phases and of one
/// decode step after warm-up (<c>counters decode-step: …</c>; docs/compute-backends.md, "Decode budget").
/// </summary>
public static class ModelBenchmark
{
    // HF transformers 5.17 on an H200, 7B shape, 16 frames at 448² (2076-token prompt).
    private const double HfVisionMs = 182, HfPrefillMs = 55.5, HfDecodeTokensPerSecond = 47.2;

    public static int Run(string[] args)
    {
        string shape = BenchOptions.Text(args, "--shape") ?? "7b";
        int frames = BenchOptions.Int(args, "--frames", 16), size = BenchOptions.Int(args, "--size", 448), decode = BenchOptions.Int(args, "--decode", 64);
        int iterations = BenchOptions.Int(args, "--iterations", 3);
        var device = BackendFactory.Parse(BenchOptions.Text(args, "--device") ?? "auto");
        if (frames % 2 != 0 || size % 28 != 0) { Console.Error.WriteLine("--frames must be even and --size a multiple of 28"); return 2; }

        var config = Qwen25VLConfig.Parse(SyntheticModel.ConfigJson(shape), $"synthetic {shape}");
        var clock = Stopwatch.StartNew();
        using var weights = SyntheticModel.RandomWeights(config, seed: 1);
        Console.WriteLine($"model: synthetic Qwen2.5-VL {shape} ({SyntheticModel.ParameterCount(config) / 1e9:F2} B parameters), weights built in {clock.Elapsed.TotalSeconds:F1} s");

        using ComputeBackend backend = BackendFactory.Create(device);
        CounterSnapshot beforeLoad = backend.Counters.Snapshot();
        clock.Restart();
        using var vision = new VisionEncoder(backend, config.Vision, weights);
        using var text = new TextModel(backend, config, weights);
        backend.Synchronize();
        Console.WriteLine($"device: {backend.Name}; upload {clock.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine($"counters load: {backend.Counters.Snapshot() - beforeLoad}");

        // Vision: frames/2 temporal steps of (size/14)² patches.
        int gh = size / 14, steps = frames / 2, patches = steps * gh * gh;
        var grid = (steps, gh, gh);
        var pixels = new float[patches * 1176L];
        var rng = new Random(2);
        for (long i = 0; i < pixels.LongLength; i++) pixels[i] = (float)(rng.NextDouble() * 4 - 2);
        using Tensor pixelTensor = backend.FromF32(pixels, patches, 1176);
        Tensor? embeds = null;
        double visionMs = Time(backend, iterations, () => { embeds?.Dispose(); embeds = vision.Encode(pixelTensor, [grid]); });
        int videoTokens = embeds!.Rows;

        // Prompt: the chat template around one video (fixed prefix/suffix lengths of the real template).
        int[] prefix = [151644, 8948, 198, 2610, 525, 264, 10950, 17847, 13, 151645, 198, 151644, 872, 198, config.VisionStartTokenId];
        int[] suffix = [config.VisionEndTokenId, 3838, 374, 12482, 304, 419, 2766, 30, 151645, 198, 151644, 77091, 198];
        int[] ids = [.. prefix, .. Enumerable.Repeat(config.VideoTokenId, videoTokens), .. suffix];
        for (int i = 0; i < ids.Length; i++) ids[i] = Math.Min(ids[i], config.Text.VocabSize - 1);
        var prompt = new TextPrompt(ids, [MediaItem.Video(steps, gh, gh, 2, 1.0, config.Vision.TokensPerSecond)], VideoEmbeds: embeds);
        var generator = new TextGenerator(text);
        double prefillMs = Time(backend, iterations, () =>
        {
            var (sequence, normed, _) = generator.Prefill(prompt, 1);
            normed.Dispose();
            sequence.Dispose();
        });

        CounterSnapshot beforePrefill = backend.Counters.Snapshot();
        var (once, onceNormed, _) = generator.Prefill(prompt, 1);
        onceNormed.Dispose();
        once.Dispose();
        CounterSnapshot prefillCounters = backend.Counters.Snapshot() - beforePrefill;

        // Decode: the generator's greedy loop (argmax on the device, the id downloaded each step as in real streaming).
        // Tokens 1..warm come from prefill and warm-up steps; the timed steps are the `decode` after them.
        const int warm = 3;
        var stamps = new List<(long Ticks, CounterSnapshot Counters)>();
        var greedy = new SamplingOptions { MaxNewTokens = decode + warm };
        generator.Generate(prompt, greedy, _ => stamps.Add((Stopwatch.GetTimestamp(), backend.Counters.Snapshot())));
        double decodeSeconds = Stopwatch.GetElapsedTime(stamps[warm - 1].Ticks, stamps[^1].Ticks).TotalSeconds;
        CounterSnapshot decodeCounters = stamps[^1].Counters - stamps[warm - 1].Counters;
        CounterSnapshot stepCounters = stamps[warm].Counters - stamps[warm - 1].Counters;
        embeds.Dispose();

        double tokPerS = decode / decodeSeconds;
        double gbPerS = SyntheticModel.LanguageModelBytes(config) * tokPerS / 1e9;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"vision  {frames} frames {size}x{size} ({patches} patches -> {videoTokens} tokens): {visionMs:F1} ms{Anchor(shape, frames, size, HfVisionMs / visionMs)}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"prefill {ids.Length} tokens: {prefillMs:F1} ms ({ids.Length / prefillMs * 1000:F0} tok/s){Anchor(shape, frames, size, HfPrefillMs / prefillMs)}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"decode  {decode} tokens: {tokPerS:G4} tok/s, {gbPerS:F0} GB/s of LLM weights{Anchor(shape, frames, size, tokPerS / HfDecodeTokensPerSecond)}"));
        Console.WriteLine($"counters prefill: {prefillCounters}");
        Console.WriteLine($"counters decode ({decode} steps): {decodeCounters}");
        Console.WriteLine($"counters decode-step: {stepCounters}");
        return 0;
    }

    /// <summary>Speed-up over the HF H200 anchor, printed only for the shape those anchors were measured on.</summary>
    private static string Anchor(string shape, int frames, int size, double speedup) =>
        shape == "7b" && frames == 16 && size == 448
            ? string.Create(CultureInfo.InvariantCulture, $"  [{speedup:F2}x HF transformers on H200 — valid only if this ran on an H200]")
            : "";

    /// <summary>Best wall time of <paramref name="iterations"/> runs after a warm-up, each ending with a device synchronisation.</summary>
    internal static double Time(ComputeBackend backend, int iterations, Action run)
    {
        run(); // warm-up: JIT and kernel compilation
        backend.Synchronize();
        var best = double.MaxValue;
        for (int i = 0; i < iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            run();
            backend.Synchronize();
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }
        return best;
    }
}
