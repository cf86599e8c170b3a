// PruneVid.NET — tokenizer tests.
using PruneVid.Runtime.Text;

namespace PruneVid.Runtime.Tests.Text;

/// <summary>The fixture tokenizer, loaded once per test run (loading takes about a second).</summary>
internal static class SharedTokenizer
{
    private static readonly Lazy<QwenTokenizer> s_tokenizer = new(() => QwenTokenizer.FromModelFolder(Folder));

    /// <summary>shared/fixtures/qwen-tokenizer.</summary>
    public static string Folder => FixturePaths.Get("qwen-tokenizer");

    public static QwenTokenizer Instance => s_tokenizer.Value;
}
