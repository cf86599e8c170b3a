// PruneVid.NET — tokenizer.
namespace PruneVid.Runtime.Text;

/// <summary>The added tokens of Qwen2.5-VL (ids 151643..151664) and the ones the prompt code needs by name.</summary>
public static class QwenSpecialTokens
{
    public const string EndOfText = "<|endoftext|>";
    public const string ImStart = "<|im_start|>";
    public const string ImEnd = "<|im_end|>";
    public const string VisionStart = "<|vision_start|>";
    public const string VisionEnd = "<|vision_end|>";
    public const string ImagePad = "<|image_pad|>";
    public const string VideoPad = "<|video_pad|>";

    /// <summary>Qwen2.5-VL's added-token table, used when a model folder has vocab.json + merges.txt but no tokenizer config.</summary>
    public static IReadOnlyList<(string Content, int Id, bool Special)> Qwen25VLAddedTokens { get; } =
    [
        (EndOfText, 151643, true), (ImStart, 151644, true), (ImEnd, 151645, true),
        ("<|object_ref_start|>", 151646, true), ("<|object_ref_end|>", 151647, true),
        ("<|box_start|>", 151648, true), ("<|box_end|>", 151649, true),
        ("<|quad_start|>", 151650, true), ("<|quad_end|>", 151651, true),
        (VisionStart, 151652, true), (VisionEnd, 151653, true), ("<|vision_pad|>", 151654, true),
        (ImagePad, 151655, true), (VideoPad, 151656, true),
        ("<tool_call>", 151657, false), ("</tool_call>", 151658, false),
        ("<|fim_prefix|>", 151659, false), ("<|fim_middle|>", 151660, false), ("<|fim_suffix|>", 151661, false),
        ("<|fim_pad|>", 151662, false), ("<|repo_name|>", 151663, false), ("<|file_sep|>", 151664, false),
    ];
}
