// PruneVid.NET — pipeline stage 1 of 4: pixels → video embeddings.
using PruneVid.Compute;
using PruneVid.Runtime.Model.Vision;

namespace PruneVid.Runtime.Pipeline;

/// <summary>The vision tower over every video of a request in one call: [Σ tokens, hidden] embeddings, in video order.</summary>
internal sealed class VisionStage(IComputeBackend backend, VisionEncoder encoder)
{
    /// <summary>Encodes <paramref name="videos"/>; the caller owns the result.</summary>
    public Tensor Encode(VideoInputs videos)
    {
        using Tensor pixels = backend.FromF32(videos.PixelValues, videos.PixelValues.Length / videos.RowLength, videos.RowLength);
        Tensor embeds = encoder.Encode(pixels, videos.Grids);
        backend.Synchronize();
        return embeds;
    }
}
