// PruneVid.NET — tokenizer tests.
using System.Text;
using Xunit;

namespace PruneVid.Runtime.Tests.Text;

/// <summary>Generated strings tokenized by the managed tokenizer and by the Hugging Face Rust tokenizer (Tokenizers.DotNet).</summary>
public class TokenizerOracleTests
{
    private const int Count = 2400;

    [Fact]
    public void GeneratedStringsMatchTheRustTokenizer()
    {
        using var oracle = new Tokenizers.DotNet.Tokenizer(Path.Combine(SharedTokenizer.Folder, "tokenizer.json"));
        var tokenizer = SharedTokenizer.Instance;
        var random = new Random(20261126);
        var failures = new List<string>();
        for (int i = 0; i < Count; i++)
        {
            string text = FuzzText.Next(random);
            int[] ours = tokenizer.Encode(text);
            int[] reference = oracle.Encode(text).Select(id => (int)id).ToArray();
            if (!ours.AsSpan().SequenceEqual(reference))
                failures.Add($"{Escape(text)}: ours [{string.Join(",", ours)}] hf [{string.Join(",", reference)}]");
            // Round trip: decoding gives the NFC form of the input.
            else if (tokenizer.Decode(ours) != text.Normalize(NormalizationForm.FormC))
                failures.Add($"{Escape(text)}: decode gives {Escape(tokenizer.Decode(ours))}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count}/{Count} differ, e.g.\n" + string.Join("\n", failures.Take(5)));
    }

    private static string Escape(string s) =>
        string.Concat(s.Select(c => c < 0x20 || c > 0x7E ? $"\\u{(int)c:X4}" : c.ToString()));
}
