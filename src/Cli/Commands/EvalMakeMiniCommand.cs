// PruneVid.NET — command line: `eval make-mini`.
using System.CommandLine;
using PruneVid.Tools.Demo;
using PruneVid.Runtime.Evaluation;

namespace PruneVid.Cli.Commands;

/// <summary><c>eval make-mini --out DIR --questions N</c>: a small EgoSchema-format set with ffmpeg-made videos.</summary>
internal static class EvalMakeMiniCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "New or empty folder to write into", Required = true };
        var count = new Option<int>("--questions", "-n") { Description = "Number of questions", DefaultValueFactory = _ => 8 };
        var seed = new Option<int>("--seed") { Description = "Seed (the same seed gives the same set)", DefaultValueFactory = _ => 7 };
        var tinyModel = new Option<bool>("--tiny-model") { Description = "Also write the demo's tiny seeded Qwen2.5-VL into DIR/tiny-model (its answers are meaningless)" };
        var command = new Command("make-mini", "Write a mini EgoSchema-format set (questions.json, subset_answers.json, videos/) whose answers are visible in the videos")
        {
            output, count, seed, tinyModel,
        };
        command.SetAction(async (parse, ct) =>
        {
            string folder = parse.GetValue(output)!.FullName;
            var questions = await MiniDataset.CreateAsync(folder, parse.GetValue(count), parse.GetValue(seed), cancellationToken: ct);
            Console.Error.WriteLine($"wrote {questions.Count} questions to {folder} (questions.json, subset_answers.json, videos/)");
            string model = parse.GetValue(tinyModel) ? TinyModelFolder.Create(Path.Combine(folder, "tiny-model")) : "DIR";
            Console.WriteLine($"prunevid eval egoschema --questions {Path.Combine(folder, "questions.json")} --answers {Path.Combine(folder, "subset_answers.json")} " +
                              $"--videos {Path.Combine(folder, "videos")} --model {model} --strategy noop --strategy prunevid-stage1 --out OUT");
            return 0;
        });
        return command;
    }
}
