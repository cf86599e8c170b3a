// PruneVid.NET — device layer: the reduction capability, the token reducers' algorithms on a backend.
namespace PruneVid.Compute;

/// <summary>
/// The algorithms token reducers run where the embeddings are, reached through <see cref="ComputeBackend.Reduction"/>:
/// PruneVid Stage 1's row means, static test and batched DPC-KNN merge (the Clustering family), and the attention
/// signals reducers score tokens with: attention scores, FastVID's frame saliency and VisionZip's column sums (the
/// Attention family). The model's forward pass uses none of them, so they stay off the op list the model is written
/// against. Each op is validated here with the device layer's message style ("Op: what is wrong"), skips empty work,
/// and runs on the backend's core; the validation and the cores live in the op's family folder.
/// </summary>
public sealed partial class ReductionOps
{
    private readonly ComputeBackend _backend;

    internal ReductionOps(ComputeBackend backend) => _backend = backend;
}
