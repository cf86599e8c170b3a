// PruneVid.NET — pipeline stage 1 of 4: pixels → video embeddings (+ the vision signals the reducers asked for).
using PruneVid.Compute;
using PruneVid.Runtime.Model.Vision;
using PruneVid.Strategies;

namespace PruneVid.Runtime.Pipeline;

/// <summary>The vision tower over every video of a request in one call: [Σ tokens, hidden] embeddings, in video order.</summary>
internal sealed class VisionStage(ComputeBackend backend, VisionEncoder encoder)
{
    /// <summary>
    /// Encodes <paramref name="videos"/>, computing in the same pass the attention signals of
    /// <paramref name="signalRequests"/> (empty: none); the caller owns the result.
    /// </summary>
    public EncodedVideos Encode(VideoInputs videos, IReadOnlyList<VisionSignalRequest> signalRequests)
    {
        using Tensor pixels = backend.FromF32(videos.PixelValues, videos.PixelValues.Length / videos.RowLength, videos.RowLength);
        Tensor embeds = encoder.Encode(pixels, videos.Grids, signalRequests, out VisionSignals signals);
        backend.Synchronize();
        return new EncodedVideos(embeds, signals);
    }
}
