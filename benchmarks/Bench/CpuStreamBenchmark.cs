// PruneVid.NET — Cpu backend benchmark: what the machine streams from C#, and the decode GEMV with its weights cold.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Quantized;
using PruneVid.Runtime.Model;

namespace PruneVid.Bench;

/// <summary>
/// <c>bench cpu --only stream</c>: the read bandwidth a plain Vector512 sum reaches over 1 GiB on 1 and on every core
/// (the ceiling for the decode GEMV), aligned and 24 bytes off a cache line, then the GEMV and the fused projections of a 3B decode step with their weights
/// cold: each repetition reads a different copy of the weights, and the copies together are larger than the caches,
/// so no repetition finds its weights in L3 (the state a decode step sees: 6 GB of weights between two uses).
/// </summary>
internal static unsafe class CpuStreamBenchmark
{
    private const long SumBytes = 1L << 30;
    private const long ColdBytes = 160L << 20; // weight copies per shape: at least this many bytes, several L3s

    public static void Run(CpuBackend cpu, int repeat, WeightFormat weights, Action<string, string, double> report)
    {
        // 64-byte aligned, and once more 24 bytes off a cache line (where our safetensors files put every tensor):
        // a vector load that straddles two lines costs two, which the ceiling should show.
        byte* block = (byte*)NativeMemory.AlignedAlloc((nuint)(SumBytes + 64), 64);
        new Span<byte>(block, checked((int)(SumBytes + 64))).Fill(0); // touch every page before timing
        try
        {
            foreach (int offset in new[] { 0, 24 })
                for (int threads = offset == 0 ? 1 : Environment.ProcessorCount; threads <= Environment.ProcessorCount; threads++)
                {
                    int workers = threads;
                    float* data = (float*)(block + offset);
                    double s = CpuBenchmark.Best(repeat * 3, () => Sum(data, SumBytes / sizeof(float), workers));
                    string key = offset == 0 ? $"stream_sum_{threads}t_gbs" : $"stream_sum_{threads}t_off{offset}_gbs";
                    string what = offset == 0 ? $"stream sum 1 GiB, Vector512, {threads} thread(s)" : $"stream sum 1 GiB, {offset} B off a line, {threads} thread(s)";
                    report(key, Line(what, s, SumBytes / s / 1e9), SumBytes / s / 1e9);
                }
        }
        finally
        {
            NativeMemory.AlignedFree(block);
        }

        // Under --weights int8|int4 the lm_head stays int8, as in the model.
        string suffix = weights == WeightFormat.Stored ? "" : "_" + weights.Name();
        foreach (var (name, n, k) in Shapes)
        {
            WeightFormat format = weights != WeightFormat.Stored && name.EndsWith("lm_head", StringComparison.Ordinal) ? WeightFormat.Int8 : weights;
            double s = TimeCold(cpu, [n], k, repeat, format, out long bytes);
            report($"gemv_cold_{name}{suffix}_gbs", Line($"gemv cold {name} 1x{n}x{k} {format.Name()}", s, bytes / s / 1e9), bytes / s / 1e9);
        }
        foreach (var (name, ns, k) in ProjectShapes)
        {
            double s = TimeCold(cpu, ns, k, repeat, weights, out long bytes);
            report($"project_cold_{name}{suffix}_gbs", Line($"project cold {name} 1x[{string.Join(',', ns)}]x{k} {weights.Name()}", s, bytes / s / 1e9), bytes / s / 1e9);
        }
    }

    /// <summary>Decode GEMV shapes of the 3B model: q/o, gate/up, down and the lm_head.</summary>
    private static readonly (string Name, int N, int K)[] Shapes =
        [("3b_q_o", 2048, 2048), ("3b_gate_up", 11008, 2048), ("3b_down", 2048, 11008), ("3b_lm_head", 151936, 2048)];

    /// <summary>The 3B layer's fused projections: q/k/v and gate/up.</summary>
    private static readonly (string Name, int[] N, int K)[] ProjectShapes =
        [("3b_qkv", [2048, 256, 256], 2048), ("3b_gate_up", [11008, 11008], 2048)];

    private static string Line(string what, double seconds, double gbs) =>
        string.Create(CultureInfo.InvariantCulture, $"{what,-52} {seconds * 1e3,9:F2} ms  {gbs,7:F1} GB/s");

    /// <summary>
    /// Best time of one Project (one MatMul for one weight) over rotating weight copies, bf16 or quantized to
    /// <paramref name="weights"/>; <paramref name="bytes"/>: the weight bytes one call reads.
    /// </summary>
    private static double TimeCold(CpuBackend cpu, int[] ns, int k, int repeat, WeightFormat weights, out long bytes)
    {
        QuantizedMatrix[] packed = weights == WeightFormat.Stored ? []
            : ns.Select((n, i) => WeightQuantizer.Quantize(CpuBenchmark.Random((long)n * k, 2 + i).Select(v => 0.04f * v).ToArray(), n, k, weights == WeightFormat.Int8 ? 8 : 4)).ToArray();
        bytes = weights == WeightFormat.Stored ? 2L * ns.Sum() * k : packed.Sum(m => QuantizedTiles.From(m).ByteCount);
        int copies = (int)Math.Max(1, (ColdBytes + bytes - 1) / bytes);
        using Tensor x = cpu.FromF32(CpuBenchmark.Random(k, 1), 1, k);
        var sets = new Projection[copies][];
        for (int c = 0; c < copies; c++)
            sets[c] = ns.Select((n, i) => new Projection(weights == WeightFormat.Stored ? cpu.FromBf16(CpuBenchmark.RandomBf16((long)n * k, 2 + c * 3 + i), n, k)
                : cpu.FromQuantized(packed[i]), null, cpu.Allocate(DType.F32, 1, n))).ToArray();
        int next = 0;
        double best = CpuBenchmark.Best(Math.Max(repeat * 3, copies + 1), () =>
        {
            Projection[] set = sets[next++ % copies];
            if (set.Length == 1) cpu.MatMul(x, set[0].Weight, null, set[0].Output);
            else cpu.Project(x, set);
        });
        foreach (Projection p in sets.SelectMany(s => s)) { p.Weight.Dispose(); p.Output.Dispose(); }
        return best;
    }

    /// <summary>
    /// GB/s a plain Vector512 sum reads from <paramref name="bytes"/> bytes at <paramref name="start"/> (from its first
    /// 64-byte boundary) on every core: best of <paramref name="repeat"/> passes. Used on the model's own mapped weights
    /// around its decode, so a run states what the machine read in the same minute over the same pages.
    /// </summary>
    public static double ReadRate(nint address, long bytes, int repeat)
    {
        byte* start = (byte*)address, aligned = (byte*)(((nuint)start + 63) & ~(nuint)63);
        long count = (bytes - (aligned - start)) / sizeof(float) / 64 * 64;
        double s = CpuBenchmark.Best(repeat, () => Sum((float*)aligned, count, Environment.ProcessorCount));
        return count * sizeof(float) / s / 1e9;
    }

    /// <summary>Sums <paramref name="count"/> floats with Vector512 loads, split into one contiguous block per worker.</summary>
    private static float Sum(float* data, long count, int workers)
    {
        var partial = new float[workers];
        nint at = (nint)data;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            long from = count * w / workers / 64 * 64, to = count * (w + 1) / workers / 64 * 64;
            float* q = (float*)at;
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (long i = from; i < to; i += 64)
            {
                a0 += Vector512.Load(q + i);
                a1 += Vector512.Load(q + i + 16);
                a2 += Vector512.Load(q + i + 32);
                a3 += Vector512.Load(q + i + 48);
            }
            partial[w] = Vector512.Sum(a0 + a1 + a2 + a3);
        });
        return partial.Sum();
    }
}
