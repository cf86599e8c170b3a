// PruneVid.NET — kernel runtime.
using System.Diagnostics;

namespace PruneVid.Kernels;

/// <summary>
/// Handed to a kernel's benchmark hook: the tunable values to run with, and an honest timer (warm-up first so
/// compilation is excluded, the stream synchronised inside the timed region, median of several runs).
/// </summary>
public sealed class KernelBenchmarkContext
{
    private readonly List<KernelMeasurement> _results = [];

    /// <summary>Creates a context for one variant.</summary>
    /// <param name="tunables">Tunable name → value of the variant under test (empty for a kernel without tunables).</param>
    /// <param name="warmup">Untimed launches before measuring.</param>
    /// <param name="iterations">Timed launches; the median is reported.</param>
    public KernelBenchmarkContext(IReadOnlyDictionary<string, int>? tunables = null, int warmup = 3, int iterations = 20)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        Tunables = tunables ?? new Dictionary<string, int>();
        Warmup = warmup;
        Iterations = iterations;
    }

    /// <summary>Tunable values of the variant under test.</summary>
    public IReadOnlyDictionary<string, int> Tunables { get; }

    /// <summary>Untimed launches before measuring.</summary>
    public int Warmup { get; }

    /// <summary>Timed launches.</summary>
    public int Iterations { get; }

    /// <summary>Measurements recorded so far.</summary>
    public IReadOnlyList<KernelMeasurement> Results => _results;

    /// <summary>The value of tunable <paramref name="name"/>, or <paramref name="fallback"/> when the variant does not set it.</summary>
    public int Tunable(string name, int fallback) => Tunables.TryGetValue(name, out int value) ? value : fallback;

    /// <summary>Times <paramref name="launch"/> (which queues work) and records the median with its bandwidth and FLOP rate.</summary>
    /// <param name="runtime">The runtime whose stream is synchronised around each launch.</param>
    /// <param name="label">What was measured (shape and variant).</param>
    /// <param name="launch">Queues the work once.</param>
    /// <param name="bytesMoved">Bytes read plus written by one launch.</param>
    /// <param name="flops">Floating-point operations of one launch (0 for bandwidth-bound kernels).</param>
    public KernelMeasurement Measure(KernelRuntime runtime, string label, Action launch, long bytesMoved, long flops = 0)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(launch);
        for (int i = 0; i < Warmup; i++) launch();
        runtime.Synchronize();
        var seconds = new double[Iterations];
        for (int i = 0; i < Iterations; i++)
        {
            long start = Stopwatch.GetTimestamp();
            launch();
            runtime.Synchronize();
            seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(seconds);
        double median = seconds[Iterations / 2];
        var result = new KernelMeasurement(label, runtime.Name, median * 1e6, bytesMoved / median / 1e9, flops / median / 1e12);
        _results.Add(result);
        return result;
    }
}

/// <summary>One timed kernel launch.</summary>
/// <param name="Label">What was measured.</param>
/// <param name="Device">The accelerator it ran on.</param>
/// <param name="MedianMicroseconds">Median wall time of one synchronised launch.</param>
/// <param name="GigabytesPerSecond">Achieved bandwidth.</param>
/// <param name="TeraflopsPerSecond">Achieved FLOP rate (0 when no FLOPs were given).</param>
public sealed record KernelMeasurement(string Label, string Device, double MedianMicroseconds, double GigabytesPerSecond, double TeraflopsPerSecond)
{
    /// <inheritdoc />
    public override string ToString() => $"{Label} on {Device}: {MedianMicroseconds:F1} µs, {GigabytesPerSecond:F1} GB/s" + (TeraflopsPerSecond > 0 ? $", {TeraflopsPerSecond:F2} TFLOP/s" : "");
}
