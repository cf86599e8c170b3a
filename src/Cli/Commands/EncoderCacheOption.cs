// PruneVid.NET — command line: the `--encoder-cache-mb` option of run, serve, eval and demo.
using System.CommandLine;
using PruneVid.Runtime.Pipeline;

namespace PruneVid.Cli.Commands;

/// <summary>One definition of the encoder cache's size option, so every command spells and checks it alike.</summary>
internal static class EncoderCacheOption
{
    public const string Name = "--encoder-cache-mb";

    /// <summary>The option, rejecting negative sizes with a sentence.</summary>
    public static Option<int> Create()
    {
        var option = new Option<int>(Name)
        {
            Description = "Megabytes of vision-tower outputs kept on the device for later questions about the same video (0: off)",
            DefaultValueFactory = _ => PipelineOptions.DefaultEncoderCacheMegabytes,
        };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0) r.AddError($"{Name} must be 0 (off) or a positive number of megabytes");
        });
        return option;
    }

    /// <summary>The value given to the command (the default when absent).</summary>
    public static int Get(ParseResult parse) => parse.GetValue<int>(Name);
}
