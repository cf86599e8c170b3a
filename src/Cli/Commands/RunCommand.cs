// PruneVid.NET — command line: `run`.
using System.CommandLine;
using PruneVid.Cli.Terminal;
using System.Text.Json;
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Model.Text;
using PruneVid.Runtime.Model;
using PruneVid.Runtime.Pipeline;

namespace PruneVid.Cli.Commands;

/// <summary>
/// <c>run --model DIR --video FILE --question "…" [--strategy NAME] [--param k=v …]</c>: answers a question about a
/// video. The answer streams to standard output; progress goes to standard error as plain lines.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model", "-m") { Description = "Qwen2.5-VL model folder (config.json, *.safetensors, tokenizer.json) or a Hugging Face name in the local cache", Required = true };
        var video = new Option<FileInfo>("--video", "-v") { Description = "Video file (anything ffmpeg reads)" };
        var image = new Option<FileInfo>("--image", "-i") { Description = "An image instead of a video (reducers act on video tokens only)" };
        var tokenizer = new Option<DirectoryInfo?>("--tokenizer") { Description = "Folder with tokenizer.json when the model folder has none" };
        var question = new Option<string>("--question", "-q") { Description = "The question about the video", Required = true };
        var system = new Option<string?>("--system") { Description = "System prompt (default: the chat template's \"You are a helpful assistant.\")" };
        var strategy = new Option<string>("--strategy", "-s") { Description = "Token reducer: a name from `prunevid strategies`, optionally NAME:PRESET", DefaultValueFactory = _ => "prunevid-stage1" };
        var parameters = new Option<string[]>("--param", "-p") { Description = "Reducer parameter NAME=VALUE (repeatable)", AllowMultipleArgumentsPerToken = true };
        var fps = new Option<double>("--fps") { Description = "Frames sampled per second of video", DefaultValueFactory = _ => 2.0 };
        var minPixels = new Option<long?>("--min-pixels") { Description = "Smallest frame area after resizing (pixels; default 128·28·28)" };
        var maxPixels = new Option<long?>("--max-pixels") { Description = "Largest frame area after resizing (pixels)" };
        var maxFrames = new Option<int?>("--max-frames") { Description = "Largest number of frames sampled" };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Most tokens to generate", DefaultValueFactory = _ => 128 };
        var device = new Option<string>("--device") { Description = "auto | cpu | cuda | ilgpu-cpu", DefaultValueFactory = _ => "auto" };
        var weightFormat = new Option<string>("--weights") { Description = "bf16 | int8 | int4: the language model's linear layers as stored, or quantized at load", DefaultValueFactory = _ => "bf16" };
        var retention = new Option<double?>("--retention") { Description = "Token budget: keep this share (0..1] of the video's visual tokens after the last stage, by tuning the strategy's budget knob per video" };
        var verbose = new Option<bool>("--verbose") { Description = "Print reducer summaries such as [Stage 1] Tokens: N -> M" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (answer, compression, timings) instead of text" };

        var command = new Command("run", "Answer a question about a video (or an image)")
        {
            model, tokenizer, video, image, question, system, strategy, parameters, fps, minPixels, maxPixels, maxFrames, maxNewTokens, device, weightFormat, retention, verbose, json,
            CacheSizeOption.Encoder(),
        };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(video) is null) == (result.GetValue(image) is null))
                result.AddError("give exactly one of --video or --image");
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            bool asJson = parse.GetValue(json);
            var (frameSampling, processor) = FrameSize.Apply(VideoSamplingOptions.Default with { Fps = parse.GetValue(fps) },
                parse.GetValue(minPixels), parse.GetValue(maxPixels));
            if (parse.GetValue(maxFrames) is int mf) frameSampling = frameSampling with { MaxFrames = mf };
            var options = new PipelineOptions
            {
                Device = BackendFactory.Parse(parse.GetValue(device)!),
                Weights = WeightFormats.Parse(parse.GetValue(weightFormat)!),
                Strategy = parse.GetValue(strategy)!,
                StrategyParameters = JoinParameters(parse.GetValue(parameters)),
                Retention = parse.GetValue(retention),
                Sampling = frameSampling,
                Preprocessing = processor,
                TokenizerDirectory = parse.GetValue(tokenizer)?.FullName,
                Verbose = parse.GetValue(verbose),
                Log = line => Console.Error.WriteLine(line),
                EncoderCacheMegabytes = CacheSizeOption.Get(parse, CacheSizeOption.EncoderName),
            };
            string modelDir = ModelLocator.Resolve(parse.GetValue(model)!.ToString());   // a folder or a cached hub name
            using var pipeline = await WorkProgress.RunAsync(WorkProgress.ModelLabel(modelDir), () => Task.Run(() => VideoQaPipeline.Load(modelDir, options), cancellationToken));
            Console.Error.WriteLine($"running on {pipeline.BackendName} with reducer {options.Strategy}");
            var sampling = pipeline.DefaultSampling(parse.GetValue(maxNewTokens));
            Action<string>? stream = asJson ? null : piece => Console.Write(piece);
            var result = parse.GetValue(system) is { } systemPrompt
                ? await WithSystemAsync(pipeline, systemPrompt, parse.GetValue(video)?.FullName, parse.GetValue(image)?.FullName, parse.GetValue(question)!, sampling, stream, cancellationToken)
                : parse.GetValue(image) is { } imageFile
                ? await pipeline.GenerateFromImageAsync(imageFile.FullName, parse.GetValue(question)!, sampling, stream, cancellationToken)
                : await pipeline.GenerateAsync(parse.GetValue(video)!.FullName, parse.GetValue(question)!, sampling, stream, cancellationToken);
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(ResultJson.From(result), new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            Console.WriteLine();
            Console.Error.WriteLine(ResultText.Summary(result));
            return 0;
        });
        return command;
    }

    /// <summary>A system turn, then the question about the video or image (decoded here, as the conversation entry takes frames).</summary>
    private static async Task<VideoQaResult> WithSystemAsync(VideoQaPipeline pipeline, string systemPrompt, string? video, string? image,
        string question, SamplingOptions sampling, Action<string>? stream, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var decoder = new VideoDecoder(pipeline.Options.FfmpegFolder);
        ChatPart media;
        if (video is not null)
        {
            DecodedVideo decoded = await decoder.DecodeAsync(video, pipeline.Options.Sampling, cancellationToken);
            media = ChatPart.Video(decoded.Frames, decoded.SampleFps);
        }
        else media = ChatPart.Image(await decoder.DecodeImageAsync(image!, cancellationToken));
        TimeSpan decodeTime = clock.Elapsed;
        var result = pipeline.GenerateChat([ChatTurn.System(systemPrompt), ChatTurn.Ask(question, media)], sampling, stream, cancellationToken: cancellationToken);
        return result with { Timings = result.Timings with { DecodeVideo = decodeTime } };
    }

    /// <summary>Repeated NAME=VALUE options become the registry's "a=1,b=2" form.</summary>
    internal static string? JoinParameters(string[]? values) =>
        values is null || values.Length == 0 ? null : string.Join(",", values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries)));
}
