// PruneVid.NET — tokenizer tests.
using System.Text;

namespace PruneVid.Runtime.Tests.Text;

/// <summary>Seeded random text that stresses the pre-tokenizer: mixed scripts, digits, whitespace runs, controls, emoji, special-token pieces.</summary>
internal static class FuzzText
{
    private static readonly string[] s_words =
    [
        "Hello", "world", "video", "The", "quick", "naïve", "café", "Ünïcödé", "Straße", "ÆØÅ", "ﬁ", "Ｆｕｌｌ",
        "数字", "视频中的人在做什么", "日本語のテキスト", "한국어", "Привет", "мир", "مرحبا", "שלום", "हिन्दी", "ไทย", "Ελληνικά",
        "I'm", "they'll've", "DON'T", "it's", "we'RE", "snake_case", "CamelCase", "x**2", "a?b=c&d=e", "https://example.com/",
        "e\u0301", "a\u0308", "n\u0303", "\u1100\u1161", "Å", "Ω", "ﬀ", "\u00BD", "²", "①", "Ⅻ", "٣", "१२३",
    ];

    private static readonly string[] s_specials =
    [
        "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|vision_start|>", "<|video_pad|>", "<|image_pad|>", "<|vision_end|>",
        "<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|file_sep|>", "<|im_", "im_end|>", "<|", "|>", "<|video_pad", "<think>",
    ];

    private static readonly string[] s_spaces =
    [
        " ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", "\r", " \n", "\u00A0", "\u3000", "\u2028", "\u0085", "\u2009", "\v", "\f",
        "\u200B", "\u00AD", "\t\t ", " \r\n ",
    ];

    private static readonly string[] s_emoji =
    [
        "😀", "👍🏽", "🇺🇸", "🎥", "🙂", "👨‍👩‍👧", "❤️", "🏳️‍🌈", "🤖", "✨", "🧪", "#️⃣",
    ];

    /// <summary>One random string of 0..~60 characters.</summary>
    public static string Next(Random random)
    {
        var sb = new StringBuilder();
        int parts = random.Next(0, 12);
        for (int i = 0; i < parts; i++)
        {
            switch (random.Next(9))
            {
                case 0: case 1: sb.Append(s_words[random.Next(s_words.Length)]); break;
                case 2: sb.Append(s_spaces[random.Next(s_spaces.Length)]); break;
                case 3: for (int d = random.Next(1, 8); d > 0; d--) sb.Append((char)('0' + random.Next(10))); break;
                case 4: sb.Append(s_emoji[random.Next(s_emoji.Length)]); break;
                case 5: sb.Append(s_specials[random.Next(s_specials.Length)]); break;
                case 6: sb.Append((char)random.Next(1, 0x20)); break; // controls (not NUL: the native oracle takes C strings)
                case 7: sb.Append("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"[random.Next(32)]); break;
                default:
                    // Any BMP character outside the surrogate range, or an astral one.
                    int cp = random.Next(4) == 0 ? random.Next(0x10000, 0x2FFFF) : random.Next(0x20, 0xD800);
                    if (char.IsSurrogate((char)cp) == false) sb.Append(char.ConvertFromUtf32(cp));
                    break;
            }
        }
        return sb.ToString();
    }
}
