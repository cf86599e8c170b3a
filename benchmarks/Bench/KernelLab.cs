// PruneVid.NET — kernel lab: validate each kernel variant against its reference, sweep its tunables, print rates.
using System.Globalization;
using PruneVid.Kernels;

namespace PruneVid.Bench;

/// <summary>
/// <c>bench kernels &lt;family&gt; [--variant N] [--quick]</c>: for every kernel of a family (or only the N-th, 1-based),
/// checks each tunable value against the C# reference on a small shape, then times it on a model-sized shape (a
/// small one on ILGPU's CPU accelerator) and prints µs, GB/s and TFLOP/s with the device name, then the fastest
/// value. <c>bench kernels list</c> prints the families and their numbered variants; a family the lab has no
/// cases for runs the registry's benchmark hooks of its kernels.
/// </summary>
public static partial class KernelLab
{
    /// <summary>Runs the lab; returns a process exit code (1 when a variant fails validation, 2 on bad arguments).</summary>
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var rest = args.SkipWhile(a => a == "kernels").ToList();
        bool quick = rest.Remove("--quick");
        int? variant = null;
        int at = rest.IndexOf("--variant");
        if (at >= 0)
        {
            if (at + 1 >= rest.Count || !int.TryParse(rest[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1)
                return Usage("--variant needs a positive number");
            variant = n;
            rest.RemoveRange(at, 2);
        }
        if (rest.Count != 1) return Usage(rest.Count == 0 ? "name a family" : $"unexpected arguments: {string.Join(' ', rest)}");

        IReadOnlyList<LabFamily> families = Families();
        if (rest[0] == "list")
        {
            foreach (LabFamily f in families)
                Console.WriteLine($"{f.Name}: " + string.Join(", ", f.Variants.Select((v, i) => $"{i + 1}={v.Kernel}")));
            return 0;
        }
        LabFamily? family = families.FirstOrDefault(f => string.Equals(f.Name, rest[0], StringComparison.OrdinalIgnoreCase));
        if (family is null) return RunBenchmarkHooks(rest[0], variant, quick);
        if (variant > family.Variants.Count) return Usage($"{family.Name} has {family.Variants.Count} variants");

        using KernelRuntime runtime = KernelRuntime.CreateBest();
        Console.WriteLine($"kernel lab on {runtime.Name}" + (runtime.IsCuda ? "" : " (CPU accelerator: small shapes, rates are not GPU rates)"));
        bool ok = true;
        for (int i = 0; i < family.Variants.Count; i++)
            if (variant is null || variant == i + 1)
                ok &= RunVariant(runtime, i + 1, family.Variants[i], quick);
        return ok ? 0 : 1;
    }

    private static bool RunVariant(KernelRuntime runtime, int number, LabVariant variant, bool quick)
    {
        KernelInfo info = KernelRegistry.Find(variant.Kernel) ?? throw new InvalidOperationException($"{variant.Kernel} is not in the kernel registry");
        // The group size is the swept tunable where there are several (the case fixes the others).
        string? tunable = info.GroupSizeTunable ?? info.Tunables.Keys.SingleOrDefault();
        int[] values = tunable is null ? [0] : info.Tunables[tunable].Where(v => variant.Fits(runtime, v)).ToArray();
        Console.WriteLine($"[{number}] {info.Name}" + (tunable is null ? "" : $"  sweeping {tunable} over {string.Join(", ", values)}"));

        bool ok = true;
        KernelMeasurement? best = null;
        int bestValue = 0;
        foreach (int value in values)
        {
            string label = tunable is null ? info.Name : $"{info.Name}[{tunable}={value}]";
            double error = variant.Validate(runtime, value);
            bool pass = error <= variant.Tolerance;
            ok &= pass;
            Console.WriteLine($"  {label}: max |err| vs reference {error:E2} (tolerance {variant.Tolerance:E1}) {(pass ? "ok" : "FAIL")}");
            if (!pass) continue;
            var context = new KernelBenchmarkContext(
                tunable is null ? null : new Dictionary<string, int> { [tunable] = value },
                warmup: quick || !runtime.IsCuda ? 1 : 5, iterations: quick || !runtime.IsCuda ? 3 : 50);
            KernelMeasurement m = variant.Measure(runtime, context, value);
            Console.WriteLine($"    {m}");
            if (best is null || m.MedianMicroseconds < best.MedianMicroseconds) (best, bestValue) = (m, value);
        }
        if (best is not null && tunable is not null && values.Length > 1)
            Console.WriteLine($"  best: {tunable}={bestValue} ({best.MedianMicroseconds:F1} µs)");
        return ok;
    }

    /// <summary>
    /// Families the lab has no cases for (RmsNorm, SiluMul, …) run their kernels' own <c>Benchmark</c> hooks from the
    /// registry for every tunable value; their validation lives in the kernel tests.
    /// </summary>
    private static int RunBenchmarkHooks(string name, int? variant, bool quick)
    {
        KernelInfo[] kernels = KernelRegistry.All.Where(k => string.Equals(k.Family, name, StringComparison.OrdinalIgnoreCase) && k.Benchmark is not null).ToArray();
        if (kernels.Length == 0) return Usage($"unknown family '{name}'");
        if (variant > kernels.Length) return Usage($"{name} has {kernels.Length} benchmarked kernels");
        using KernelRuntime runtime = KernelRuntime.CreateBest();
        Console.WriteLine($"kernel lab on {runtime.Name} (benchmark hooks; validation is in the kernel tests)");
        for (int i = 0; i < kernels.Length; i++)
        {
            if (variant is not null && variant != i + 1) continue;
            KernelInfo kernel = kernels[i];
            string? tunable = kernel.Tunables.Keys.SingleOrDefault();
            int[] values = tunable is null ? [0] : kernel.Tunables[tunable].Where(v => v <= runtime.Accelerator.MaxNumThreadsPerGroup).ToArray();
            Console.WriteLine($"[{i + 1}] {kernel.Name}");
            foreach (int value in values)
            {
                var context = new KernelBenchmarkContext(tunable is null ? null : new Dictionary<string, int> { [tunable] = value },
                    warmup: quick || !runtime.IsCuda ? 1 : 5, iterations: quick || !runtime.IsCuda ? 3 : 50);
                kernel.Benchmark!.Invoke(null, [runtime, context]);
                foreach (KernelMeasurement m in context.Results) Console.WriteLine($"    {m}");
            }
        }
        return 0;
    }

    private static int Usage(string problem)
    {
        Console.Error.WriteLine($"bench kernels: {problem}");
        Console.Error.WriteLine("usage: bench kernels <family|list> [--variant N] [--quick]");
        Console.Error.WriteLine("families: " + string.Join(", ", Families().Select(f => f.Name)));
        return 2;
    }

    /// <summary>Every family the lab knows, in the order <c>list</c> prints them.</summary>
    internal static IReadOnlyList<LabFamily> Families() =>
    [
        MatMulFamily(),
        AttentionFamily(),
        DecodeFamily(),
        ..ElementwiseFamilies(),
        ..IndexingFamilies(),
    ];
}

/// <summary>A kernel family in the lab: its numbered variants.</summary>
internal sealed record LabFamily(string Name, IReadOnlyList<LabVariant> Variants);

/// <summary>
/// One kernel in the lab. <see cref="Validate"/> runs it with a tunable value on a small shape and returns the max
/// absolute error against the reference; <see cref="Measure"/> times it on the benchmark shape.
/// </summary>
internal sealed record LabVariant(
    string Kernel,
    double Tolerance,
    Func<KernelRuntime, int, double> Validate,
    Func<KernelRuntime, KernelBenchmarkContext, int, KernelMeasurement> Measure,
    Func<KernelRuntime, int, bool>? FitsOverride = null)
{
    /// <summary>Whether tunable value <paramref name="value"/> (a group size) can run on this accelerator.</summary>
    public bool Fits(KernelRuntime runtime, int value)
        => FitsOverride?.Invoke(runtime, value) ?? value <= runtime.Accelerator.MaxNumThreadsPerGroup;
}
