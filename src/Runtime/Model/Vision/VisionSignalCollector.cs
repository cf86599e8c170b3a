// PruneVid.NET — vision tower: signals for token reducers.
using PruneVid.Compute;
using PruneVid.Runtime.Config;
using PruneVid.Strategies;

namespace PruneVid.Runtime.Model.Vision;

/// <summary>
/// Computes the requested vision signals from a block's rotated q and k right after the block ran (they are still in
/// the scratch buffers), and returns them per merged token in raster order.
/// </summary>
internal sealed class VisionSignalCollector(ComputeBackend backend, VisionConfig config, IReadOnlyList<VisionSignalRequest> requests)
{
    private readonly Dictionary<VisionSignalRequest, float[]> _values = [];
    private readonly (VisionSignalRequest Request, int Block)[] _resolved = requests.Distinct().Select(r => (r, r.ResolveBlock(config.Depth))).ToArray();

    /// <summary>Computes every signal of block <paramref name="block"/> (segments <paramref name="blockSegments"/>).</summary>
    public void AfterBlock(int block, VisionScratch scratch, VisionWindowLayout layout, int[] blockSegments)
    {
        var shape = AttentionShape.Create(config.NumHeads, config.NumHeads, config.HeadDim);
        int unit = layout.SpatialMergeUnit, units = layout.UnitCount;
        foreach (var (request, _) in _resolved.Where(r => r.Block == block))
        {
            float[] windowOrder = new float[units];
            if (request.Kind == VisionSignalKind.FrameSaliency)
            {
                // FastVID: all patches of a temporal step form one segment, whatever the block's own windows.
                using Tensor saliency = backend.Allocate(DType.F32, units);
                backend.Reduction.FrameSaliency(scratch.Q, scratch.K, shape, layout.CuFullSeqLens, unit, saliency);
                backend.CopyToHost(saliency, windowOrder);
            }
            else
            {
                using Tensor sums = backend.Allocate(DType.F32, layout.PatchCount);
                backend.Reduction.AttentionColumnSums(scratch.Q, scratch.K, shape, blockSegments, sums);
                float[] perPatch = new float[layout.PatchCount];
                backend.CopyToHost(sums, perPatch);
                for (int j = 0; j < units; j++)
                    for (int r = 0; r < unit; r++) windowOrder[j] += perPatch[j * unit + r];
            }
            float[] raster = new float[units];
            for (int j = 0; j < units; j++) raster[layout.WindowIndex[j]] = windowOrder[j];
            _values[request] = raster;
        }
    }

    /// <summary>The signals computed (every request must have met its block).</summary>
    public VisionSignals Result() => new(_values);
}
