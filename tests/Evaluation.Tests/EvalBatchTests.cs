// PruneVid.NET — evaluation tests: `eval … --batch N` decodes several (question, strategy) pairs together with the answers of --batch 1.
using System.Text.Json.Nodes;

namespace PruneVid.Evaluation.Tests;

/// <summary>
/// The mini dataset answered by the tiny model with generate scoring and four strategies (before the model, FastV and
/// Stage 2 inside it): the result lines of <c>--batch 3</c> carry, in the same order, the answers, predictions and
/// stage counts of <c>--batch 1</c>; only timings may differ. A batch below 1 is refused with a sentence.
/// </summary>
public sealed class EvalBatchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("prunevid-eval-batch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] EvalArgs(string mini, string output, int batch) =>
    [
        "eval", "egoschema", "--model", FixturePaths.Get("tiny-qwen25vl"), "--tokenizer", FixturePaths.Get("qwen-tokenizer"),
        "--questions", Path.Combine(mini, "questions.json"), "--answers", Path.Combine(mini, "subset_answers.json"),
        "--videos", Path.Combine(mini, "videos"), "--strategy", "noop", "--strategy", "prunevid-stage1", "--strategy", "fastv",
        "--strategy", "prunevid", "--scoring", "generate", "--max-new-tokens", "6", "--device", "cpu", "--fps", "1",
        "--min-pixels", "12544", "--max-pixels", "12544", "--shard", "0/1", "--out", output, "--batch", batch.ToString(),
    ];

    [Fact]
    public void BatchedEvaluationWritesTheLinesOfAnUnbatchedOne()
    {
        string mini = Path.Combine(_dir, "mini");
        var made = Cli.Run("eval", "make-mini", "--out", mini, "--questions", "2", "--seed", "5");
        Assert.True(made.ExitCode == 0, made.Stderr);
        var one = Cli.Run(EvalArgs(mini, Path.Combine(_dir, "one"), batch: 1));
        Assert.True(one.ExitCode == 0, one.Stderr);
        var three = Cli.Run(EvalArgs(mini, Path.Combine(_dir, "three"), batch: 3));
        Assert.True(three.ExitCode == 0, three.Stderr);

        string[] expected = Lines(Path.Combine(_dir, "one")), actual = Lines(Path.Combine(_dir, "three"));
        Assert.Equal(8, expected.Length);
        Assert.Equal(expected, actual);
        Assert.Contains(expected, l => l.Contains("\"fastv\"") && l.Contains("\"layer\""));
        var batching = System.Text.RegularExpressions.Regex.Match(three.Stderr, @"decode batching: (\d+) sequences fed in (\d+) steps");
        Assert.True(batching.Success, three.Stderr);
        Assert.True(long.Parse(batching.Groups[1].Value) > long.Parse(batching.Groups[2].Value), $"some steps decoded several answers: {batching.Value}");
        Assert.DoesNotContain("decode batching", one.Stderr);
    }

    [Fact]
    public void ABatchBelowOneIsRefusedWithASentence()
    {
        string mini = Path.Combine(_dir, "mini");
        Assert.Equal(0, Cli.Run("eval", "make-mini", "--out", mini, "--questions", "1", "--seed", "5").ExitCode);
        var refused = Cli.Run(EvalArgs(mini, Path.Combine(_dir, "zero"), batch: 0));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("--batch 0 must be at least 1", refused.Stderr);
        Assert.DoesNotContain("   at ", refused.Stderr);
    }

    /// <summary>Each result line without its timings (milliseconds differ from run to run), in file order.</summary>
    private static string[] Lines(string output) =>
        [.. File.ReadAllLines(Path.Combine(output, "results-0-of-1.jsonl")).Where(l => l.Length > 0).Select(l =>
        {
            var node = JsonNode.Parse(l)!.AsObject();
            foreach (string key in node.Select(p => p.Key).Where(k => k.EndsWith("_ms", StringComparison.Ordinal)).ToArray()) node.Remove(key);
            return node.ToJsonString();
        })];
}
