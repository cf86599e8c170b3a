// PruneVid.NET — command line: `demo`.
using System.CommandLine;
using PruneVid.Cli.Terminal;
using System.Text.Json;
using PruneVid.Tools.Demo;
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Pipeline;
using PruneVid.Strategies;

namespace PruneVid.Cli.Commands;

/// <summary>
/// <c>demo [--model DIR] [--video FILE]</c>: with no arguments, writes a synthetic video with ffmpeg and a tiny
/// seeded random Qwen2.5-VL into a temporary folder, then runs the no-op baseline and every registered reducer
/// (and preset) on it and prints their compression and timings side by side. Nothing is downloaded.
/// </summary>
internal static class DemoCommand
{
    private const string Question = "What is happening in this video?";

    public static Command Create()
    {
        var model = new Option<DirectoryInfo?>("--model", "-m") { Description = "A real Qwen2.5-VL folder instead of the tiny random model" };
        var video = new Option<FileInfo?>("--video", "-v") { Description = "A video instead of the synthetic clip" };
        var device = new Option<string>("--device") { Description = "auto | cpu | cuda | ilgpu-cpu", DefaultValueFactory = _ => "auto" };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Tokens generated per strategy", DefaultValueFactory = _ => 8 };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON" };
        var command = new Command("demo", "Compare the baseline with every token reducer on a synthetic video and a tiny random model (offline)")
        {
            model, video, device, maxNewTokens, json, CacheSizeOption.Encoder(),
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            string work = Path.Combine(Path.GetTempPath(), "prunevid-demo-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(work);
            try
            {
                bool tiny = parse.GetValue(model) is null;
                string modelDir = (parse.GetValue(model) is { } given ? ModelLocator.Resolve(given.ToString()) : null) ?? TinyModelFolder.Create(Path.Combine(work, "tiny-qwen25vl"));
                string videoPath = parse.GetValue(video)?.FullName
                    ?? await SyntheticVideo.CreateAsync(Path.Combine(work, "testsrc.mp4"), cancellationToken: cancellationToken);
                Console.Error.WriteLine(tiny
                    ? "model: tiny random Qwen2.5-VL (seeded; 64 wide, 3+4 layers) — its answers are meaningless, only counts and timings matter"
                    : $"model: {modelDir}");
                Console.Error.WriteLine($"video: {videoPath}");

                var options = new PipelineOptions { Device = BackendFactory.Parse(parse.GetValue(device)!), Strategy = "noop", Verbose = true, Log = l => Console.Error.WriteLine("  " + l),
                    EncoderCacheMegabytes = CacheSizeOption.Get(parse, CacheSizeOption.EncoderName),
                    PrefixCacheMegabytes = 0 }; // the table compares cold prefills
                using var baseline = await WorkProgress.RunAsync(WorkProgress.ModelLabel(modelDir), () => Task.Run(() => VideoQaPipeline.Load(modelDir, options), cancellationToken));
                var decoded = await WorkProgress.RunAsync("decoding the video", () => new VideoDecoder().DecodeAsync(videoPath, options.Sampling, cancellationToken));
                Console.Error.WriteLine($"backend: {baseline.BackendName}; {decoded.Frames.Count} frames {decoded.Frames.Width}x{decoded.Frames.Height} at {decoded.SampleFps:0.##} fps");

                // The vision tower runs once, with every signal any strategy asks for; each row then finds the video in
                // the encoder cache (its vision column reads 0). Without a cache every row encodes it again.
                using EncodedVideo? shared = baseline.EncoderCache is null ? null
                    : baseline.EncodeFrames(decoded.Frames, decoded.SampleFps, StrategyNames());
                if (shared is not null) Console.Error.WriteLine($"vision tower: {ResultText.Ms(shared.VisionTime)}, once for every strategy (encoder cache)");
                // One untimed run first, so JIT and kernel compilation do not land in the first row's numbers.
                baseline.GenerateFromFrames(decoded.Frames, decoded.SampleFps, Question, baseline.DefaultSampling(2), cancellationToken: cancellationToken);
                var rows = new List<(string Strategy, VideoQaResult Result)>();
                foreach (string name in StrategyNames())
                {
                    Console.Error.WriteLine($"  running {name} …");
                    using var pipeline = name == "noop" ? null : baseline.WithStrategy(name);
                    var p = pipeline ?? baseline;
                    var result = p.GenerateFromFrames(decoded.Frames, decoded.SampleFps, Question, p.DefaultSampling(parse.GetValue(maxNewTokens)), cancellationToken: cancellationToken);
                    rows.Add((name, result));
                }
                if (parse.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(rows.Select(r => ResultJson.From(r.Result)), new JsonSerializerOptions { WriteIndented = true }));
                    return 0;
                }
                PrintTable(rows);
                if (tiny) Console.WriteLine("(tiny random model: the answers above are meaningless by design; run `prunevid demo --model DIR` for a real one)");
                return 0;
            }
            finally
            {
                try { Directory.Delete(work, recursive: true); } catch (IOException) { } // only our own temporary folder
            }
        });
        return command;
    }

    /// <summary>The baseline first, then the named chains, then every reducer and preset in registry order.</summary>
    private static IEnumerable<string> StrategyNames()
    {
        yield return "noop";
        foreach (var alias in StrategyAliases.All) yield return alias.Name;
        foreach (var d in TokenReducerRegistry.All)
        {
            if (d.Name != "noop") yield return d.Name;
            foreach (var preset in d.Presets) yield return $"{d.Name}:{preset.Name}";
        }
    }

    private static void PrintTable(IReadOnlyList<(string Strategy, VideoQaResult Result)> rows)
    {
        Console.WriteLine($"{"strategy",-34} {"tokens",13} {"retention",9} {"vision",8} {"reduce",8} {"prefill",8} {"decode",10}  {"stages",-36} answer");
        foreach (var (name, r) in rows)
        {
            var c = r.Compression;
            var t = r.Timings;
            string answer = r.Text.ReplaceLineEndings(" ");
            if (answer.Length > 24) answer = answer[..24] + "…";
            Console.WriteLine($"{name,-34} {c.VisualTokensBefore,6} -> {c.VisualTokensKept,-4} {c.RetentionPercent,8:F1}% {ResultText.Ms(t.Vision),8} {ResultText.Ms(t.Reduction),8} {ResultText.Ms(t.Prefill),8} {t.DecodeTokensPerSecond,6:F1} t/s  {ResultText.Stages(c),-36} {JsonSerializer.Serialize(answer)}");
        }
    }
}
