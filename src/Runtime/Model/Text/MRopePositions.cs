// PruneVid.NET — language model: M-RoPE positions.
namespace PruneVid.Runtime.Model.Text;

/// <summary>Token ids the position algorithm needs (from the model config; other checkpoints may remap them).</summary>
/// <param name="ImageTokenId"><c>&lt;|image_pad|&gt;</c>.</param>
/// <param name="VideoTokenId"><c>&lt;|video_pad|&gt;</c>.</param>
public readonly record struct PlaceholderIds(int ImageTokenId, int VideoTokenId);

/// <summary>
/// The (t, h, w) M-RoPE positions of a prompt (HF <c>get_rope_index</c>; docs/prunevid.md, positions policy). Text advances all three
/// streams together; a vision item's tokens sit at <c>base + offset</c> where base is the position after the
/// preceding text; the text after an item continues at <c>base + max(offsets over its tokens, all streams) + 1</c>
/// (for a full grid: <c>base + max(tIdx(t−1), gh−1, gw−1) + 1</c>). Without vision items the positions are 0..L−1.
/// </summary>
public sealed class MRopePositions
{
    private MRopePositions(int[] positions, int length)
    {
        Values = positions;
        Length = length;
        int max = -1;
        foreach (int p in positions) max = Math.Max(max, p);
        NextPosition = max + 1;
    }

    /// <summary>Positions as [3, L] row-major: the t row, then h, then w (the layout of HF <c>position_ids[:, 0]</c>).</summary>
    public int[] Values { get; }

    /// <summary>Number of tokens L.</summary>
    public int Length { get; }

    /// <summary>The position of the first generated token: max(positions) + 1 (0 for an empty prompt).</summary>
    public int NextPosition { get; }

    /// <summary>HF's <c>rope_deltas</c>: max(positions) + 1 − L; decode token at cache index c sits at c + delta.</summary>
    public int RopeDelta => NextPosition - Length;

    /// <summary>Stream s (0 t, 1 h, 2 w) of token i.</summary>
    public int this[int stream, int token] => Values[stream * Length + token];

    /// <summary>
    /// Computes the positions of <paramref name="ids"/>. <paramref name="media"/> lists the prompt's images and videos
    /// in order (images and videos are matched to <c>&lt;|image_pad|&gt;</c> / <c>&lt;|video_pad|&gt;</c> runs
    /// separately, each kind in order, as HF does); each item fills the next <see cref="MediaItem.TokenCount"/>
    /// placeholders of its kind, which must be contiguous.
    /// </summary>
    public static MRopePositions Compute(ReadOnlySpan<int> ids, IReadOnlyList<MediaItem> media, PlaceholderIds placeholders)
    {
        ArgumentNullException.ThrowIfNull(media);
        if (placeholders.ImageTokenId == placeholders.VideoTokenId) throw new ArgumentException("image and video placeholder ids must differ");
        var images = new Queue<MediaItem>(media.Where(m => m.Kind == MediaKind.Image));
        var videos = new Queue<MediaItem>(media.Where(m => m.Kind == MediaKind.Video));
        int length = ids.Length;
        var pos = new int[3 * length];
        int next = 0; // position of the next text token: max assigned so far + 1
        int i = 0;
        while (i < length)
        {
            int id = ids[i];
            bool isImage = id == placeholders.ImageTokenId, isVideo = id == placeholders.VideoTokenId;
            if (!isImage && !isVideo)
            {
                pos[i] = pos[length + i] = pos[2 * length + i] = next++;
                i++;
                continue;
            }
            var queue = isImage ? images : videos;
            string kind = isImage ? "image" : "video";
            if (!queue.TryDequeue(out MediaItem? item))
                throw new ArgumentException($"token {i} is a {kind} placeholder, but all {media.Count(m => m.Kind == (isImage ? MediaKind.Image : MediaKind.Video))} {kind} item(s) are already placed");
            int count = item.TokenCount;
            if (i + count > length)
                throw new ArgumentException($"{item} needs {count} placeholder tokens from index {i}, but the prompt ends at {length}");
            int baseline = next, maxOffset = -1;
            var offsets = item.Offsets;
            for (int n = 0; n < count; n++)
            {
                if (ids[i + n] != id)
                    throw new ArgumentException($"{item} needs {count} contiguous {kind} placeholders from index {i}, but token {i + n} is {ids[i + n]}");
                var o = offsets[n];
                pos[i + n] = baseline + o.T;
                pos[length + i + n] = baseline + o.H;
                pos[2 * length + i + n] = baseline + o.W;
                maxOffset = Math.Max(maxOffset, Math.Max(o.T, Math.Max(o.H, o.W)));
            }
            next = baseline + maxOffset + 1;
            i += count;
            if (count > 0 && i < length && ids[i] == id)
                throw new ArgumentException($"{item} fills {count} {kind} placeholders from index {i - count}, but token {i} is one more: the placeholder count does not match the {kind} items");
        }
        if (images.Count > 0 || videos.Count > 0)
            throw new ArgumentException($"{images.Count} image and {videos.Count} video item(s) have no placeholders in the prompt");
        return new MRopePositions(pos, length);
    }

    /// <summary>
    /// Positions [3, S] (stream-major, as <see cref="Values"/>) restricted to <paramref name="rows"/>: every kept token
    /// keeps its own ids; nothing is renumbered, so gaps appear where tokens were dropped.
    /// </summary>
    public static int[] GatherRows(int[] positions, IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(rows);
        if (positions.Length % 3 != 0) throw new ArgumentException($"positions must be [3, S], got {positions.Length} values", nameof(positions));
        int length = positions.Length / 3;
        var gathered = new int[3 * rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            if ((uint)rows[i] >= (uint)length) throw new ArgumentOutOfRangeException(nameof(rows), $"row {rows[i]} is outside the {length} positions");
            for (int s = 0; s < 3; s++) gathered[s * rows.Count + i] = positions[s * length + rows[i]];
        }
        return gathered;
    }

    /// <summary>Text-only positions 0..L−1 (what <see cref="Compute"/> gives without vision items).</summary>
    public static MRopePositions Sequential(int length, int start = 0)
    {
        if (length < 0 || start < 0) throw new ArgumentOutOfRangeException(nameof(length), "length and start must be non-negative");
        var pos = new int[3 * length];
        for (int s = 0; s < 3; s++)
            for (int i = 0; i < length; i++) pos[s * length + i] = start + i;
        return new MRopePositions(pos, length);
    }
}
