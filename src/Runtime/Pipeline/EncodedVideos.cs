// PruneVid.NET — pipeline: what the vision stage hands the reduction stage.
using PruneVid.Compute;
using PruneVid.Strategies;

namespace PruneVid.Runtime.Pipeline;

/// <summary>The vision stage's output: every video's embeddings, one after the other, and their vision signals (row-aligned).</summary>
internal sealed record EncodedVideos(Tensor Embeddings, VisionSignals Signals) : IDisposable
{
    public void Dispose() => Embeddings.Dispose();
}
