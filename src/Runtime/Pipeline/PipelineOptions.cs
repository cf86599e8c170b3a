// PruneVid.NET — pipeline.
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Preprocessing;

using PruneVid.Runtime.Model.Text;

namespace PruneVid.Runtime.Pipeline;

/// <summary>How a <see cref="VideoQaPipeline"/> is built: device, token reducer and input settings.</summary>
public sealed record PipelineOptions
{
    /// <summary>Where the model runs (default: a GPU when present).</summary>
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    /// <summary>
    /// How the language model's linear layers are held: as stored (default, bf16 as in HF), or quantized at load to
    /// int8/int4 (less memory and faster CPU decode, at a measured cost in logits; see docs/weights.md).
    /// </summary>
    public Runtime.Model.WeightFormat Weights { get; init; } = Runtime.Model.WeightFormat.Stored;

    /// <summary>
    /// The strategy spec: a reducer (<c>noop</c>, <c>prunevid-stage1</c>, <c>fastv</c>), a preset (<c>name:preset</c>),
    /// inline values (<c>name(k=v)</c>), a chain (<c>prunevid-stage1:aggressive+prunevid-stage2(alpha=0.3)</c>) or a
    /// named chain (<c>prunevid</c>); see <see cref="PruneVid.Strategies.StrategySpec"/>.
    /// </summary>
    public string Strategy { get; init; } = "noop";

    /// <summary>
    /// Parameters as <c>"tau=0.8,alpha=0.3"</c>, applied over the spec's values to every stage that declares each
    /// name (null: the spec's values and the reducers' defaults).
    /// </summary>
    public string? StrategyParameters { get; init; }

    /// <summary>
    /// A token budget: the share in (0, 1] of each video's visual tokens to keep after the last stage, met by tuning the
    /// strategy's budget knobs per video (overrides a <c>retention=R</c> in the spec or the parameters; null: none).
    /// </summary>
    public double? Retention { get; init; }

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

    /// <summary>
    /// Megabytes of vision-tower outputs kept on the model's device for later questions about the same media
    /// (<see cref="EncoderCache"/>; 0: no cache). Shared by every pipeline made from the loaded one.
    /// </summary>
    public int EncoderCacheMegabytes { get; init; } = DefaultEncoderCacheMegabytes;

    /// <summary>The encoder cache's default size: about a quarter of an hour of 1-fps 448×252 video on the 3B model's 2,048-wide float embeddings.</summary>
    public const int DefaultEncoderCacheMegabytes = 512;

    /// <summary>
    /// Megabytes of prompt-prefix KV rows kept for later prompts that share the prefix (system prompt and video
    /// tokens; <see cref="PrefixCache"/>; 0: no reuse). Shared by every pipeline made from the loaded one.
    /// </summary>
    public int PrefixCacheMegabytes { get; init; } = DefaultPrefixCacheMegabytes;

    /// <summary>The prefix cache's default size: a few 1,200-token prefixes of the 3B model (about 87 MB each).</summary>
    public const int DefaultPrefixCacheMegabytes = 512;

    /// <summary>
    /// Sequences of concurrent callers decoded together (continuous batching, <see cref="DecodeScheduler"/>; 1: each
    /// call decodes alone). Above 1, callers that run the pipeline at once hold <see cref="VideoQaPipeline.DecodeScheduler"/>'s
    /// gate around each call (the chat client and the evaluation do); a call gives it back while its sequence decodes.
    /// </summary>
    public int DecodeBatch { get; init; } = 1;

    /// <summary>Where progress and verbose lines go (null: discarded).</summary>
    public Action<string>? Log { get; init; }
}
