// PruneVid.NET — Cpu backend benchmark: the GEMM/GEMV/attention shapes of the 3B/7B layers and the 3B model.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Quantized;
using PruneVid.Runtime.Model;

namespace PruneVid.Bench;

/// <summary>
/// <c>bench cpu [--json] [--repeat 3] [--model 3b|7b|none] [--prompt 1024] [--decode 16] [--only gemm|gemv|attention|model|stream]
/// [--weights bf16|int8|int4] [--gemv-rows 1]</c>: times the Cpu backend's hot ops at the shapes of
/// Qwen2.5-VL-3B/7B layers (bf16 weights, or the linear layers quantized at load to int8/int4 with <c>--weights</c>;
/// f32 activations) and prints GFLOP/s, GB/s of weights (packed bytes for int8/int4) and the ratio to the
/// machine limits given by <c>--peak-gflops</c> (f32 FMA peak) and <c>--peak-gbs</c> (read bandwidth). Each shape
/// runs once to warm up, then the best of <c>--repeat</c> runs counts. <c>--json</c> prints one JSON object.
/// <c>--gemv-rows 1,2,4,8</c> times each GEMV shape with that many rows of x (a batched decode step's products).
/// </summary>
public static class CpuBenchmark
{
    public static int Run(string[] args)
    {
        bool json = args.Contains("--json");
        int repeat = BenchOptions.Int(args, "--repeat", 3);
        double peakGflops = BenchOptions.Int(args, "--peak-gflops", 400), peakGbs = BenchOptions.Int(args, "--peak-gbs", 65);
        string model = BenchOptions.Text(args, "--model") ?? "3b";
        WeightFormat weights = WeightFormats.Parse(BenchOptions.Text(args, "--weights") ?? "bf16");
        using var cpu = new CpuBackend();
        var results = new Dictionary<string, object>();
        void Report(string key, string line, double value)
        {
            results[key] = Math.Round(value, 3);
            if (!json) Console.WriteLine(line);
        }

        string? only = BenchOptions.Text(args, "--only");
        bool Runs(string part) => only is null || only == part;
        foreach (var (name, m, n, k) in Runs("gemm") ? GemmShapes : [])
        {
            double s = TimeMatMul(cpu, m, n, k, repeat, weights, out _);
            double gflops = 2.0 * m * n * k / s / 1e9;
            Report($"gemm_{name}_gflops", Line($"gemm {name,-22} {m}x{n}x{k}", s, $"{gflops,7:F1} GFLOP/s  {gflops / peakGflops,5:P0} of f32 FMA peak  (CPU-time rate x{Environment.ProcessorCount} cores: {PerCore(2.0 * m * n * k) / 1e9:F0})"), gflops);
        }
        // Under --weights int8|int4 the lm_head is int8 whichever the format, so only the layer shapes are timed packed.
        int[] gemvRows = [.. (BenchOptions.Text(args, "--gemv-rows") ?? "1").Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture))];
        foreach (var (name, n, k) in Runs("gemv") ? GemvShapes.Where(g => weights == WeightFormat.Stored || !g.Name.EndsWith("lm_head", StringComparison.Ordinal)) : [])
            foreach (int m in gemvRows)
            {
                double s = TimeMatMul(cpu, m, n, k, repeat * 3, weights, out long weightBytes);
                double gbs = weightBytes / s / 1e9;
                string key = m == 1 ? $"gemv_{name}_gbs" : $"gemv_{name}_m{m}_gbs";
                Report(key, Line($"gemv {name,-22} {m}x{n}x{k}", s, $"{gbs,7:F1} GB/s     {gbs / peakGbs,5:P0} of read bandwidth  (CPU-time rate: {PerCore(2.0 * m * n * k) / 1e9:F0}; CPU {LastCpuSeconds * 1e3:F2} ms)"), gbs);
            }
        foreach (var (name, q, keys, heads, kv) in Runs("attention") ? AttentionShapes : [])
        {
            double s = TimeAttention(cpu, q, keys, heads, kv, 128, repeat);
            double flops = 4.0 * heads * 128 * (q == 1 ? keys : (double)q * (q + 1) / 2 + (double)q * (keys - q));
            Report($"attention_{name}_gflops", Line($"attention {name,-17} q={q} keys={keys} {heads}/{kv}x128", s, $"{flops / s / 1e9,7:F1} GFLOP/s  (CPU-time rate x{Environment.ProcessorCount} cores: {PerCore(flops) / 1e9:F0})"), flops / s / 1e9);
        }
        if (only == "stream") CpuStreamBenchmark.Run(cpu, repeat, weights, Report); // a diagnostic: 1 GiB and cold weight copies, only on request
        if (results.TryGetValue("gemm_3b_gate_up_gflops", out object? gemm)) results["gemm_gflops"] = gemm;
        if (results.TryGetValue("gemv_3b_gate_up_gbs", out object? gemv)) results["gemv_gbs"] = gemv;
        if (model != "none" && Runs("model"))
            CpuModelBenchmark.Run(cpu, model, BenchOptions.Int(args, "--prompt", 1024), BenchOptions.Int(args, "--decode", 16), weights, json, (k, v) => results[k] = Math.Round(v, 3));
        if (json) Console.WriteLine(JsonSerializer.Serialize(results));
        return 0;
    }

    /// <summary>Prefill-sized products (1,024 prompt rows) of the 3B and 7B layers.</summary>
    private static readonly (string Name, int M, int N, int K)[] GemmShapes =
    [
        ("3b_gate_up", 1024, 11008, 2048), ("3b_down", 1024, 2048, 11008), ("3b_q_o", 1024, 2048, 2048), ("3b_k_v", 1024, 256, 2048),
        ("7b_gate_up", 1024, 18944, 3584), ("7b_down", 1024, 3584, 18944),
    ];

    /// <summary>Decode-sized products (one row) of the 3B and 7B layers and the 3B lm_head.</summary>
    private static readonly (string Name, int N, int K)[] GemvShapes =
    [
        ("3b_gate_up", 11008, 2048), ("3b_down", 2048, 11008), ("3b_q_o", 2048, 2048), ("3b_lm_head", 151936, 2048),
        ("7b_gate_up", 18944, 3584), ("7b_down", 3584, 18944),
    ];

    /// <summary>3B attention (16 query heads, 2 kv heads): a causal 1,024-token prefill and one decode query over 1,000 cached keys.</summary>
    private static readonly (string Name, int Queries, int Keys, int Heads, int KvHeads)[] AttentionShapes =
    [
        ("3b_prefill_1024", 1024, 1024, 16, 2), ("3b_decode_1000", 1, 1001, 16, 2), ("7b_decode_1000", 1, 1001, 28, 4),
    ];

    private static string Line(string what, double seconds, string rate) =>
        string.Create(CultureInfo.InvariantCulture, $"{what,-52} {seconds * 1e3,9:F2} ms  {rate}");

    /// <summary>Best time of y = x · wᵀ with bf16 weights, or weights quantized to <paramref name="weights"/>; <paramref name="weightBytes"/>: bytes of w.</summary>
    private static double TimeMatMul(CpuBackend cpu, int m, int n, int k, int repeat, WeightFormat weights, out long weightBytes)
    {
        using Tensor x = cpu.FromF32(Random(m * k, 1), m, k);
        QuantizedMatrix? packed = weights == WeightFormat.Stored ? null
            : WeightQuantizer.Quantize(Random((long)n * k, 2).Select(v => 0.04f * v).ToArray(), n, k, weights == WeightFormat.Int8 ? 8 : 4);
        weightBytes = packed?.ByteCount ?? 2L * n * k;
        using Tensor w = packed is null ? cpu.FromBf16(RandomBf16((long)n * k, 2), n, k) : cpu.FromQuantized(packed);
        using Tensor y = cpu.Allocate(DType.F32, m, n);
        return Best(repeat, () => cpu.MatMul(x, w, null, y));
    }

    private static double TimeAttention(CpuBackend cpu, int q, int keys, int heads, int kvHeads, int d, int repeat)
    {
        using Tensor tq = cpu.FromF32(Random(q * heads * d, 3), q, heads * d);
        using Tensor tk = cpu.FromF32(Random(keys * kvHeads * d, 4), keys, kvHeads * d);
        using Tensor tv = cpu.FromF32(Random(keys * kvHeads * d, 5), keys, kvHeads * d);
        using Tensor o = cpu.Allocate(DType.F32, q, heads * d);
        var shape = AttentionShape.Create(heads, kvHeads, d);
        return Best(repeat, () => cpu.Attention(tq, tk, tv, o, shape, [0, q], [0, keys], causal: true));
    }

    /// <summary>
    /// Best wall time of <paramref name="repeat"/> runs after one warm-up. On a shared machine the wall time
    /// includes waiting for a core; <see cref="LastCpuSeconds"/> (the process's CPU time of the best run) does not.
    /// </summary>
    internal static double Best(int repeat, Action run)
    {
        run();
        double best = double.MaxValue;
        var process = Process.GetCurrentProcess();
        for (int i = 0; i < repeat; i++)
        {
            process.Refresh();
            TimeSpan cpu0 = process.TotalProcessorTime;
            long start = Stopwatch.GetTimestamp();
            run();
            double wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
            process.Refresh();
            if (wall < best) (best, LastCpuSeconds) = (wall, (process.TotalProcessorTime - cpu0).TotalSeconds);
        }
        return best;
    }

    /// <summary>CPU seconds (all threads) of the run <see cref="Best"/> reported last.</summary>
    internal static double LastCpuSeconds { get; private set; }

    /// <summary>Work per CPU-second, scaled to the core count: what the wall rate would be on an idle machine if every core were ours.</summary>
    private static double PerCore(double work) => work / Math.Max(LastCpuSeconds, 1e-9) * Environment.ProcessorCount;

    internal static float[] Random(long count, int seed)
    {
        var values = new float[count];
        uint state = (uint)seed * 2654435761u | 1u;
        for (long i = 0; i < count; i++)
        {
            state ^= state << 13; state ^= state >> 17; state ^= state << 5;
            values[i] = (state & 0xFFFF) / 65535f - 0.5f;
        }
        return values;
    }

    internal static ushort[] RandomBf16(long count, int seed)
    {
        var words = new ushort[count];
        uint state = (uint)seed * 2654435761u | 1u;
        for (long i = 0; i < count; i++)
        {
            state ^= state << 13; state ^= state >> 17; state ^= state << 5;
            words[i] = Bf16.FromSingle(0.04f * ((state & 0xFFFF) / 65535f - 0.5f));
        }
        return words;
    }
}
