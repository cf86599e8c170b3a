// PruneVid.NET — media input.
using System.Globalization;
using System.Text;

namespace PruneVid.Runtime.Media;

/// <summary>
/// The ffmpeg <c>select</c> expression that keeps exactly a set of frame numbers. ffmpeg's expression parser refuses a
/// flat sum of more than about 100 terms (<c>eq(n,0)+eq(n,2)+…</c>), so the terms are joined as a balanced binary
/// tree, whose nesting grows with log₂ of the count: 768 frames nest 10 deep. Runs of consecutive frames become one
/// <c>between(n,a,b)</c> term.
/// </summary>
internal static class FrameSelection
{
    /// <summary>The expression (commas escaped for a filter graph) selecting every frame in <paramref name="indices"/>.</summary>
    public static string Expression(IReadOnlyCollection<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Count == 0) throw new ArgumentException("no frames to select", nameof(indices));
        List<(int First, int Last)> runs = Runs(indices);
        var text = new StringBuilder(runs.Count * 20);
        Append(text, runs, 0, runs.Count);
        return text.ToString();
    }

    /// <summary>Sorted, de-duplicated frame numbers grouped into runs of consecutive numbers.</summary>
    internal static List<(int First, int Last)> Runs(IEnumerable<int> indices)
    {
        var runs = new List<(int First, int Last)>();
        foreach (int i in indices.Distinct().Order())
        {
            if (runs.Count > 0 && runs[^1].Last == i - 1) runs[^1] = (runs[^1].First, i);
            else runs.Add((i, i));
        }
        return runs;
    }

    private static void Append(StringBuilder text, List<(int First, int Last)> runs, int from, int to)
    {
        if (to - from == 1)
        {
            var (first, last) = runs[from];
            text.Append(first == last
                ? string.Create(CultureInfo.InvariantCulture, $"eq(n\\,{first})")
                : string.Create(CultureInfo.InvariantCulture, $"between(n\\,{first}\\,{last})"));
            return;
        }
        int middle = from + (to - from) / 2;
        text.Append('(');
        Append(text, runs, from, middle);
        text.Append('+');
        Append(text, runs, middle, to);
        text.Append(')');
    }
}
