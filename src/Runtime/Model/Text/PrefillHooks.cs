// PruneVid.NET — language model: applying in-model hooks during one prefill.
using PruneVid.Compute;
using PruneVid.Strategies;

namespace PruneVid.Runtime.Model.Text;

/// <summary>
/// The state of one prefill with hooks: which prompt rows are still in the sequence, their positions (gathered from
/// the prompt's, never renumbered) and the video spans. After a layer, each of its hooks sees the layer's state and
/// the sequence is gathered to the rows it keeps: hidden states, the pending KV rows of layers 0..L, positions.
/// </summary>
internal sealed class PrefillHooks : IDisposable
{
    private readonly ComputeBackend _backend;
    private readonly InModelReduction _reduction;
    private readonly AttentionShape _shape;
    private readonly List<StageRecord> _outcomes = [];
    private Tensor? _ownedHidden;

    public PrefillHooks(ComputeBackend backend, InModelReduction reduction, int[] positions, int rows, int layers, AttentionShape shape)
    {
        _backend = backend;
        _reduction = reduction;
        _shape = shape;
        foreach (var hook in reduction.Hooks)
            if ((uint)hook.LayerIndex >= (uint)layers)
                throw new ArgumentException($"hook '{hook.Name}' acts after layer {hook.LayerIndex}, but the model has layers 0..{layers - 1}");
        foreach (var span in reduction.Videos)
            if (span.Start < 0 || span.End > rows) throw new ArgumentException($"video span [{span.Start}, {span.End}) lies outside the {rows} prompt rows");
        Positions = positions;
        Videos = reduction.Videos;
        KeptRows = [.. Enumerable.Range(0, rows)];
    }

    /// <summary>Current positions, [3, rows] stream-major.</summary>
    public int[] Positions { get; private set; }

    /// <summary>Current video spans.</summary>
    public IReadOnlyList<VideoSpan> Videos { get; private set; }

    /// <summary>The prompt rows still in the sequence, ascending.</summary>
    public int[] KeptRows { get; private set; }

    /// <summary>What each hook that pruned did.</summary>
    public IReadOnlyList<StageRecord> Outcomes => _outcomes;

    /// <summary>A capture for layer <paramref name="layer"/> when one of its hooks needs queries or keys.</summary>
    public LayerCapture? CaptureFor(int layer)
    {
        var hooks = _reduction.Hooks.Where(h => h.LayerIndex == layer).ToArray();
        return hooks.Any(h => h.Inputs != HookAttentionInputs.None) ? new LayerCapture(hooks) : null;
    }

    /// <summary>Runs layer <paramref name="layer"/>'s hooks; returns true when the sequence shrank (<paramref name="hidden"/> replaced).</summary>
    public bool Apply(int layer, ref Tensor hidden, LayerCapture? capture, KvCache cache)
    {
        bool shrank = false;
        foreach (var hook in _reduction.Hooks)
        {
            if (hook.LayerIndex != layer) continue;
            var (q, k) = capture?.For(hook.Inputs) ?? (null, null);
            int[]? keep = hook.Apply(new LanguageModelLayerState(layer, hidden, q, k, _shape, Videos));
            int before = Videos.Sum(v => v.Length);
            if (keep is null || keep.Length == hidden.Rows)
            {
                _outcomes.Add(new StageRecord(hook.Name, before, before, layer, hidden.Rows));
                continue;
            }
            Check(hook, keep, hidden.Rows);
            using Tensor index = _backend.FromI32(keep, keep.Length);
            Tensor gathered = _backend.Allocate(DType.F32, keep.Length, hidden.RowLength);
            _backend.GatherRows(hidden, index, gathered);
            cache.KeepPending(hidden.Rows, keep, layer);
            capture?.Gather(_backend, index);
            _ownedHidden?.Dispose();
            _ownedHidden = hidden = gathered;
            Positions = MRopePositions.GatherRows(Positions, keep);
            KeptRows = [.. keep.Select(r => KeptRows[r])];
            Videos = Remap(Videos, keep);
            _outcomes.Add(new StageRecord(hook.Name, before, Videos.Sum(v => v.Length), layer, keep.Length));
            shrank = true;
        }
        return shrank;
    }

    public void Dispose() => _ownedHidden?.Dispose();

    private void Check(ILanguageModelReductionHook hook, int[] keep, int rows)
    {
        int video = 0;
        for (int i = 0; i < keep.Length; i++)
            if (keep[i] < 0 || keep[i] >= rows || (i > 0 && keep[i] <= keep[i - 1]))
                throw new InvalidOperationException($"hook '{hook.Name}' returned row {keep[i]} at index {i}: kept rows must be ascending, unique and inside 0..{rows - 1}");
        var kept = new HashSet<int>(keep);
        for (int r = 0; r < rows; r++)
        {
            while (video < Videos.Count && r >= Videos[video].End) video++;
            bool inVideo = video < Videos.Count && r >= Videos[video].Start;
            if (!inVideo && !kept.Contains(r))
                throw new InvalidOperationException($"hook '{hook.Name}' dropped row {r}, which is not a video token: hooks act on video tokens only");
        }
    }

    private static List<VideoSpan> Remap(IReadOnlyList<VideoSpan> spans, int[] keep)
    {
        var result = new List<VideoSpan>(spans.Count);
        foreach (var span in spans)
        {
            int start = LowerBound(keep, span.Start), end = LowerBound(keep, span.End);
            // Segments describe the tokens the earlier stages placed; once pruned they no longer tile the span.
            var segments = end - start == span.Length ? span.Segments : [];
            result.Add(new VideoSpan(start, end - start, span.Frames, segments));
        }
        return result;
    }

    private static int LowerBound(int[] sorted, int value)
    {
        int i = Array.BinarySearch(sorted, value);
        return i >= 0 ? i : ~i;
    }
}
