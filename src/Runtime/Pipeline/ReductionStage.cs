// PruneVid.NET — pipeline stage 2 of 4: video embeddings → the tokens placed in the prompt (+ in-model hooks).
using PruneVid.Compute;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model.Text;
using PruneVid.Strategies;

namespace PruneVid.Runtime.Pipeline;

/// <summary>
/// Runs a <see cref="ReducerChain"/> video by video: every kept token keeps its original (t, h, w) offsets, the
/// segments each video's last reducer recorded are kept for the in-model hooks, and the hooks come from the first
/// video's chain (a hook acts on every video span of the prompt, so one set serves them all).
/// </summary>
internal sealed class ReductionStage(ComputeBackend backend, Qwen25VLConfig config)
{
    /// <summary>
    /// Reduces every video of <paramref name="encoded"/> (the vision stage's output for videos of the given
    /// <paramref name="grids"/>, in patches, and seconds per temporal grid step).
    /// </summary>
    public ReducedVideos Run(ReducerChain chain, EncodedVideos encoded, IReadOnlyList<(int T, int H, int W)> grids,
        IReadOnlyList<double> secondsPerGrid, ReductionContext context)
    {
        Tensor embeds = encoded.Embeddings;
        var vision = config.Vision;
        int merge = vision.SpatialMergeSize;
        var result = new ReducedVideos();
        var counts = new List<IReadOnlyList<StageRecord>>();
        int row = 0;
        try
        {
            for (int v = 0; v < grids.Count; v++)
            {
                var (t, h, w) = grids[v];
                var full = MediaItem.Video(t, h, w, merge, secondsPerGrid[v], vision.TokensPerSecond);
                int count = full.TokenCount;
                Tensor slice = backend.SliceRows(embeds, row, count);
                result.Own(slice);
                row += count;
                VisionSignals? signals = encoded.Signals.Count == 0 ? null : encoded.Signals.Slice(row - count, count);
                var tokens = new VideoTokens(slice, new VideoGrid(t, h / merge, w / merge), full.Offsets.ToArray(), signals);
                var (reduction, stageCounts) = chain.Run(tokens, context);
                if (reduction.OwnsEmbeddings) result.Own(reduction.Embeddings);
                result.Add(reduction, MediaItem.FromOffsets(MediaKind.Video, reduction.Positions), frames: t, count);
                if (v == 0) result.Hooks = reduction.LanguageModelHooks;
                counts.Add(stageCounts);
            }
            result.Finish(Concat(result.Parts, config.Text.HiddenSize), StageRecord.SumOverVideos(counts));
            backend.Synchronize();
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    private Tensor Concat(IReadOnlyList<Tensor> parts, int width)
    {
        if (parts.Count == 1) return parts[0];
        Tensor all = backend.Allocate(DType.F32, parts.Sum(p => p.Rows), width);
        int at = 0;
        foreach (var part in parts)
        {
            using Tensor target = backend.SliceRows(all, at, part.Rows);
            backend.Copy(part, target);
            at += part.Rows;
        }
        return all;
    }
}
