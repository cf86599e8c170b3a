// PruneVid.NET — checkpoint loading.
namespace PruneVid.Runtime.Checkpoint;

/// <summary>
/// The one exception type for a bad checkpoint: a malformed safetensors file, a broken shard index, a missing shard,
/// or tensors the model needs that are missing or have the wrong shape/dtype. The message names the file and the problem.
/// </summary>
public sealed class SafeTensorsFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="filePath"/> with a one-line <paramref name="problem"/>.</summary>
    public SafeTensorsFormatException(string filePath, string problem, Exception? inner = null)
        : base($"{filePath}: {problem}", inner)
    {
        FilePath = filePath;
        Problem = problem;
    }

    /// <summary>The file (or checkpoint location) at fault.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong with it, without the path.</summary>
    public string Problem { get; }
}
