// PruneVid.NET — tokenizer tests.
using System.Text.Json;
using PruneVid.Runtime.Text;
using Xunit;

namespace PruneVid.Runtime.Tests.Text;

/// <summary>The managed tokenizer against ids produced by Hugging Face <c>tokenizers</c> (fixture) and hand-checked vectors.</summary>
public class TokenizerReferenceTests
{
    public static TheoryData<int> ReferenceCases()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < LoadReference().Count; i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void FixtureStringEncodesToReferenceIdsAndDecodesBack(int index)
    {
        var (text, ids, decoded) = LoadReference()[index];
        var tokenizer = SharedTokenizer.Instance;

        Assert.Equal(ids, tokenizer.Encode(text));
        Assert.Equal(decoded, tokenizer.Decode(ids));
    }

    [Fact]
    public void ChatPrefixMatchesTheIdsOfThePublishedIntegrationTest()
    {
        // Ids from docs/model.md §5.6 (verified against HF's Qwen2.5-VL integration test).
        const string text = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|><|video_pad|><|video_pad|><|vision_end|>Describe this video.<|im_end|>\n<|im_start|>assistant\n";
        int[] expected = [151644, 8948, 198, 2610, 525, 264, 10950, 17847, 13, 151645, 198, 151644, 872, 198, 151652, 151656, 151656, 151653, 74785, 419, 2766, 13, 151645, 198, 151644, 77091, 198];
        Assert.Equal(expected, SharedTokenizer.Instance.Encode(text));
    }

    [Fact]
    public void CombiningAccentIsComposedBeforeBpe()
    {
        // "e" + U+0301 must tokenize like the precomposed "é" (NFC), which is one token.
        var tokenizer = SharedTokenizer.Instance;
        Assert.Equal(tokenizer.Encode("caf\u00e9"), tokenizer.Encode("cafe\u0301"));
        Assert.Equal(new[] { 963 }, tokenizer.Encode("e\u0301"));
    }

    [Theory]
    // Astral letters/digits must act as letters/digits (the .NET regex engine would see two surrogate "symbols").
    [InlineData("\U0001D5C8<CamelCase", new[] { "\U0001D5C8", "<CamelCase" })]
    [InlineData("a\U00020000b", new[] { "a\U00020000b" })]
    [InlineData("x \U0001D7D9\U0001D7DA", new[] { "x", " ", "\U0001D7D9", "\U0001D7DA" })]
    // Whitespace backtracking: \s+(?!\S) leaves the last space for the next word; \s*[\r\n]+ ends at the last newline.
    [InlineData("a   b", new[] { "a", "  ", " b" })]
    [InlineData("a \n \n  b", new[] { "a", " \n \n", " ", " b" })]
    [InlineData("it's 'LL", new[] { "it", "'s", " '", "LL" })]
    [InlineData("?!\r\n\r\nx", new[] { "?!\r\n\r\n", "x" })]
    public void PreTokenizerSplitsLikeTheQwenPattern(string text, string[] expected)
    {
        var pieces = QwenPreTokenizer.Split(text).Select(p => text.Substring(p.Offset, p.Length));
        Assert.Equal(expected, pieces);
    }

    [Fact]
    public void AddedTokenIsFoundBeforeNormalization()
    {
        // NFC would compose the token's '>' with U+0338 into U+226F; HF matches the token on the raw text first.
        var tokenizer = SharedTokenizer.Instance;
        int[] ids = tokenizer.Encode("<|im_end|>\u0338");
        Assert.Equal(151645, ids[0]);
    }

    [Fact]
    public void DecodeCanSkipSpecialTokensOnly()
    {
        var tokenizer = SharedTokenizer.Instance;
        int[] ids = tokenizer.Encode("<|im_start|>Hi<tool_call><|im_end|>");
        Assert.Equal("Hi<tool_call>", tokenizer.Decode(ids, skipSpecialTokens: true)); // <tool_call> is added but not special
        Assert.Equal("<|im_start|>Hi<tool_call><|im_end|>", tokenizer.Decode(ids));
    }

    [Fact]
    public void LoneSurrogateIsReadAsTheReplacementCharacter()
    {
        // string.Normalize throws on unpaired surrogates; the tokenizer treats them as U+FFFD instead.
        var tokenizer = SharedTokenizer.Instance;
        Assert.Equal(tokenizer.Encode("a\uFFFDb c\u00e9"), tokenizer.Encode("a\uD800b ce\u0301"));
    }

    [Fact]
    public void DecodeRejectsAnUnknownIdByName()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => SharedTokenizer.Instance.Decode([9707, 999_999]));
        Assert.Contains("999999", ex.Message);
    }

    [Fact]
    public void InvariantGlobalizationIsRefusedLoudly()
    {
        // Under invariant globalization string.Normalize returns its input unchanged; simulate that.
        var ex = Assert.Throws<InvalidOperationException>(() => QwenTokenizer.EnsureNormalizationAvailable(s => s));
        Assert.Contains("ICU", ex.Message);
        QwenTokenizer.EnsureNormalizationAvailable(s => s.Normalize(System.Text.NormalizationForm.FormC));
    }

    private static List<(string Text, int[] Ids, string Decoded)> LoadReference()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(SharedTokenizer.Folder, "tokenizer_reference.json")));
        return doc.RootElement.EnumerateArray()
            .Select(e => (e.GetProperty("text").GetString()!,
                          e.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
                          e.GetProperty("decoded").GetString()!))
            .ToList();
    }
}
