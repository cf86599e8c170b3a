// PruneVid.NET — Cpu backend benchmark: the whole language model of a synthetic 3B/7B, loaded from a mapped file.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Quantized;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model;
using PruneVid.Runtime.Model.Text;

namespace PruneVid.Bench;

/// <summary>
/// Writes the language-model weights of a synthetic Qwen2.5-VL (seeded random bf16, meaningless outputs) once to a
/// temporary safetensors file — streamed, never whole in memory — then loads it through the real checkpoint
/// reader, so the Cpu backend uses the mapped pages in place, and times a 1,024-token prefill and decode steps
/// with that prompt in the cache (greedy, the token id read back each step as in streaming).
/// </summary>
internal static class CpuModelBenchmark
{
    public static void Run(CpuBackend cpu, string shape, int prompt, int decode, WeightFormat format, bool json, Action<string, double> record)
    {
        var config = Qwen25VLConfig.Parse(SyntheticModel.ConfigJson(shape), $"synthetic {shape}");
        string file = LanguageModelFile(config, shape, json, out long bytes);
        void Say(string line) { if (!json) Console.WriteLine(line); }

        var clock = Stopwatch.StartNew();
        using var weights = CheckpointWeights.Open(file, config);
        using var model = new TextModel(cpu, config, weights, format);
        double load = clock.Elapsed.TotalSeconds;
        Say(Invariant($"model {shape}: {bytes / 1e9:F2} GB of bf16 LLM weights mapped from {file}, linear layers {format.Name()}; load {load:F2} s"));
        record($"load_s_{shape}", load);

        var generator = new TextGenerator(model);
        int[] ids = new int[prompt];
        var rng = new Random(7);
        for (int i = 0; i < ids.Length; i++) ids[i] = rng.Next(0, 150000); // ordinary text ids, no placeholders
        cpu.Profile = new OpProfile();
        clock.Restart();
        var (sequence, normed, _) = generator.Prefill(new TextPrompt(ids, []), decode + 2);
        double prefill = clock.Elapsed.TotalSeconds;
        Say(Invariant($"prefill {prompt} tokens: {prefill:F2} s ({prompt / prefill:F1} tok/s), pages of the mapped file faulted in on first use"));
        Say(Breakdown(cpu.Profile, prefill));
        record($"prefill_s_{shape}_{prompt}", prefill);

        using (sequence)
        using (normed)
        {
            // The generator's decode loop, as users' greedy decoding runs it: the first token comes from the prefill,
            // the second step warms up, the next `decode` steps are timed.
            var greedy = new SamplingOptions { MaxNewTokens = decode + 2, EosTokenIds = [] };
            double readBefore = 0;
            WeightTensor head = weights.TryGet("lm_head.weight", out WeightTensor? lmHead) ? lmHead : weights.TryGet("model.embed_tokens.weight", out WeightTensor? embed) ? embed : throw new InvalidOperationException("no output head");
            int produced = 0;
            foreach (DecodedToken _ in generator.Decode(sequence, normed, greedy))
            {
                if (++produced != 2) continue;
                // What the machine reads in this minute, over the output head's mapped pages (the largest tensor a step reads):
                // this machine's rate moves by tens of percent from minute to minute, so decode is stated against it.
                readBefore = ReadRate(head, format);
                cpu.Profile = new OpProfile();
                clock.Restart();
            }
            double tokPerS = decode / clock.Elapsed.TotalSeconds;
            double readAfter = ReadRate(head, format);
            double gbs = BytesPerToken(config, format) * tokPerS / 1e9, ceiling = (readBefore + readAfter) / 2;
            Say(Invariant($"decode {decode} tokens after a {prompt}-token prompt: {tokPerS:F2} tok/s ({gbs:F1} GB/s of weights)"));
            Say(Invariant($"    a plain sum over the output head's pages read {readBefore:F1} GB/s before and {readAfter:F1} after: decode streamed {100 * gbs / ceiling:F0} % of that"));
            record($"read_gbs_around_decode_{shape}", ceiling);
            Say(Breakdown(cpu.Profile, decode / tokPerS));
            cpu.Profile = null;
            record($"decode_tok_s_{shape}", tokPerS);
        }
        using var self = Process.GetCurrentProcess();
        Say(Invariant($"peak working set: {self.PeakWorkingSet64 / 1e9:F2} GB (mapped weight pages included)"));
        record($"peak_rss_gb_{shape}", self.PeakWorkingSet64 / 1e9);
    }

    /// <summary>
    /// The machine's read rate this minute, over the mapped output head. With packed weights the model holds its own
    /// int8 copy of the head and gave the mapped pages back, so only its first 64 MB are probed (still far beyond the
    /// caches) and given back again, which keeps the probe out of the peak RSS.
    /// </summary>
    private static double ReadRate(WeightTensor head, WeightFormat format)
    {
        if (format == WeightFormat.Stored) return CpuStreamBenchmark.ReadRate(head.Address, head.ByteLength, 5);
        double rate = CpuStreamBenchmark.ReadRate(head.Address, Math.Min(head.ByteLength, 64L << 20), 5);
        head.ReleasePages();
        return rate;
    }

    /// <summary>Weight bytes one decode step reads: the layers in <paramref name="format"/> (codes plus an f16 scale per group — both formats are symmetric, so no zero bytes; the lm_head int8), the rest bf16.</summary>
    internal static double BytesPerToken(Qwen25VLConfig config, WeightFormat format)
    {
        double bf16 = SyntheticModel.LanguageModelBytes(config);
        if (format == WeightFormat.Stored) return bf16;
        long layers = WeightManifest.For(config).Where(s => s.Name.StartsWith("model.layers.", StringComparison.Ordinal)).Sum(s => s.ElementCount);
        long head = (long)config.Text.VocabSize * config.Text.HiddenSize;
        double int8 = 1 + 2.0 / WeightQuantizer.Int8GroupSize;
        double perWeight = format == WeightFormat.Int8 ? int8 : 0.5 + 2.0 / WeightQuantizer.Int4GroupSize;
        return bf16 - 2.0 * (layers + head) + perWeight * layers + int8 * head; // the lm_head is int8 in both formats
    }

    /// <summary>
    /// The synthetic model's language-model weights as a bf16 safetensors file in the temp folder (written once per
    /// shape); <paramref name="bytes"/>: the weights' size.
    /// </summary>
    internal static string LanguageModelFile(Qwen25VLConfig config, string shape, bool json, out long bytes)
    {
        var specs = WeightManifest.For(config).Where(s => !s.Name.StartsWith("visual.", StringComparison.Ordinal)).ToList();
        bytes = specs.Sum(s => s.ElementCount * 2);
        string file = Path.Combine(Path.GetTempPath(), $"prunevid-bench-{shape}-text.safetensors");
        EnsureFile(file, specs, bytes, json);
        return file;
    }

    /// <summary>Writes the file unless a complete one is already there; checks disk space first.</summary>
    private static void EnsureFile(string file, List<WeightSpec> specs, long bytes, bool json)
    {
        byte[] header = Header(specs);
        long total = 8 + header.Length + bytes;
        if (File.Exists(file) && new FileInfo(file).Length == total) return;
        long free = new DriveInfo(Path.GetPathRoot(Path.GetFullPath(file))!).AvailableFreeSpace;
        if (free < total + (1L << 30))
            throw new IOException($"{file}: the synthetic weights need {total / 1e9:F1} GB of disk, only {free / 1e9:F1} GB are free");
        if (!json) Console.WriteLine(Invariant($"writing {total / 1e9:F2} GB of synthetic weights to {file} (once)"));
        string partial = file + ".partial";
        using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            stream.Write(BitConverter.GetBytes((ulong)header.Length));
            stream.Write(header);
            var chunk = new ushort[1 << 22];
            for (int i = 0; i < specs.Count; i++)
            {
                bool norm = specs[i].Shape.Length == 1 && specs[i].Name.Contains("norm", StringComparison.Ordinal);
                uint state = (uint)(i * 104729 + 7919) | 1u;
                for (long done = 0; done < specs[i].ElementCount; done += chunk.Length)
                {
                    int n = (int)Math.Min(chunk.Length, specs[i].ElementCount - done);
                    for (int j = 0; j < n; j++)
                    {
                        state ^= state << 13; state ^= state >> 17; state ^= state << 5;
                        float u = (state & 0xFFFF) / 65535f - 0.5f;
                        chunk[j] = Bf16.FromSingle(norm ? 1f + 0.1f * u : 0.04f * u);
                    }
                    stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(chunk.AsSpan(0, n)));
                }
            }
        }
        File.Move(partial, file, overwrite: true);
    }

    /// <summary>The safetensors JSON header for <paramref name="specs"/> laid out in order, space-padded to 8 bytes.</summary>
    private static byte[] Header(List<WeightSpec> specs)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            long offset = 0;
            foreach (var spec in specs)
            {
                w.WriteStartObject(spec.Name);
                w.WriteString("dtype", "BF16");
                w.WriteStartArray("shape");
                foreach (int d in spec.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                offset += spec.ElementCount * 2;
                w.WriteNumberValue(offset);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        var bytes = buffer.ToArray().ToList();
        while (bytes.Count % 8 != 0) bytes.Add((byte)' ');
        return [.. bytes];
    }

    /// <summary>Where the time went: seconds and share of the wall time per op, largest first.</summary>
    private static string Breakdown(OpProfile profile, double wall) => string.Join(Environment.NewLine, profile.Entries.Take(8).Select(e =>
        Invariant($"    {e.Op,-16} {e.Seconds,8:F3} s  {e.Seconds / wall,5:P0}  ({e.Calls} calls)")));

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
