// PruneVid.NET — command line.
using System.CommandLine;
using PruneVid.Runtime.Pipeline;
using PruneVid.Runtime.Text;

namespace PruneVid.Cli.Commands;

/// <summary><c>prunevid tokenize --model DIR [--json] (TEXT | --file F)</c>: the token ids of a text.</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model", "-m")
        {
            Description = "Model folder holding tokenizer.json (or vocab.json + merges.txt); the tokenizer files alone are enough",
            Required = true,
        };
        var json = new Option<bool>("--json") { Description = "Print {\"ids\":[…]} instead of one 'id -> piece' line per token" };
        var file = new Option<FileInfo?>("--file", "-f") { Description = "Read the text from this UTF-8 file" };
        var text = new Argument<string?>("text") { Description = "The text to tokenize", Arity = ArgumentArity.ZeroOrOne };

        var command = new Command("tokenize", "Print the token ids of a text (special tokens such as <|im_start|> are recognised)")
        {
            model, json, file, text,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            string? inline = parse.GetValue(text);
            var path = parse.GetValue(file);
            if ((inline is null) == (path is null))
            {
                error.WriteLine("tokenize: give the text either as an argument or with --file, not both and not neither");
                return 2;
            }
            try
            {
                string input = path is not null ? File.ReadAllText(path.FullName) : inline!;
                var tokenizer = QwenTokenizer.FromModelFolder(ModelLocator.Resolve(parse.GetValue(model)!.ToString()));
                int[] ids = tokenizer.Encode(input);
                output.Write(parse.GetValue(json) ? TokenListing.Json(ids) + "\n" : TokenListing.Lines(ids, tokenizer));
                return 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException or NotSupportedException)
            {
                error.WriteLine($"tokenize: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
