// PruneVid.NET — command line: the vision tower as the parity run sees it.
using PruneVid.Compute;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model.Parity;

namespace PruneVid.Cli.Commands;

/// <summary>Builds the vision stage used by <c>parity</c>.</summary>
internal static class VisionStages
{
    /// <summary>Null until the vision encoder is part of the build: the run then uses the reference embeddings.</summary>
    public static readonly Func<IComputeBackend, Qwen25VLConfig, IWeightSource, IVisionStage>? Default = null;
}
