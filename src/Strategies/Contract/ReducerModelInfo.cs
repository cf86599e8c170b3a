// PruneVid.NET — token-reduction contract.
namespace PruneVid.Strategies;

/// <summary>
/// The few model numbers a reducer may need, copied from the model config by the pipeline (the contract does not
/// depend on the runtime's config types).
/// </summary>
/// <param name="HiddenSize">Width C of the video embeddings (the language model's hidden size, 3584 for 7B).</param>
/// <param name="LanguageModelLayers">Decoder layers of the loaded model, for hooks that act inside the language model.</param>
/// <param name="SpatialMergeSize">Vision patches merged per side into one token (2 for Qwen2.5-VL).</param>
/// <param name="TemporalPatchSize">Frames per temporal step (2 for Qwen2.5-VL).</param>
/// <param name="TokensPerSecond">M-RoPE temporal ids per second of video (Qwen2.5-VL <c>tokens_per_second</c>).</param>
public sealed record ReducerModelInfo(int HiddenSize, int LanguageModelLayers, int SpatialMergeSize = 2, int TemporalPatchSize = 2,
    double TokensPerSecond = 2);
