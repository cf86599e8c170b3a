// PruneVid.NET — benchmarks: `--name value` options shared by every benchmark.
using System.Globalization;

namespace PruneVid.Bench;

/// <summary>Reads <c>--name value</c> pairs from a benchmark's arguments.</summary>
internal static class BenchOptions
{
    /// <summary>The value after <paramref name="name"/>, or null when absent.</summary>
    public static string? Text(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>The integer after <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public static int Int(string[] args, string name, int fallback) =>
        Text(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
