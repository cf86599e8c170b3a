// PruneVid.NET — serve: what every endpoint shares.
using PruneVid.Runtime.Chat;
using PruneVid.Runtime.Pipeline;

namespace PruneVid.Cli.Serve;

/// <summary>The settings, the chat client (null until the model is loaded), the admission queue and the metrics.</summary>
internal sealed class ServerState(ServeSettings settings)
{
    private volatile PruneVidChatClient? _chat;

    public ServeSettings Settings { get; } = settings;
    public AdmissionQueue Queue { get; } = new(settings.MaxConcurrency + settings.MaxQueue);
    public ServerMetrics Metrics { get; } = new();

    /// <summary>
    /// Bounds the ffprobe runs of requests being checked at once: a burst of requests would otherwise start one
    /// process each and starve the decode and the model of cores.
    /// </summary>
    public SemaphoreSlim MediaChecks { get; } = new(Math.Max(1, Environment.ProcessorCount / 2));

    /// <summary>Fetches remote media when <c>--allow-remote-media</c> is on.</summary>
    public RemoteMediaFetcher Remote { get; } = new(settings);

    /// <summary>Which local files requests may name.</summary>
    public LocalMediaPolicy Local { get; } = new(settings.AllowedLocalMediaPath);

    /// <summary>The name a response carries: the one the request used when it is served here, else the main one.</summary>
    public string ResponseModel(string? requested) =>
        requested is not null && (requested == Settings.ModelName || Settings.ModelAliases.Contains(requested)) ? requested : Settings.ModelName;

    /// <summary>The loaded model's chat client; null while it loads.</summary>
    public PruneVidChatClient? Chat { get => _chat; set => _chat = value; }

    public int Running => _chat?.RunningGenerations ?? 0;

    /// <summary>Decode steps of the batching scheduler and the sequences they fed (zero without batching).</summary>
    public (long Steps, long Rows) DecodeTotals =>
        (_chat?.GetService(typeof(VideoQaPipeline)) as VideoQaPipeline)?.DecodeScheduler?.Totals ?? default;

    /// <summary>Admitted requests not running yet.</summary>
    public int QueueDepth => Math.Max(0, Queue.Inside - Running);
}
