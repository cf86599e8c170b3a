// PruneVid.NET — benchmarks: our decode and llama.cpp's, interleaved in one process, so both see the same machine.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using PruneVid.Kernels.Cpu;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model;
using PruneVid.Runtime.Model.Text;

namespace PruneVid.Bench;

/// <summary>
/// <c>bench duel [--model 3b] [--weights int4|int8|bf16] [--prompt 1024] [--rounds 8] [--tokens 16] [--threads N] [--json]</c>:
/// loads the synthetic language model twice in one process — ours (Cpu backend, linear layers in <c>--weights</c>)
/// and llama.cpp's (LLamaSharp, the matching GGUF type: q4_0, q8_0 or f16) — runs the same prompt through both, then
/// alternates greedy decode: <c>--tokens</c> steps of one engine, then of the other, for <c>--rounds</c> rounds, the
/// order swapped every round. This machine's read bandwidth moves by tens of percent from minute to minute; a ratio
/// taken from two runs a minute apart carries that noise, a ratio within one round (seconds apart, same contention)
/// much less. Prints each round, the median and the lowest ratio (ours ÷ llama.cpp tok/s).
/// <para>Before each round a plain sum reads a 1 GiB buffer of its own (best of two passes, every core: a smaller one
/// is partly served from this processor's large L3 and overstates the rate). Each engine's rate is also given as the
/// share of that read rate its weight bytes per token stream. When both engines stream near the machine's rate, the
/// ratio can be no more than their bytes per token allow (int8 against q8_0: 1.05×); the shares tell such a run from
/// one where an engine fell behind.</para>
/// </summary>
internal static class DuelBenchmark
{
    public static int Run(string[] args)
    {
        bool json = args.Contains("--json");
        string shape = BenchOptions.Text(args, "--model") ?? "3b";
        WeightFormat format = WeightFormats.Parse(BenchOptions.Text(args, "--weights") ?? "int4");
        int prompt = BenchOptions.Int(args, "--prompt", 1024), rounds = BenchOptions.Int(args, "--rounds", 8), tokens = BenchOptions.Int(args, "--tokens", 16);
        int threads = BenchOptions.Int(args, "--threads", Environment.ProcessorCount);
        if (rounds < 1 || tokens < 1) throw new ArgumentException("--rounds and --tokens must be at least 1");
        GgufWriter.TensorType type = format == WeightFormat.Int4 ? GgufWriter.TensorType.Q4_0
            : format == WeightFormat.Int8 ? GgufWriter.TensorType.Q8_0 : GgufWriter.TensorType.F16;
        void Say(string line) { if (!json) Console.WriteLine(line); }

        var config = Qwen25VLConfig.Parse(SyntheticModel.ConfigJson(shape), $"synthetic {shape}");
        string file = CpuModelBenchmark.LanguageModelFile(config, shape, json, out _);
        int steps = rounds * tokens + 2;
        using var weights = CheckpointWeights.Open(file, config);
        using var model = new TextModel(new CpuBackend(), config, weights, format);
        using var llama = new LlamaCppSession(config, shape, type, prompt, prompt + steps + 8, threads);
        Say(Invariant($"duel on the {shape} language model, {threads} threads: PruneVid.NET {format.Name()} vs llama.cpp {type.ToString().ToLowerInvariant()}; {rounds} rounds of {tokens} tokens each, after a {prompt}-token prompt"));

        int[] ids = LlamaCppSession.PromptIds(prompt, config);
        var generator = new TextGenerator(model);
        var clock = Stopwatch.StartNew();
        var (sequence, normed, _) = generator.Prefill(new TextPrompt(ids, []), steps);
        double oursPrefill = clock.Elapsed.TotalSeconds;
        clock.Restart();
        llama.Prefill(ids);
        double llamaPrefill = clock.Elapsed.TotalSeconds;
        Say(Invariant($"prefill {prompt} tokens: PruneVid.NET {oursPrefill:F2} s, llama.cpp {llamaPrefill:F2} s (one after the other)"));
        // Where the weights sit can move decode by tens of percent (docs/cpu-backend.md, "Weight pages"): say it.
        double anonHuge = ResidentGb("AnonHugePages"), fileHuge = ResidentGb("FilePmdMapped");
        if (anonHuge >= 0) Say(Invariant($"on 2 MB pages: {anonHuge:F2} GB of anonymous memory (our quantized codes), {fileHuge:F2} GB of mapped files (llama.cpp's GGUF, our bf16 checkpoint)"));

        using (sequence)
        using (normed)
        {
            using IEnumerator<DecodedToken> ours = generator.Decode(sequence, normed, new SamplingOptions { MaxNewTokens = steps, EosTokenIds = [] }).GetEnumerator();
            void OurStep() { if (!ours.MoveNext()) throw new InvalidOperationException("our decode stopped early"); }
            OurStep(); // the token the prefill chose
            OurStep(); // warm-up step, as in Bench cpu
            llama.Step();
            double Time(Action step)
            {
                long start = Stopwatch.GetTimestamp();
                for (int t = 0; t < tokens; t++) step();
                return tokens / Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
            // Weight bytes a step streams: ours from the format, llama.cpp's about its GGUF (the tied output reads the whole table).
            double oursBytes = CpuModelBenchmark.BytesPerToken(config, format), llamaBytes = llama.FileBytes;
            using var probe = new ReadProbe(1 << 30);
            var ratios = new List<double>();
            var oursRates = new List<double>();
            var llamaRates = new List<double>();
            var readRates = new List<double>();
            var oursShares = new List<double>();
            var llamaShares = new List<double>();
            for (int r = 0; r < rounds; r++)
            {
                double read = probe.Rate();
                double a, b;
                if (r % 2 == 0) { a = Time(OurStep); b = Time(llama.Step); }
                else { b = Time(llama.Step); a = Time(OurStep); }
                oursRates.Add(a);
                llamaRates.Add(b);
                ratios.Add(a / b);
                readRates.Add(read);
                double oursShare = a * oursBytes / 1e9 / read, llamaShare = b * llamaBytes / 1e9 / read;
                oursShares.Add(oursShare);
                llamaShares.Add(llamaShare);
                Say(Invariant($"round {r + 1}: PruneVid.NET {a:F2} tok/s ({oursShare:P0} of the read rate), llama.cpp {b:F2} tok/s ({llamaShare:P0}), ratio {a / b:F2}; plain read {read:F1} GB/s"));
            }
            var results = new Dictionary<string, double>
            {
                [$"decode_tok_s_{shape}"] = Median(oursRates),
                [$"llama_decode_tok_s_{shape}"] = Median(llamaRates),
                [$"decode_ratio_median_{shape}"] = Median(ratios),
                [$"decode_ratio_min_{shape}"] = ratios.Min(),
                [$"prefill_s_{shape}_{prompt}"] = oursPrefill,
                [$"llama_prefill_s_{shape}_{prompt}"] = llamaPrefill,
                ["read_gbs_median"] = Median(readRates),
                ["bytes_per_token_gb"] = oursBytes / 1e9,
                ["llama_bytes_per_token_gb"] = llamaBytes / 1e9,
                ["read_share_median"] = Median(oursShares),
                ["llama_read_share_median"] = Median(llamaShares),
                ["anon_huge_pages_gb"] = anonHuge,
                ["file_huge_pages_gb"] = fileHuge,
            };
            Say(Invariant($"decode, median of {rounds} rounds: PruneVid.NET {Median(oursRates):F2} tok/s, llama.cpp {Median(llamaRates):F2} tok/s; ratio median {Median(ratios):F2}, lowest {ratios.Min():F2}, highest {ratios.Max():F2}"));
            Say(Invariant($"weights read per token: PruneVid.NET {oursBytes / 1e9:F2} GB, llama.cpp {llamaBytes / 1e9:F2} GB (at equal read rates {llamaBytes / oursBytes:F2}×); median share of the plain read {Median(readRates):F1} GB/s: PruneVid.NET {Median(oursShares):P0}, llama.cpp {Median(llamaShares):P0}"));
            if (json) Console.WriteLine(JsonSerializer.Serialize(results.ToDictionary(p => p.Key, p => Math.Round(p.Value, 3))));
        }
        return 0;
    }

    /// <summary>A buffer of its own, touched once, whose plain read rate stands for the machine's in this second.</summary>
    private sealed unsafe class ReadProbe(int bytes) : IDisposable
    {
        private readonly byte* _buffer = Touched(bytes);

        private static byte* Touched(int bytes)
        {
            byte* buffer = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
            new Span<byte>(buffer, bytes).Fill(1);
            return buffer;
        }

        public double Rate() => CpuStreamBenchmark.ReadRate((nint)_buffer, bytes, 2);

        public void Dispose() => NativeMemory.AlignedFree(_buffer);
    }

    /// <summary>A size line of /proc/self/smaps_rollup in GB (Linux), or −1 where there is none.</summary>
    private static double ResidentGb(string key)
    {
        const string rollup = "/proc/self/smaps_rollup";
        if (!File.Exists(rollup)) return -1;
        foreach (string line in File.ReadLines(rollup))
            if (line.StartsWith(key + ":", StringComparison.Ordinal)
                && long.TryParse(line[(key.Length + 1)..].Trim().Split(' ')[0], out long kb))
                return kb * 1024 / 1e9;
        return -1;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
