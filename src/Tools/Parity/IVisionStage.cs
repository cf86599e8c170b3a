// PruneVid.NET — parity against reference activations.
using PruneVid.Compute;

namespace PruneVid.Tools.Parity;

/// <summary>The vision tower as the parity run needs it: pixel rows + grids in, one feature row per placeholder out.</summary>
public interface IVisionStage : IDisposable
{
    /// <summary>
    /// Encodes f32 pixel rows [Σ t·h·w, patch vector] of the items in <paramref name="grids"/> (t, h, w in patches);
    /// returns [placeholders, H]. Named intermediates go to <paramref name="observe"/>, the output under
    /// <paramref name="outputName"/>.
    /// </summary>
    Tensor Encode(Tensor pixelValues, IReadOnlyList<(int T, int H, int W)> grids, Action<string, Tensor>? observe, string outputName);
}
