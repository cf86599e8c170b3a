// PruneVid.NET — model configuration.
namespace PruneVid.Runtime.Config;

/// <summary>A missing or invalid field in a model configuration file; the message names the file and the JSON path.</summary>
public sealed class ConfigException : Exception
{
    /// <summary>Creates the exception for <paramref name="field"/> (a JSON path such as <c>vision_config.window_size</c>) in <paramref name="source"/>.</summary>
    public ConfigException(string source, string field, string problem, Exception? inner = null)
        : base($"{source}: {field}: {problem}", inner)
    {
        SourceName = source;
        Field = field;
        Problem = problem;
    }

    /// <summary>The file (or source name) that was read.</summary>
    public string SourceName { get; }

    /// <summary>JSON path of the offending field (<c>$</c> for the document itself).</summary>
    public string Field { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }
}
