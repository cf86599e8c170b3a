// PruneVid.NET — command line: the cache size options (`--encoder-cache-mb`, `--prefix-cache-mb`).
using System.CommandLine;
using PruneVid.Runtime.Pipeline;

namespace PruneVid.Cli.Commands;

/// <summary>One definition of each cache's size option, so every command spells and checks it alike.</summary>
internal static class CacheSizeOption
{
    public const string EncoderName = "--encoder-cache-mb";
    public const string PrefixName = "--prefix-cache-mb";

    /// <summary><c>--encoder-cache-mb</c> (run, serve, eval, demo).</summary>
    public static Option<int> Encoder() => Create(EncoderName,
        "Megabytes of vision-tower outputs kept on the device for later questions about the same video (0: off)",
        PipelineOptions.DefaultEncoderCacheMegabytes);

    /// <summary>
    /// <c>--prefix-cache-mb</c>: on by default for serve; off by default for eval, whose prefill timings compare
    /// strategies and must not include reused rows unless asked.
    /// </summary>
    public static Option<int> Prefix(int defaultMegabytes = PipelineOptions.DefaultPrefixCacheMegabytes) => Create(PrefixName,
        defaultMegabytes == 0
            ? "Megabytes of prompt-prefix KV rows kept for later questions about the same video (default 0: off, so prefill timings are cold)"
            : "Megabytes of prompt-prefix KV rows (system prompt + video tokens) kept for follow-up questions (0: off)",
        defaultMegabytes);

    /// <summary>The value of <paramref name="name"/> given to the command (the default when absent).</summary>
    public static int Get(ParseResult parse, string name) => parse.GetValue<int>(name);

    private static Option<int> Create(string name, string description, int defaultMegabytes)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultMegabytes };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0) r.AddError($"{name} must be 0 (off) or a positive number of megabytes");
        });
        return option;
    }
}
