// PruneVid.NET — parity against reference activations.
using PruneVid.Compute;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model.Vision;

namespace PruneVid.Tools.Parity;

/// <summary>The model's <see cref="VisionEncoder"/> as the parity run's vision stage.</summary>
public sealed class VisionEncoderStage : IVisionStage
{
    private readonly VisionEncoder _encoder;

    private VisionEncoderStage(VisionEncoder encoder) => _encoder = encoder;

    /// <summary>Uploads the vision weights of <paramref name="config"/> (usable as <see cref="ParityOptions.CreateVision"/>).</summary>
    public static IVisionStage Create(ComputeBackend backend, Qwen25VLConfig config, IWeightSource weights) =>
        new VisionEncoderStage(new VisionEncoder(backend, config.Vision, weights));

    /// <inheritdoc />
    public Tensor Encode(Tensor pixelValues, IReadOnlyList<(int T, int H, int W)> grids, Action<string, Tensor>? observe, string outputName) =>
        _encoder.Encode(pixelValues, grids, observe, outputName);

    /// <inheritdoc />
    public void Dispose() => _encoder.Dispose();
}
