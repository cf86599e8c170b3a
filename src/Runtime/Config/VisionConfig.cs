// PruneVid.NET — model configuration.
namespace PruneVid.Runtime.Config;

/// <summary>The vision tower's configuration (<c>vision_config</c>). Arrays are owned by the record.</summary>
public sealed record VisionConfig
{
    /// <summary>Number of transformer blocks.</summary>
    public required int Depth { get; init; }

    /// <summary>Vision width.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>SwiGLU width of each block.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Attention heads.</summary>
    public required int NumHeads { get; init; }

    /// <summary>Spatial patch edge in pixels.</summary>
    public required int PatchSize { get; init; }

    /// <summary>Frames per temporal patch.</summary>
    public required int TemporalPatchSize { get; init; }

    /// <summary>Patches per merged token along each spatial axis.</summary>
    public required int SpatialMergeSize { get; init; }

    /// <summary>Attention window edge in pixels.</summary>
    public required int WindowSize { get; init; }

    /// <summary>0-based blocks that attend over a whole temporal step instead of windows.</summary>
    public required int[] FullAttBlockIndexes { get; init; }

    /// <summary>Merger output width (= the LLM hidden size).</summary>
    public required int OutHiddenSize { get; init; }

    /// <summary>Temporal position units per second of video (M-RoPE).</summary>
    public required int TokensPerSecond { get; init; }

    /// <summary>Input channels (HF reads <c>in_channels</c>, default 3; the <c>in_chans</c> of hub files is ignored, as in HF).</summary>
    public required int InChannels { get; init; }

    /// <summary>MLP activation name (Qwen2.5-VL: "silu").</summary>
    public required string HiddenAct { get; init; }

    /// <summary>Per-head width.</summary>
    public int HeadDim => HiddenSize / NumHeads;

    /// <summary>Width of the merger input: hidden × merge².</summary>
    public int MergedHiddenSize => HiddenSize * SpatialMergeSize * SpatialMergeSize;

    /// <summary>Flattened length of one patch: channels × temporal × patch².</summary>
    public int PatchVectorLength => InChannels * TemporalPatchSize * PatchSize * PatchSize;
}
