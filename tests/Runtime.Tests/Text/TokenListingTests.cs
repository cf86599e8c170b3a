// PruneVid.NET — tokenizer tests.
using PruneVid.Runtime.Text;
using Xunit;

namespace PruneVid.Runtime.Tests.Text;

/// <summary>The output formats of <c>prunevid tokenize</c>.</summary>
public class TokenListingTests
{
    [Fact]
    public void JsonListsTheIds()
    {
        int[] ids = SharedTokenizer.Instance.Encode("Hello world");
        Assert.Equal("{\"ids\":[9707,1879]}", TokenListing.Json(ids));
        Assert.Equal("{\"ids\":[]}", TokenListing.Json([]));
    }

    [Fact]
    public void LinesShowPiecesAndBytesOfSplitCharacters()
    {
        var tokenizer = SharedTokenizer.Instance;
        string lines = TokenListing.Lines(tokenizer.Encode("Hello 🎥<|im_end|>"), tokenizer);
        Assert.Equal(
            "   9707 -> 'Hello'\n  11162 -> <0x20 0xF0 0x9F>\n    236 -> <0x8E>\n     98 -> <0xA5>\n 151645 -> '<|im_end|>'\n",
            lines);
    }
}
