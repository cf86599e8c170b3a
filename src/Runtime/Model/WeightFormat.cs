// PruneVid.NET — model weights: how the language model's linear layers are held in memory.
namespace PruneVid.Runtime.Model;

/// <summary>
/// How the language model's seven linear layers per decoder layer (q, k, v, o, gate, up, down) are held. Embeddings,
/// norms, biases, lm_head and the vision tower always stay as stored. An AWQ checkpoint's packed layers stay packed
/// whatever is asked (they are already 4-bit).
/// </summary>
public enum WeightFormat
{
    /// <summary>As the checkpoint stores them (bf16 for the published checkpoints): the default, faithful to HF.</summary>
    Stored,

    /// <summary>Quantized at load to 8-bit codes, symmetric, one scale per 128 inputs.</summary>
    Int8,

    /// <summary>Quantized at load to 4-bit codes, ggml's Q4_0: one signed scale per 32 inputs, zero point 8.</summary>
    Int4,
}

/// <summary>Names of <see cref="WeightFormat"/> as the CLI and the server spell them.</summary>
public static class WeightFormats
{
    /// <summary>The accepted spellings: <c>bf16</c> (as stored), <c>int8</c>, <c>int4</c>.</summary>
    public const string Accepted = "bf16, int8 or int4";

    /// <summary>Parses <c>bf16</c>, <c>int8</c> or <c>int4</c> (case-insensitive).</summary>
    public static bool TryParse(string? text, out WeightFormat format)
    {
        format = text?.Trim().ToLowerInvariant() switch
        {
            "bf16" or "stored" => WeightFormat.Stored,
            "int8" => WeightFormat.Int8,
            "int4" => WeightFormat.Int4,
            _ => (WeightFormat)(-1),
        };
        return Enum.IsDefined(format);
    }

    /// <summary>Parses <c>bf16</c>, <c>int8</c> or <c>int4</c>; anything else is refused in a sentence naming the accepted values.</summary>
    public static WeightFormat Parse(string text) => TryParse(text, out WeightFormat format)
        ? format
        : throw new ArgumentException($"unknown weight format '{text}': use {Accepted}");

    /// <summary>The CLI spelling of <paramref name="format"/>.</summary>
    public static string Name(this WeightFormat format) => format switch
    {
        WeightFormat.Int8 => "int8",
        WeightFormat.Int4 => "int4",
        _ => "bf16",
    };
}
