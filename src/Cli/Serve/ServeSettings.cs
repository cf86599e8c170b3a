// PruneVid.NET — serve: what the server was started with.
namespace PruneVid.Cli.Serve;

/// <summary>The limits and switches of one <c>prunevid serve</c>.</summary>
internal sealed record ServeSettings
{
    /// <summary>The name /v1/models lists and responses carry.</summary>
    public required string ModelName { get; init; }

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

    /// <summary>Fetch http(s) media URLs (off: only file:// and data: URLs).</summary>
    public bool AllowRemoteMedia { get; init; }

    /// <summary>Seconds a client is told to wait after a 429.</summary>
    public int RetryAfterSeconds { get; init; } = 1;
}
