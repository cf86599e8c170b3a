// PruneVid.NET — serve: what the server was started with.
namespace PruneVid.Cli.Serve;

/// <summary>The limits and switches of one <c>prunevid serve</c>.</summary>
internal sealed record ServeSettings
{
    /// <summary>The name /v1/models lists and responses carry (never a local path).</summary>
    public required string ModelName { get; init; }

    /// <summary>Further names /v1/models lists; a request that names one gets it back in the response.</summary>
    public IReadOnlyList<string> ModelAliases { get; init; } = [];

    /// <summary>The folder local media may be read from (null: no local file is read).</summary>
    public string? AllowedLocalMediaPath { get; init; }

    /// <summary>Fetch remote media from loopback, private, link-local … addresses too.</summary>
    public bool AllowPrivateMediaHosts { get; init; }

    /// <summary>Hosts (and their subdomains) remote media may come from (empty: any public host).</summary>
    public IReadOnlyList<string> AllowedMediaDomains { get; init; } = [];

    /// <summary>Requests allowed to wait for the model beyond the one running.</summary>
    public int MaxQueue { get; init; } = 16;

    /// <summary>Requests running on the model at once (one: the backend is not re-entrant).</summary>
    public int MaxConcurrency { get; init; } = 1;

    /// <summary>Longest video accepted, in seconds (null: no limit).</summary>
    public double? MaxVideoSeconds { get; init; }

    /// <summary>Largest request body in bytes (inline base64 media included).</summary>
    public long MaxBodyBytes { get; init; } = 64L << 20;

    /// <summary>Bearer token every /v1 request must carry (null: none).</summary>
    public string? ApiKey { get; init; }

    /// <summary>Fetch http(s) media URLs (off: only data: URLs, and file:// inside <see cref="AllowedLocalMediaPath"/>).</summary>
    public bool AllowRemoteMedia { get; init; }

    /// <summary>Seconds a client is told to wait after a 429.</summary>
    public int RetryAfterSeconds { get; init; } = 1;
}
