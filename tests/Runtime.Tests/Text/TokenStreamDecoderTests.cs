// PruneVid.NET — tokenizer tests.
using System.Text;
using Xunit;

namespace PruneVid.Runtime.Tests.Text;

public class TokenStreamDecoderTests
{
    [Fact]
    public void EmojiSplitOverTokensIsEmittedOnlyWhenComplete()
    {
        var tokenizer = SharedTokenizer.Instance;
        // Reference ids: "emoji 🎥🙂👍🏽 mixed" — 🎥 is split over 3 byte-level tokens (11162, 236, 98).
        int[] ids = [37523, 11162, 236, 98, 145080, 144349, 145375, 9519];
        var decoder = tokenizer.CreateStreamDecoder();
        var pieces = ids.Select(decoder.Push).ToList();
        pieces.Add(decoder.Flush());

        Assert.Equal("emoji 🎥🙂👍🏽 mixed", string.Concat(pieces));
        Assert.DoesNotContain(pieces, p => p.Contains('\uFFFD'));
        Assert.Equal(" ", pieces[1]);                  // token 11162 is " " + the first two bytes of 🎥: those are held back
        Assert.Equal("", pieces[2]);
        Assert.Equal("🎥", pieces[3]);
    }

    [Fact]
    public void SpecialTokensCanBeLeftOutOfTheStream()
    {
        var tokenizer = SharedTokenizer.Instance;
        var decoder = tokenizer.CreateStreamDecoder(skipSpecialTokens: true);
        string text = string.Concat(tokenizer.Encode("Yes.<|im_end|>").Select(decoder.Push)) + decoder.Flush();
        Assert.Equal("Yes.", text);
    }

    [Fact]
    public void FlushTurnsADanglingPartialCharacterIntoAReplacement()
    {
        var decoder = SharedTokenizer.Instance.CreateStreamDecoder();
        Assert.Equal(" ", decoder.Push(11162)); // " " + first two bytes of a 4-byte character
        Assert.Equal("\uFFFD", decoder.Flush());
        Assert.Equal("", decoder.Flush());
    }

    [Fact]
    public void StreamingEqualsBatchDecodeForGeneratedText()
    {
        var tokenizer = SharedTokenizer.Instance;
        var random = new Random(7);
        for (int n = 0; n < 200; n++)
        {
            int[] ids = tokenizer.Encode(FuzzText.Next(random));
            var decoder = tokenizer.CreateStreamDecoder();
            var sb = new StringBuilder();
            foreach (int id in ids) sb.Append(decoder.Push(id));
            sb.Append(decoder.Flush());
            Assert.Equal(tokenizer.Decode(ids), sb.ToString());
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x41 }, 1)]
    [InlineData(new byte[] { 0x41, 0xF0, 0x9F }, 1)]
    [InlineData(new byte[] { 0xF0, 0x9F, 0x8E, 0xA5 }, 4)]
    [InlineData(new byte[] { 0xE4, 0xBD }, 0)]
    [InlineData(new byte[] { 0xC3 }, 0)]
    [InlineData(new byte[] { 0x41, 0xC3, 0xA9 }, 3)]
    public void CompletePrefixStopsBeforeAnUnfinishedSequence(byte[] bytes, int expected) =>
        Assert.Equal(expected, PruneVid.Runtime.Text.TokenStreamDecoder.CompletePrefixLength(bytes));
}
