// PruneVid.NET — command line: `serve`, an OpenAI-compatible HTTP server.
using System.CommandLine;
using PruneVid.Cli.Terminal;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PruneVid.Cli.Commands;
using PruneVid.Runtime.Chat;
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Model;
using PruneVid.Runtime.Pipeline;
using PruneVid.Runtime.Preprocessing;

namespace PruneVid.Cli.Serve;

/// <summary>
/// <c>serve --model DIR|ORG/NAME [--host 127.0.0.1] [--port 8000] …</c>: one loaded model behind
/// <c>POST /v1/chat/completions</c> (OpenAI shape, video_url/image_url parts, streaming), <c>GET /v1/models</c>,
/// <c>GET /health</c> and <c>GET /metrics</c>. Kestrel listens at once; /health answers 200 once the model is loaded.
/// </summary>
internal static class ServeCommand
{
    /// <summary>Most requests one decode batch holds (each keeps its own KV cache on the device).</summary>
    private const int MaxConcurrency = 64;

    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder or Hugging Face name in the local cache (Qwen/Qwen2.5-VL-7B-Instruct)", Required = true };
        var tokenizer = new Option<DirectoryInfo?>("--tokenizer") { Description = "Folder with tokenizer.json when the model folder has none" };
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on (0: any free port, printed at start)", DefaultValueFactory = _ => 8000 };
        var name = new Option<string[]>("--served-model-name") { Description = "Model name in /v1/models and responses; repeat for aliases (default: the hub id, or the model folder's name)", AllowMultipleArgumentsPerToken = true };
        var strategy = new Option<string>("--strategy", "-s") { Description = "Default token reducer spec (requests may choose another)", DefaultValueFactory = _ => "prunevid-stage1" };
        var parameters = new Option<string[]>("--param", "-p") { Description = "Default reducer parameter NAME=VALUE (repeatable)", AllowMultipleArgumentsPerToken = true };
        var concurrency = new Option<int>("--max-concurrency") { Description = $"Requests whose answers decode together, one batch per decode step (continuous batching; 1..{MaxConcurrency}; 1: one at a time)", DefaultValueFactory = _ => 1 };
        var queue = new Option<int>("--max-queue") { Description = "Requests that may wait for the model; more get 429", DefaultValueFactory = _ => 16 };
        var maxSeconds = new Option<double?>("--max-video-seconds") { Description = "Longest video accepted (seconds)" };
        var maxFrames = new Option<int?>("--max-frames") { Description = "Most frames sampled from a video" };
        var minPixels = new Option<long?>("--min-pixels") { Description = "Smallest frame area after resizing (pixels)" };
        var maxPixels = new Option<long?>("--max-pixels") { Description = "Largest frame area after resizing (pixels)" };
        var fps = new Option<double>("--fps") { Description = "Frames sampled per second of video", DefaultValueFactory = _ => 2.0 };
        var maxBody = new Option<int>("--max-body-mb") { Description = "Largest request body, inline media included (MiB)", DefaultValueFactory = _ => 64 };
        var apiKey = new Option<string?>("--api-key") { Description = "Require `Authorization: Bearer KEY` on /v1 requests (visible in the process list: prefer PRUNEVID_API_KEY or --api-key-file)" };
        var apiKeyFile = new Option<FileInfo?>("--api-key-file") { Description = "Read the API key from this file (first line)" };
        var remote = new Option<bool>("--allow-remote-media") { Description = "Fetch http(s) media URLs from public hosts (off: data: URLs only, and local files inside --allowed-local-media-path)" };
        var localFolder = new Option<DirectoryInfo?>("--allowed-local-media-path") { Description = "Read file:// and path media, but only files inside this folder (symlinks and .. resolved)" };
        var privateHosts = new Option<bool>("--allow-private-media-hosts") { Description = "With --allow-remote-media: fetch from loopback, private and link-local addresses too" };
        var domains = new Option<string[]>("--allowed-media-domains") { Description = "With --allow-remote-media: fetch only from these hosts and their subdomains (repeatable)", AllowMultipleArgumentsPerToken = true };
        var weightFormat = new Option<string>("--weights") { Description = "bf16 | int8 | int4: the language model's linear layers as stored, or quantized at load", DefaultValueFactory = _ => "bf16" };
        var device = new Option<string>("--device") { Description = "auto | cpu | cuda | ilgpu-cpu", DefaultValueFactory = _ => "auto" };

        var command = new Command("serve", "Serve the model over an OpenAI-compatible HTTP API (chat completions with video input)")
        {
            model, tokenizer, host, port, name, strategy, parameters, concurrency, queue, maxSeconds, maxFrames, minPixels, maxPixels, fps, maxBody, apiKey, apiKeyFile, remote, localFolder, privateHosts, domains, device, weightFormat,
            CacheSizeOption.Encoder(), CacheSizeOption.Prefix(),
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            CheckLimits(parse.GetValue(concurrency), parse.GetValue(queue), parse.GetValue(port), parse.GetValue(maxBody), parse.GetValue(maxSeconds), parse.GetValue(host)!);
            string modelText = parse.GetValue(model)!;
            string modelDir = ModelLocator.Resolve(modelText);
            string[] names = parse.GetValue(name) ?? [];
            var settings = new ServeSettings
            {
                ModelName = names.Length > 0 ? names[0] : DefaultModelName(modelText, modelDir),
                ModelAliases = names.Skip(1).Distinct().ToArray(),
                AllowedLocalMediaPath = parse.GetValue(localFolder)?.FullName,
                AllowPrivateMediaHosts = parse.GetValue(privateHosts),
                AllowedMediaDomains = (parse.GetValue(domains) ?? []).Select(d => d.Trim().TrimStart('.')).Where(d => d.Length > 0).ToArray(),
                MaxQueue = parse.GetValue(queue),
                MaxConcurrency = parse.GetValue(concurrency),
                MaxVideoSeconds = parse.GetValue(maxSeconds),
                MaxBodyBytes = (long)parse.GetValue(maxBody) << 20,
                ApiKey = ApiKey(parse.GetValue(apiKey), parse.GetValue(apiKeyFile)),
                AllowRemoteMedia = parse.GetValue(remote),
            };
            var (frames, processor) = FrameSize.Apply(VideoSamplingOptions.Default with { Fps = parse.GetValue(fps) },
                parse.GetValue(minPixels), parse.GetValue(maxPixels));
            if (parse.GetValue(maxFrames) is int mf) frames = frames with { MaxFrames = mf };
            var options = new PipelineOptions
            {
                Device = BackendFactory.Parse(parse.GetValue(device)!),
                Weights = WeightFormats.Parse(parse.GetValue(weightFormat)!),
                Strategy = parse.GetValue(strategy)!,
                StrategyParameters = RunCommand.JoinParameters(parse.GetValue(parameters)),
                Sampling = frames,
                Preprocessing = processor,
                TokenizerDirectory = parse.GetValue(tokenizer)?.FullName,
                EncoderCacheMegabytes = CacheSizeOption.Get(parse, CacheSizeOption.EncoderName),
                PrefixCacheMegabytes = CacheSizeOption.Get(parse, CacheSizeOption.PrefixName),
                DecodeBatch = settings.MaxConcurrency,
            };
            return await RunAsync(settings, parse.GetValue(host)!, parse.GetValue(port), modelDir, options, cancellationToken);
        });
        return command;
    }

    /// <summary>
    /// The name clients see when none is given: a hub id as typed (<c>Qwen/Qwen2.5-VL-7B-Instruct</c>), the hub id of a
    /// cache snapshot folder, or else the folder's own name — never the absolute path.
    /// </summary>
    internal static string DefaultModelName(string modelText, string modelDir)
    {
        if (!Directory.Exists(modelText)) return modelText; // a hub id, resolved from the cache
        var folder = new DirectoryInfo(modelDir);
        // …/models--ORG--NAME/snapshots/REVISION → ORG/NAME
        if (folder.Parent is { Name: "snapshots" } snapshots && snapshots.Parent?.Name is { } repo && repo.StartsWith("models--", StringComparison.Ordinal))
            return repo["models--".Length..].Replace("--", "/", StringComparison.Ordinal);
        return folder.Name;
    }

    /// <summary>The key from --api-key, else --api-key-file, else PRUNEVID_API_KEY (null: no key required).</summary>
    private static string? ApiKey(string? key, FileInfo? file)
    {
        if (key is not null && file is not null) throw new ArgumentException("give either --api-key or --api-key-file, not both");
        if (file is not null)
        {
            if (!file.Exists) throw new ArgumentException($"--api-key-file '{file.FullName}' does not exist");
            key = File.ReadLines(file.FullName).FirstOrDefault()?.Trim();
            if (string.IsNullOrEmpty(key)) throw new ArgumentException($"--api-key-file '{file.FullName}' is empty");
            return key;
        }
        key ??= Environment.GetEnvironmentVariable("PRUNEVID_API_KEY") is { Length: > 0 } fromEnvironment ? fromEnvironment.Trim() : null;
        return key;
    }

    /// <summary>Refuses settings the server cannot honour, with the reason.</summary>
    private static void CheckLimits(int concurrency, int queue, int port, int maxBodyMb, double? maxSeconds, string host)
    {
        string? problem =
            concurrency is < 1 or > MaxConcurrency ? $"--max-concurrency must be between 1 and {MaxConcurrency}: the requests whose answers decode together in one batch"
            : queue < 0 ? "--max-queue must be 0 or more"
            : port is < 0 or > 65535 ? "--port must be between 0 and 65535"
            : maxBodyMb < 1 ? "--max-body-mb must be at least 1"
            : maxSeconds is <= 0 ? "--max-video-seconds must be positive"
            : !IPAddress.TryParse(host, out _) && host != "localhost" ? "--host must be an IP address (127.0.0.1, 0.0.0.0, ::1) or localhost"
            : null;
        if (problem is not null) throw new ArgumentException(problem);
    }

    private static async Task<int> RunAsync(ServeSettings settings, string host, int port, string modelDir, PipelineOptions options, CancellationToken cancellationToken)
    {
        var state = new ServerState(settings);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(5));
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = settings.MaxBodyBytes;
            if (host == "localhost") kestrel.ListenLocalhost(port);
            else kestrel.Listen(IPAddress.Parse(host), port);
        });
        await using var app = builder.Build();
        Map(app, state);

        await app.StartAsync(cancellationToken);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.WriteLine($"prunevid serve: listening on {address}");
        VideoQaPipeline pipeline;
        try
        {
            pipeline = await WorkProgress.RunAsync(WorkProgress.ModelLabel(modelDir), () => Task.Run(() => VideoQaPipeline.Load(modelDir, options), cancellationToken));
        }
        catch
        {
            await app.StopAsync(CancellationToken.None);
            throw;
        }
        using var chat = new PruneVidChatClient(pipeline, settings.ModelName, ownsPipeline: true);
        state.Chat = chat;
        Console.Error.WriteLine($"ready: {settings.ModelName} on {pipeline.BackendName}, default strategy {options.Strategy}");
        // SIGTERM / Ctrl+C: Kestrel stops accepting and waits for running requests before the model is released.
        await app.WaitForShutdownAsync(cancellationToken);
        await chat.WaitUntilIdleAsync(CancellationToken.None);
        Console.Error.WriteLine("prunevid serve: stopped");
        return 0;
    }

    private static void Map(WebApplication app, ServerState state)
    {
        app.Use(async (http, next) =>
        {
            if (state.Settings.ApiKey is { } key && http.Request.Path.StartsWithSegments("/v1") && !Authorized(http.Request, key))
            {
                state.Metrics.Responded(401);
                http.Response.Headers.WWWAuthenticate = "Bearer";
                await new OpenAiError(401, "a valid API key is required: send `Authorization: Bearer KEY`.", null, "invalid_api_key", "authentication_error")
                    .WriteAsync(http.Response);
                return;
            }
            await next(http);
        });
        app.MapPost("/v1/chat/completions", (HttpContext http) => ChatCompletionsEndpoint.HandleAsync(http, state));
        app.MapGet("/v1/models", () => Results.Json(new
        {
            @object = "list",
            data = new[] { state.Settings.ModelName }.Concat(state.Settings.ModelAliases)
                .Select(id => new { id, @object = "model", created = 0, owned_by = "prunevid" }).ToArray(),
        }));
        app.MapGet("/health", () => state.Chat is null
            ? Results.Json(new { status = "loading" }, statusCode: 503)
            : Results.Json(new { status = "ok" }));
        app.MapGet("/metrics", () => Results.Text(state.Metrics.Render(state.QueueDepth, state.Running, state.Chat is not null, state.DecodeTotals),
            "text/plain; version=0.0.4; charset=utf-8"));
        app.MapFallback((HttpContext http) =>
            new OpenAiError(404, $"there is no {http.Request.Method} {http.Request.Path} here; see /v1/chat/completions, /v1/models, /health, /metrics.", null, "not_found")
                .WriteAsync(http.Response));
    }

    private static bool Authorized(HttpRequest request, string key)
    {
        string header = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        if (!header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)) return false;
        // Hashes first, so the comparison takes the same time whatever the length of the key sent.
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(header[bearer.Length..].Trim())),
            SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }
}
