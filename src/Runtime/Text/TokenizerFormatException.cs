// PruneVid.NET — tokenizer.
namespace PruneVid.Runtime.Text;

/// <summary>A tokenizer file (tokenizer.json, vocab.json, merges.txt, tokenizer_config.json) that cannot be used; the message names the file and the problem.</summary>
public sealed class TokenizerFormatException : FormatException
{
    /// <summary>Creates the exception for <paramref name="filePath"/> with a one-line <paramref name="problem"/>.</summary>
    public TokenizerFormatException(string filePath, string problem, Exception? inner = null)
        : base($"{filePath}: {problem}", inner)
    {
        FilePath = filePath;
        Problem = problem;
    }

    /// <summary>The file at fault.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong with it, without the path.</summary>
    public string Problem { get; }
}
