// PruneVid.NET — serve: http(s) media, fetched without server-side request forgery.
using System.Net;
using System.Net.Sockets;

namespace PruneVid.Cli.Serve;

/// <summary>Resolves a host name to its addresses (the system's DNS in the server; a table in tests).</summary>
internal delegate Task<IPAddress[]> HostResolver(string host, CancellationToken cancellationToken);

/// <summary>
/// Fetches an http(s) media URL into a file (<c>--allow-remote-media</c>). Each connection resolves its host once, refuses
/// it when any address is not public (<see cref="MediaAddress"/>; <c>--allow-private-media-hosts</c> lifts that) and
/// connects to the address it checked, so a second DNS answer cannot swap in another one. Redirects are followed by hand,
/// at most <see cref="MaxRedirects"/>, each hop checked again (scheme, <c>--allowed-media-domains</c>, addresses). The
/// size limit is the request body's; the whole fetch has a time limit.
/// </summary>
internal sealed class RemoteMediaFetcher : IDisposable
{
    public const int MaxRedirects = 3;

    private readonly HttpClient _http;
    private readonly HostResolver _resolve;
    private readonly bool _allowPrivate;
    private readonly IReadOnlyList<string> _domains;
    private readonly Func<string, bool> _exempt;
    private readonly long _maxBytes;

    /// <param name="settings">The server's switches and limits.</param>
    /// <param name="resolve">Host → addresses (null: the system's DNS).</param>
    /// <param name="privateAllowedFor">Hosts whose private addresses are accepted even without --allow-private-media-hosts (tests only).</param>
    public RemoteMediaFetcher(ServeSettings settings, HostResolver? resolve = null, Func<string, bool>? privateAllowedFor = null)
    {
        _resolve = resolve ?? ((host, token) => Dns.GetHostAddressesAsync(host, token));
        _allowPrivate = settings.AllowPrivateMediaHosts;
        _domains = settings.AllowedMediaDomains;
        _exempt = privateAllowedFor ?? (_ => false);
        _maxBytes = settings.MaxBodyBytes;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,          // every hop is checked here
            UseProxy = false,                   // a proxy would make its own DNS lookup
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ConnectCallback = ConnectAsync,
        };
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>Hosts this fetch connected to, in order (for tests: a refused hop never connects).</summary>
    public int Connections => Volatile.Read(ref _connections);
    private int _connections;

    /// <summary>Fetches <paramref name="uri"/> into <paramref name="file"/>; an <see cref="OpenAiError"/> (4xx) when refused or failed.</summary>
    public async Task FetchAsync(Uri uri, string file, string kind, string param, CancellationToken cancellationToken)
    {
        for (int hop = 0; ; hop++)
        {
            CheckUrl(uri, param);
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (Refusal(e) is { } refused)
            {
                throw new OpenAiError(400, $"{param}: {refused.Message}", param, "remote_media_refused");
            }
            catch (HttpRequestException)
            {
                throw OpenAiError.BadRequest($"the {kind} at {param} could not be fetched.", param, "invalid_media");
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw OpenAiError.BadRequest($"fetching the {kind} at {param} took too long.", param, "invalid_media");
            }
            using (response)
            {
                if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
                {
                    if (hop == MaxRedirects)
                        throw OpenAiError.BadRequest($"{param}: the {kind} URL redirects more than {MaxRedirects} times.", param, "remote_media_refused");
                    uri = location.IsAbsoluteUri ? location : new Uri(uri, location);
                    continue;
                }
                if (!response.IsSuccessStatusCode)
                    throw OpenAiError.BadRequest($"fetching the {kind} at {param} answered HTTP {(int)response.StatusCode}.", param, "invalid_media");
                if (response.Content.Headers.ContentLength > _maxBytes) throw TooLarge(kind, param);
                await using var source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await using var target = File.Create(file);
                var buffer = new byte[81920];
                long total = 0;
                for (int read; (read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0;)
                {
                    total += read;
                    if (total > _maxBytes) throw TooLarge(kind, param);
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
                return;
            }
        }
    }

    private OpenAiError TooLarge(string kind, string param) =>
        new(413, $"the {kind} at {param} is larger than the {_maxBytes >> 20} MiB this server accepts.", param, "media_too_large");

    /// <summary>http or https, and a host under --allowed-media-domains when that list is given.</summary>
    private void CheckUrl(Uri uri, string param)
    {
        if (uri.Scheme is not ("http" or "https"))
            throw new OpenAiError(400, $"{param}: remote media must be http or https.", param, "remote_media_refused");
        if (_domains.Count > 0 && !_domains.Any(d => uri.IdnHost.Equals(d, StringComparison.OrdinalIgnoreCase)
                || uri.IdnHost.EndsWith("." + d, StringComparison.OrdinalIgnoreCase)))
            throw new OpenAiError(400, $"{param}: the host is not one this server fetches media from (--allowed-media-domains).", param, "remote_media_refused");
    }

    /// <summary>Resolves the host once, checks every address, connects to the first that answers.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        string host = context.DnsEndPoint.Host;
        IPAddress[] addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal]
            : await _resolve(host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0) throw new RefusedHostException("the media host does not resolve.");
        if (!_allowPrivate && !_exempt(host) && addresses.Any(a => !MediaAddress.IsPublic(a)))
            throw new RefusedHostException("the media host resolves to a loopback, private, link-local or otherwise non-public address, " +
                "which this server does not fetch from (--allow-private-media-hosts lifts this).");
        SocketException? last = null;
        foreach (IPAddress address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _connections);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    private static RefusedHostException? Refusal(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is RefusedHostException refused) return refused;
        return null;
    }

    public void Dispose() => _http.Dispose();

    /// <summary>A host the policy refuses; raised inside the connection callback so no connection is made.</summary>
    private sealed class RefusedHostException(string message) : Exception(message);
}
