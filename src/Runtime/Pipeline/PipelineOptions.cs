// PruneVid.NET — pipeline.
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Preprocessing;

namespace PruneVid.Runtime.Pipeline;

/// <summary>How a <see cref="VideoQaPipeline"/> is built: device, token reducer and input settings.</summary>
public sealed record PipelineOptions
{
    /// <summary>Where the model runs (default: a GPU when present).</summary>
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    /// <summary>Token reducer by registry name (<c>prunevid-stage1</c>, <c>noop</c>, a preset name, …).</summary>
    public string Strategy { get; init; } = "noop";

    /// <summary>Reducer parameters as <c>"tau=0.8,cluster_ratio=0.5"</c> (null: the reducer's defaults).</summary>
    public string? StrategyParameters { get; init; }

    /// <summary>Video frame sampling (fps, frame and pixel budgets, start/end time).</summary>
    public VideoSamplingOptions Sampling { get; init; } = VideoSamplingOptions.Default;

    /// <summary>Processor settings (patch sizes, normalisation).</summary>
    public VisionPreprocessorOptions Preprocessing { get; init; } = VisionPreprocessorOptions.Default;

    /// <summary>Folder with tokenizer.json (or vocab.json + merges.txt) when it is not the model folder.</summary>
    public string? TokenizerDirectory { get; init; }

    /// <summary>Folder holding ffmpeg/ffprobe (null: search PATH).</summary>
    public string? FfmpegFolder { get; init; }

    /// <summary>
    /// Print reducer summaries such as <c>[Stage 1] Tokens: 2304 -> 1152 (50.0% reduction)</c> (turns on the
    /// reducer's own <c>verbose</c> parameter when it has one and the parameters do not set it).
    /// </summary>
    public bool Verbose { get; init; }

    /// <summary>Where progress and verbose lines go (null: discarded).</summary>
    public Action<string>? Log { get; init; }
}
