// PruneVid.NET — benchmarks: the llama.cpp anchor (LLamaSharp) on a GGUF of the same synthetic language model.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LLama;
using LLama.Common;
using LLama.Native;
using PruneVid.Runtime.Config;

namespace PruneVid.Bench;

/// <summary>
/// <c>bench llama [--model 3b|7b|tiny] [--type f16|q8_0|q4_0] [--prompt 1024] [--decode 16] [--threads N] [--json]</c>:
/// writes the synthetic language model as GGUF (<see cref="GgufWriter"/>, once per shape and type), loads it with
/// LLamaSharp's CPU backend (llama.cpp) and times, as <c>Bench cpu</c> does for ours, a prefill of random token ids
/// and greedy decode steps after it (the logits of the last position read back and arg-maxed each step). JSON keys
/// match <c>Bench cpu</c>'s (<c>load_s_3b</c>, <c>prefill_s_3b_1024</c>, <c>decode_tok_s_3b</c>, <c>peak_rss_gb_3b</c>).
/// </summary>
internal static class LlamaCppBenchmark
{
    public static int Run(string[] args)
    {
        bool json = args.Contains("--json");
        string shape = BenchOptions.Text(args, "--model") ?? "3b";
        string typeName = BenchOptions.Text(args, "--type") ?? "q4_0";
        int prompt = BenchOptions.Int(args, "--prompt", 1024), decode = BenchOptions.Int(args, "--decode", 16);
        int threads = BenchOptions.Int(args, "--threads", Environment.ProcessorCount);
        GgufWriter.TensorType type = typeName switch
        {
            "f16" => GgufWriter.TensorType.F16,
            "q8_0" => GgufWriter.TensorType.Q8_0,
            "q4_0" => GgufWriter.TensorType.Q4_0,
            _ => throw new ArgumentException($"unknown --type '{typeName}': use f16, q8_0 or q4_0"),
        };
        void Say(string line) { if (!json) Console.WriteLine(line); }
        var results = new Dictionary<string, double>();

        var config = Qwen25VLConfig.Parse(SyntheticModel.ConfigJson(shape), $"synthetic {shape}");
        var clock = Stopwatch.StartNew();
        using var session = new LlamaCppSession(config, shape, type, prompt, prompt + decode + 8, threads);
        Say(Invariant($"llama.cpp (LLamaSharp) {shape} {typeName}: {session.FileBytes / 1e9:F2} GB GGUF at {session.File}, {threads} threads"));
        results[$"load_s_{shape}"] = clock.Elapsed.TotalSeconds;

        clock.Restart();
        session.Prefill(LlamaCppSession.PromptIds(prompt, config));
        double prefill = clock.Elapsed.TotalSeconds;
        Say(Invariant($"prefill {prompt} tokens: {prefill:F2} s ({prompt / prefill:F1} tok/s)"));
        results[$"prefill_s_{shape}_{prompt}"] = prefill;

        session.Step(); // warm-up, as Bench cpu
        clock.Restart();
        for (int s = 0; s < decode; s++) session.Step();
        double tokPerS = decode / clock.Elapsed.TotalSeconds;
        Say(Invariant($"decode {decode} tokens after a {prompt}-token prompt: {tokPerS:F2} tok/s"));
        results[$"decode_tok_s_{shape}"] = tokPerS;
        using var self = Process.GetCurrentProcess();
        results[$"peak_rss_gb_{shape}"] = self.PeakWorkingSet64 / 1e9;
        Say(Invariant($"peak working set: {self.PeakWorkingSet64 / 1e9:F2} GB"));
        if (json) Console.WriteLine(JsonSerializer.Serialize(results.ToDictionary(p => p.Key, p => Math.Round(p.Value, 3))));
        return 0;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
