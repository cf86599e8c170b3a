// PruneVid.NET — vision tower: signals for token reducers.
using PruneVid.Compute;
using PruneVid.Strategies;

namespace PruneVid.Runtime.Model.Vision;

public sealed partial class VisionEncoder
{
    /// <summary>
    /// Encodes like <see cref="Encode(Tensor, IReadOnlyList{ValueTuple{int, int, int}}, Action{string, Tensor}?, string)"/>
    /// and, during the same pass, computes the vision signals in <paramref name="requests"/> (one value per output row,
    /// raster order, items concatenated). An empty request list costs nothing extra.
    /// </summary>
    public Tensor Encode(Tensor pixelValues, IReadOnlyList<(int T, int H, int W)> grids, IReadOnlyList<VisionSignalRequest> requests,
        out VisionSignals signals, Action<string, Tensor>? observe = null)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var collector = requests.Count == 0 ? null : new VisionSignalCollector(_backend, Config, requests);
        Tensor output = Encode(pixelValues, grids, observe, VisionActivationNames.VideoEmbeds, collector);
        signals = collector?.Result() ?? VisionSignals.Empty;
        return output;
    }
}
