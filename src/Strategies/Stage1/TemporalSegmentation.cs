// PruneVid.NET — PruneVid Stage 1.
namespace PruneVid.Strategies.Stage1;

/// <summary>
/// Contiguity refinement of the temporal DPC-KNN labels (official <c>refine_clusters</c>) and the resulting
/// segments (<c>segment_lengths</c>). docs/prunevid.md, Stage 1.
/// </summary>
public static class TemporalSegmentation
{
    /// <summary>
    /// Step A: for every label, runs shorter than its longest run are unassigned, and a label whose longest run is 1
    /// loses all its frames. Step B: every unassigned block, left to right, joins the neighbour with the strictly
    /// longer adjacent run (left on ties, the only neighbour if one, label 0 if none).
    /// </summary>
    public static int[] Refine(ReadOnlySpan<int> labels)
    {
        int n = labels.Length;
        int[] result = labels.ToArray();
        var longest = new Dictionary<int, int>();
        foreach (var (start, length) in Runs(labels))
            longest[labels[start]] = Math.Max(longest.GetValueOrDefault(labels[start]), length);
        foreach (var (start, length) in Runs(labels))
        {
            int max = longest[labels[start]];
            if (max == 1 || length < max) result.AsSpan(start, length).Fill(-1);
        }

        for (int s = 0; s < n; s++)
        {
            if (result[s] != -1) continue;
            int e = s;
            while (e + 1 < n && result[e + 1] == -1) e++;
            int left = s > 0 ? result[s - 1] : -1;
            int right = e + 1 < n ? result[e + 1] : -1;
            int leftLength = 0, rightLength = 0;
            if (left != -1) for (int i = s - 1; i >= 0 && result[i] == left; i--) leftLength++;
            if (right != -1) for (int i = e + 1; i < n && result[i] == right; i++) rightLength++;
            int chosen = (left, right) switch
            {
                (-1, -1) => 0,
                (_, -1) => left,
                (-1, _) => right,
                _ => rightLength > leftLength ? right : left,
            };
            result.AsSpan(s, e - s + 1).Fill(chosen);
            s = e;
        }
        return result;
    }

    /// <summary>Maximal runs of equal labels in time order, as (first index, length).</summary>
    public static List<(int Start, int Length)> Runs(ReadOnlySpan<int> labels)
    {
        var runs = new List<(int, int)>();
        for (int s = 0; s < labels.Length;)
        {
            int e = s;
            while (e + 1 < labels.Length && labels[e + 1] == labels[s]) e++;
            runs.Add((s, e - s + 1));
            s = e + 1;
        }
        return runs;
    }
}
