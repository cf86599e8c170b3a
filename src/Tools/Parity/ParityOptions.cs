// PruneVid.NET — parity against reference activations.
using PruneVid.Compute;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;

namespace PruneVid.Tools.Parity;

/// <summary>Settings of a <see cref="ParityRunner"/> run.</summary>
public sealed record ParityOptions
{
    /// <summary>Bounds per tensor kind.</summary>
    public ParityTolerances Tolerances { get; init; } = new();

    /// <summary>
    /// Builds the vision tower from the loaded config and weights. Null: the language model is fed the reference
    /// file's <c>video_embeds</c>/<c>image_embeds</c> (which isolates it from vision errors) and vision tensors are skipped.
    /// </summary>
    public Func<ComputeBackend, Qwen25VLConfig, IWeightSource, IVisionStage>? CreateVision { get; init; }

    /// <summary>Compare <c>logits_argmax</c> (lm_head over every prompt position — the most expensive step).</summary>
    public bool CompareAllPositionArgMax { get; init; } = true;

    /// <summary>Seconds per temporal grid step of each video; null reads <c>reference.json</c> beside the file (default 1.0).</summary>
    public IReadOnlyList<double>? SecondsPerGrid { get; init; }

    /// <summary>Called with each comparison as soon as it is made (long runs report progress).</summary>
    public Action<ParityResult>? OnResult { get; init; }
}
