// PruneVid.NET — benchmarks: decode steps of several sequences at once against one sequence, same model, same run.
using System.Diagnostics;
using System.Globalization;
using PruneVid.Compute;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Pipeline;
using PruneVid.Runtime.Model.Text;

namespace PruneVid.Bench;

/// <summary>
/// <c>Bench decode-batch [--shape 3b|7b|tiny] [--layers 4] [--batch 1,2,4,8,16] [--steps 8] [--device cpu] [--profile]</c>: the
/// language model of a published shape (its first <c>--layers</c> layers, the full vocabulary, seeded random bf16
/// weights) decodes M sequences together (<see cref="DecodeBatch"/>) for each M, short prompts of different lengths,
/// and prints the time of a step and the aggregate tokens per second, as a ratio to M = 1 in the same run (the anchor).
/// Decode streams every weight once per step, so the ratio shows how much of a step the batch shares. The process's
/// CPU time per step (all threads) is printed beside the wall time: on a shared machine it counts the work done
/// rather than the time spent waiting for a core. <c>--profile</c> adds each batch size's slowest ops (wall ms per step).
/// </summary>
internal static class DecodeBatchBenchmark
{
    public static int Run(string[] args)
    {
        string shape = BenchOptions.Text(args, "--shape") ?? "3b";
        int layers = BenchOptions.Int(args, "--layers", 4), steps = BenchOptions.Int(args, "--steps", 8);
        int[] batches = [.. (BenchOptions.Text(args, "--batch") ?? "1,2,4,8,16").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
        var full = Qwen25VLConfig.Parse(SyntheticModel.ConfigJson(shape), $"synthetic {shape}");
        var config = full with { Text = full.Text with { NumHiddenLayers = Math.Min(layers, full.Text.NumHiddenLayers) } };
        var weights = new InMemoryWeights(config.Text.TieWordEmbeddings, $"synthetic {shape}, {config.Text.NumHiddenLayers} layers");
        var specs = WeightManifest.For(config);
        for (int i = 0; i < specs.Count; i++)
            if (!specs[i].Name.StartsWith("visual.", StringComparison.Ordinal))
                weights.Add(WeightTensor.FromBf16(specs[i].Name, specs[i].Shape, SyntheticModel.RandomTensor(specs[i], i, seed: 3)));
        using ComputeBackend backend = BackendFactory.Create(BackendFactory.Parse(BenchOptions.Text(args, "--device") ?? "cpu"));
        using var model = new TextModel(backend, config, weights);
        var generator = new TextGenerator(model);
        Console.WriteLine($"decode-batch: synthetic {shape}, {config.Text.NumHiddenLayers} layers, vocab {config.Text.VocabSize}, {backend.Name}, " +
                          $"{steps} steps per batch size, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine($"{"batch",5} {"ms/step",9} {"tok/s",9} {"vs batch 1",11} {"cpu ms/step",12} {"cpu vs 1",9}");
        double? anchor = null, cpuAnchor = null;
        using var process = Process.GetCurrentProcess();
        bool profile = args.Contains("--profile");
        foreach (int m in batches)
        {
            var options = new SamplingOptions { MaxNewTokens = steps + 2, EosTokenIds = [] };
            var sequences = new List<TextSequence>();
            using var batch = new DecodeBatch(model, m);
            try
            {
                for (int s = 0; s < m; s++)
                {
                    int[] prompt = [.. Enumerable.Range(0, 4 + s % 5).Select(j => 100 + 7 * s + j)];
                    var (sequence, normed, _) = generator.Prefill(new TextPrompt(prompt, []), options.MaxNewTokens);
                    sequences.Add(sequence);
                    using (normed) batch.Join(sequence, normed, options);
                }
                batch.Step(); // warm-up: the batch's step tensors, the JIT
                backend.Synchronize();
                if (profile) backend.Profile = new OpProfile();
                process.Refresh();
                TimeSpan cpuStart = process.TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < steps; i++) batch.Step();
                backend.Synchronize();
                double ms = clock.Elapsed.TotalMilliseconds / steps, rate = m * 1000 / ms;
                process.Refresh();
                double cpuMs = (process.TotalProcessorTime - cpuStart).TotalMilliseconds / steps, cpuRate = m * 1000 / cpuMs;
                anchor ??= rate;
                cpuAnchor ??= cpuRate;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{m,5} {ms,9:F1} {rate,9:F2} {rate / anchor.Value,10:F2}x {cpuMs,12:F1} {cpuRate / cpuAnchor.Value,8:F2}x"));
                if (backend.Profile is { } ops)
                {
                    Console.WriteLine("      " + string.Join(", ", ops.Entries.Take(6).Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Op} {e.Seconds * 1e3 / steps:F1}"))));
                    backend.Profile = null;
                }
            }
            finally
            {
                foreach (TextSequence s in sequences) s.Dispose();
            }
        }
        return 0;
    }
}
