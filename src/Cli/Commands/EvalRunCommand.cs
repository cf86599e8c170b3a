// PruneVid.NET — command line: `eval egoschema` and `eval mcq`.
using System.CommandLine;
using PruneVid.Runtime.Evaluation;
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Model;
using PruneVid.Runtime.Pipeline;
using PruneVid.Strategies;

namespace PruneVid.Cli.Commands;

/// <summary>
/// Runs one shard of an evaluation: every question of the shard with every <c>--strategy</c>, one line per pair in
/// <c>OUT/results-&lt;i&gt;-of-&lt;n&gt;.jsonl</c>; a rerun continues where the last one stopped.
/// </summary>
internal static class EvalRunCommand
{
    private sealed record Common(Option<DirectoryInfo> Model, Option<DirectoryInfo?> Tokenizer, Option<string[]> Strategies, Option<int?> Limit,
        Option<string?> Shard, Option<int?> ShardCount, Option<string> Scoring, Option<DirectoryInfo> Out, Option<double> Fps,
        Option<long?> MinPixels, Option<long?> MaxPixels, Option<int?> MaxFrames, Option<int> MaxNewTokens, Option<string> Device, Option<string> Weights, Option<string?> Retention,
        Option<int> Batch);

    public static Command CreateEgoSchema()
    {
        var questions = new Option<FileInfo>("--questions") { Description = "EgoSchema questions.json (a list of {q_uid, question, \"option 0\"..\"option 4\"})", Required = true };
        var answers = new Option<FileInfo?>("--answers") { Description = "Answers {q_uid: 0..4} (subset_answers.json); without it accuracy is not computed" };
        var videos = new Option<DirectoryInfo>("--videos") { Description = "Folder of <q_uid>.mp4", Required = true };
        var answeredOnly = new Option<bool>("--answered-only") { Description = "Only the questions the answers file covers (EgoSchema's 500-question subset)" };
        var command = new Command("egoschema", "Evaluate strategies on EgoSchema (official layout)") { questions, answers, videos, answeredOnly };
        command.Validators.Add(r =>
        {
            if (r.GetValue(answeredOnly) && r.GetValue(answers) is null) r.AddError("--answered-only needs --answers");
        });
        var common = AddCommon(command);
        command.SetAction((parse, ct) => RunAsync(parse, common, () =>
        {
            var all = EgoSchemaDataset.Load(parse.GetValue(questions)!.FullName, parse.GetValue(videos)!.FullName, parse.GetValue(answers)?.FullName);
            return parse.GetValue(answeredOnly) ? [.. all.Where(q => q.Answer is not null)] : all;
        }, ct));
        return command;
    }

    public static Command CreateMcq()
    {
        var questions = new Option<FileInfo>("--questions") { Description = "JSON lines of {id, video, question, options: [..], answer?}", Required = true };
        var videos = new Option<DirectoryInfo?>("--videos") { Description = "Folder the \"video\" paths are relative to (default: the questions file's folder)" };
        var command = new Command("mcq", "Evaluate strategies on any multiple-choice video QA set (JSON lines)") { questions, videos };
        var common = AddCommon(command);
        command.SetAction((parse, ct) => RunAsync(parse, common,
            () => McqDataset.Load(parse.GetValue(questions)!.FullName, parse.GetValue(videos)?.FullName), ct));
        return command;
    }

    private static Common AddCommon(Command command)
    {
        var common = new Common(
            new Option<DirectoryInfo>("--model", "-m") { Description = "Qwen2.5-VL model folder", Required = true },
            new Option<DirectoryInfo?>("--tokenizer") { Description = "Folder with tokenizer.json when the model folder has none" },
            new Option<string[]>("--strategy", "-s") { Description = "A strategy spec as `run` takes it (repeatable; e.g. noop, prunevid-stage1:aggressive)", Required = true },
            new Option<int?>("--limit") { Description = "Only the first N questions (in q_uid order)" },
            new Option<string?>("--shard") { Description = "INDEX/COUNT (default: from SLURM_ARRAY_TASK_*, JOB_COMPLETION_INDEX, RANK/WORLD_SIZE)" },
            new Option<int?>("--shard-count") { Description = "Shard count for a Kubernetes Indexed Job (its spec.completions; or PRUNEVID_SHARD_COUNT)" },
            new Option<string>("--scoring") { Description = "generate (16 greedy tokens, parsed) | logits (next-token logits of the option letters)", DefaultValueFactory = _ => "generate" },
            new Option<DirectoryInfo>("--out", "-o") { Description = "Result folder (shared by all shards)", Required = true },
            new Option<double>("--fps") { Description = "Frames sampled per second of video", DefaultValueFactory = _ => 2.0 },
            new Option<long?>("--min-pixels") { Description = "Smallest frame area after resizing (pixels; default 128·28·28)" },
            new Option<long?>("--max-pixels") { Description = "Largest frame area after resizing (pixels)" },
            new Option<int?>("--max-frames") { Description = "Largest number of frames sampled" },
            new Option<int>("--max-new-tokens") { Description = "Tokens generated per answer with --scoring generate", DefaultValueFactory = _ => McqPrompt.MaxNewTokens },
            new Option<string>("--device") { Description = "auto | cpu | cuda | ilgpu-cpu", DefaultValueFactory = _ => "auto" },
            new Option<string>("--weights") { Description = "bf16 | int8 | int4: the language model's linear layers as stored, or quantized at load", DefaultValueFactory = _ => "bf16" },
            new Option<string?>("--retention") { Description = "Token budgets R1,R2,… in (0, 1]: every strategy with a budget knob runs at each (a sweep; strategies without one, such as noop, run once as they are)" },
            new Option<int>("--batch") { Description = "With --scoring generate: (question, strategy) pairs whose answers decode together (continuous batching); results equal --batch 1", DefaultValueFactory = _ => 1 });
        foreach (Option o in new Option[] { common.Model, common.Tokenizer, common.Strategies, common.Limit, common.Shard, common.ShardCount, common.Scoring,
                     common.Out, common.Fps, common.MinPixels, common.MaxPixels, common.MaxFrames, common.MaxNewTokens, common.Device, common.Weights, common.Retention, common.Batch })
            command.Options.Add(o);
        command.Options.Add(CacheSizeOption.Encoder());
        command.Options.Add(CacheSizeOption.Prefix(defaultMegabytes: 0));
        return common;
    }

    private static async Task<int> RunAsync(ParseResult parse, Common o, Func<IReadOnlyList<EvalQuestion>> load, CancellationToken cancellationToken)
    {
        string[] strategies = SweepPairs(parse.GetValue(o.Strategies)!, parse.GetValue(o.Retention));
        CheckStrategies(strategies);
        EvalScoring scoring = parse.GetValue(o.Scoring)!.Trim().ToLowerInvariant() switch
        {
            "generate" => EvalScoring.Generate,
            "logits" => EvalScoring.Logits,
            var other => throw new EvalDataException($"--scoring '{other}' is not known; use generate or logits"),
        };
        int batch = parse.GetValue(o.Batch);
        if (batch < 1) throw new EvalDataException($"--batch {batch} must be at least 1 (the answers decoded together)");
        var (sampling, processor) = FrameSize.Apply(VideoSamplingOptions.Default with { Fps = parse.GetValue(o.Fps) },
            parse.GetValue(o.MinPixels), parse.GetValue(o.MaxPixels));
        IReadOnlyList<EvalQuestion> all = load();
        if (parse.GetValue(o.Limit) is int limit)
        {
            if (limit < 1) throw new EvalDataException($"--limit {limit} must be at least 1");
            all = [.. all.Take(limit)];
        }
        Shard shard = Shard.Resolve(parse.GetValue(o.Shard), Environment.GetEnvironmentVariable, parse.GetValue(o.ShardCount));
        IReadOnlyList<EvalQuestion> mine = shard.Select(all);
        string outDir = parse.GetValue(o.Out)!.FullName;
        Console.Error.WriteLine($"shard {shard.Index}/{shard.Count} from {shard.Source}: {mine.Count} of {all.Count} questions × {strategies.Length} strategies");
        if (parse.GetValue(o.MaxFrames) is int mf) sampling = sampling with { MaxFrames = mf };
        string settings = FormattableString.Invariant(
            $"fps {sampling.Fps}, pixels {sampling.MinPixels}..{sampling.MaxPixels?.ToString() ?? "auto"}, max frames {sampling.MaxFrames}, max new tokens {parse.GetValue(o.MaxNewTokens)}");
        new EvalPlan(shard.Index, shard.Count, scoring == EvalScoring.Logits ? "logits" : "generate", settings, strategies, [.. mine.Select(q => q.Id)])
            .WriteOrCheck(outDir, shard);
        using var results = ResultFile.Open(Path.Combine(outDir, shard.ResultFileName));
        if (results.TornBytesDropped > 0) Console.Error.WriteLine($"dropped a torn last line ({results.TornBytesDropped} bytes) of {results.Path}: that pair runs again");
        if (results.Existing.Count > 0) Console.Error.WriteLine($"resuming {results.Path}: {results.Existing.Count} pair(s) already done");
        var options = new PipelineOptions
        {
            Device = BackendFactory.Parse(parse.GetValue(o.Device)!),
            Weights = WeightFormats.Parse(parse.GetValue(o.Weights)!),
            Strategy = strategies[0],
            Sampling = sampling,
            Preprocessing = processor,
            TokenizerDirectory = parse.GetValue(o.Tokenizer)?.FullName,
            EncoderCacheMegabytes = CacheSizeOption.Get(parse, CacheSizeOption.EncoderName),
            PrefixCacheMegabytes = CacheSizeOption.Get(parse, CacheSizeOption.PrefixName),
            DecodeBatch = scoring == EvalScoring.Generate ? batch : 1, // logits scoring decodes nothing
        };
        Console.Error.WriteLine($"loading {parse.GetValue(o.Model)!.FullName} …");
        using var pipeline = VideoQaPipeline.Load(parse.GetValue(o.Model)!.FullName, options);
        Console.Error.WriteLine($"running on {pipeline.BackendName}, scoring {parse.GetValue(o.Scoring)}");
        var runner = new EvalRunner(pipeline, strategies, scoring, parse.GetValue(o.MaxNewTokens));
        EvalProgress final = await EvalProgressView.RunAsync(progress => runner.RunAsync(mine, results, progress, cancellationToken));
        foreach (var t in final.PerStrategy)
            Console.Error.WriteLine($"{t.Strategy}: {t.Done} done, accuracy {(t.Accuracy is double a ? $"{100 * a:F1}% of {t.Scored}" : "n/a (no answers)")}, {t.Errors} error(s)");
        if (pipeline.DecodeScheduler?.Totals is var (steps, rows) && steps > 0)
            Console.Error.WriteLine(FormattableString.Invariant($"decode batching: {rows} sequences fed in {steps} steps (mean batch {(double)rows / steps:F2})"));
        Console.Error.WriteLine($"results: {results.Path}");
        return 0;
    }

    /// <summary>Every spec must name a known reducer with valid parameters, and none may repeat.</summary>
    /// <summary>
    /// The (strategy, retention) pairs of a sweep, each named by its spec with <c>retention=R</c> added (what results,
    /// plans, resume and merge key on); a strategy none of whose reducers has a budget knob runs once, unbudgeted.
    /// </summary>
    internal static string[] SweepPairs(string[] strategies, string? retentions)
    {
        if (string.IsNullOrWhiteSpace(retentions)) return strategies;
        double[] budgets = [.. retentions.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(r => StrategySpec.ParseRetention(r, "--retention")).Distinct()];
        if (budgets.Length == 0) throw new EvalDataException("--retention names no budget; give shares such as 0.1,0.25,0.5");
        var pairs = new List<string>();
        foreach (string strategy in strategies)
        {
            bool budgeted = StrategySpec.Parse(strategy).Stages.Any(s => TokenReducerRegistry.Get(s.Reducer).Budget is not null);
            if (!budgeted)
            {
                Console.Error.WriteLine($"{strategy}: none of its reducers has a budget knob; it runs once, as it is, as a reference");
                pairs.Add(strategy);
                continue;
            }
            pairs.AddRange(budgets.Select(r => StrategySpec.WithRetention(strategy, r)));
        }
        return [.. pairs];
    }

    private static void CheckStrategies(IReadOnlyList<string> strategies)
    {
        if (strategies.Count == 0) throw new EvalDataException("give at least one --strategy");
        foreach (string s in strategies) _ = TokenReducerRegistry.Create(s);
        if (strategies.GroupBy(s => s.Trim()).FirstOrDefault(g => g.Count() > 1) is { } repeated)
            throw new EvalDataException($"--strategy '{repeated.Key}' is given twice");
    }
}
