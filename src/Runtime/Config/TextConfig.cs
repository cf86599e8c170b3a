// PruneVid.NET — model configuration.
namespace PruneVid.Runtime.Config;

/// <summary>The language model's configuration. Arrays are owned by the record: do not mutate them.</summary>
public sealed record TextConfig
{
    /// <summary>Model width H.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>SwiGLU width I.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Decoder layer count.</summary>
    public required int NumHiddenLayers { get; init; }

    /// <summary>Query heads.</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary>Key/value heads (GQA).</summary>
    public required int NumKeyValueHeads { get; init; }

    /// <summary>Per-head width: <c>head_dim</c> when the file has it, otherwise hidden / heads.</summary>
    public required int HeadDim { get; init; }

    /// <summary>RoPE base frequency.</summary>
    public required double RopeTheta { get; init; }

    /// <summary>M-RoPE split of head_dim/2 frequency pairs into (t, h, w), e.g. [16,24,24].</summary>
    public required int[] MropeSection { get; init; }

    /// <summary>RMSNorm epsilon.</summary>
    public required double RmsNormEps { get; init; }

    /// <summary>Embedding rows (padded vocabulary).</summary>
    public required int VocabSize { get; init; }

    /// <summary>Whether lm_head shares the embedding table.</summary>
    public required bool TieWordEmbeddings { get; init; }

    /// <summary>Context length the model was configured for.</summary>
    public required int MaxPositionEmbeddings { get; init; }

    /// <summary>MLP activation name (Qwen2.5-VL: "silu").</summary>
    public required string HiddenAct { get; init; }

    /// <summary>Width of the K and V projections: kv heads × head_dim.</summary>
    public int KeyValueSize => NumKeyValueHeads * HeadDim;

    /// <summary>Width of the Q projection: heads × head_dim.</summary>
    public int QuerySize => NumAttentionHeads * HeadDim;
}
