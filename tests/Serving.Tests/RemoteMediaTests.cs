// PruneVid.NET — serving tests: remote media without server-side request forgery, against a loopback HTTP server.
using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PruneVid.Cli.Serve;

namespace PruneVid.Serving.Tests;

/// <summary>
/// <see cref="RemoteMediaFetcher"/> in process, with an injected resolver: "media.test" resolves to the loopback test
/// server and is exempt from the private-address rule (so the first hop can reach it); every other host is checked as
/// the server checks it. The test server counts the hits of each path, so "nothing fetched" is observed, not assumed.
/// </summary>
public sealed class RemoteMediaTests : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, int> _hits = new();
    private WebApplication _server = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _server = builder.Build();
        _server.Use(async (http, next) => { _hits.AddOrUpdate(http.Request.Path, 1, (_, n) => n + 1); await next(http); });
        _server.MapGet("/clip.mp4", () => Results.Bytes(new byte[1000], "video/mp4"));
        _server.MapGet("/secret.mp4", () => Results.Bytes(new byte[10], "video/mp4"));
        _server.MapGet("/to-loopback", () => Results.Redirect($"http://127.0.0.1:{_port}/secret.mp4"));
        _server.MapGet("/to-private-name", () => Results.Redirect($"http://intranet.test:{_port}/secret.mp4"));
        _server.MapGet("/to-clip", () => Results.Redirect("/clip.mp4"));
        _server.MapGet("/loop", () => Results.Redirect("/loop"));
        _server.MapGet("/big.mp4", () => Results.Bytes(new byte[3 << 20], "video/mp4"));
        await _server.StartAsync();
        _port = new Uri(_server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static readonly Dictionary<string, IPAddress[]> s_dns = new()
    {
        ["media.test"] = [IPAddress.Loopback],
        ["intranet.test"] = [IPAddress.Parse("10.1.2.3")],
        ["metadata.test"] = [IPAddress.Parse("169.254.169.254")],
        ["mapped.test"] = [IPAddress.Parse("::ffff:127.0.0.1")],
        ["mixed.test"] = [IPAddress.Parse("93.184.216.34"), IPAddress.Parse("192.168.0.10")],
    };

    private static Task<IPAddress[]> Resolve(string host, CancellationToken _) =>
        Task.FromResult(s_dns.TryGetValue(host, out var addresses) ? addresses : []);

    private static RemoteMediaFetcher Fetcher(ServeSettings? settings = null) =>
        new(settings ?? new ServeSettings { ModelName = "tiny", AllowRemoteMedia = true, MaxBodyBytes = 1 << 20 }, Resolve, host => host == "media.test");

    private Uri Url(string host, string path) => new($"http://{host}:{_port}{path}");

    private static async Task<OpenAiError> RefusedAsync(RemoteMediaFetcher fetcher, Uri url, int status = 400)
    {
        string file = Path.Combine(Path.GetTempPath(), $"prunevid-remote-test-{Guid.NewGuid():N}");
        try
        {
            var error = await Assert.ThrowsAsync<OpenAiError>(() => fetcher.FetchAsync(url, file, "video", "messages[0].content[0].video_url", CancellationToken.None));
            Assert.Equal(status, error.Status);
            Assert.Equal("messages[0].content[0].video_url", error.Param);
            return error;
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task AnAllowedHostIsFetchedThroughRelativeRedirects()
    {
        using var fetcher = Fetcher();
        string file = Path.Combine(Path.GetTempPath(), $"prunevid-remote-test-{Guid.NewGuid():N}");
        try
        {
            await fetcher.FetchAsync(Url("media.test", "/to-clip"), file, "video", "p", CancellationToken.None);
            Assert.Equal(1000, new FileInfo(file).Length);
            Assert.Equal(1, _hits["/clip.mp4"]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ARedirectFromAnAllowedHostToTheLoopbackIsRefusedBeforeItConnects()
    {
        using var fetcher = Fetcher();
        var error = await RefusedAsync(fetcher, Url("media.test", "/to-loopback"));
        Assert.Equal("remote_media_refused", error.Code);
        Assert.Equal(1, _hits["/to-loopback"]);
        Assert.False(_hits.ContainsKey("/secret.mp4"), "the loopback target was fetched");
        Assert.Equal(1, fetcher.Connections);
    }

    [Fact]
    public async Task ARedirectToAHostNameThatResolvesToAPrivateAddressIsRefused()
    {
        using var fetcher = Fetcher();
        await RefusedAsync(fetcher, Url("media.test", "/to-private-name"));
        Assert.False(_hits.ContainsKey("/secret.mp4"));
        Assert.Equal(1, fetcher.Connections);
    }

    [Theory]
    [InlineData("intranet.test")]   // 10/8
    [InlineData("metadata.test")]   // link-local: cloud metadata
    [InlineData("mapped.test")]     // IPv4-mapped loopback
    [InlineData("mixed.test")]      // one public and one private address: refused, not raced
    [InlineData("127.0.0.1")]       // a literal loopback address
    [InlineData("[::1]")]
    [InlineData("unknown.test")]    // does not resolve
    public async Task HostsThatAreNotPublicAreRefusedWithoutAConnection(string host)
    {
        using var fetcher = Fetcher();
        var error = await RefusedAsync(fetcher, Url(host, "/secret.mp4"));
        Assert.Equal("remote_media_refused", error.Code);
        Assert.Equal(0, fetcher.Connections);
        Assert.False(_hits.ContainsKey("/secret.mp4"));
    }

    [Fact]
    public async Task AllowPrivateMediaHostsLiftsTheAddressRule()
    {
        using var fetcher = new RemoteMediaFetcher(new ServeSettings { ModelName = "tiny", AllowRemoteMedia = true, AllowPrivateMediaHosts = true }, Resolve);
        string file = Path.Combine(Path.GetTempPath(), $"prunevid-remote-test-{Guid.NewGuid():N}");
        try
        {
            await fetcher.FetchAsync(Url("127.0.0.1", "/secret.mp4"), file, "video", "p", CancellationToken.None);
            Assert.Equal(10, new FileInfo(file).Length);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task RedirectLoopsAndOtherDomainsAndOversizedMediaAreRefused()
    {
        using (var fetcher = Fetcher())
        {
            var loop = await RefusedAsync(fetcher, Url("media.test", "/loop"));
            Assert.Contains("more than 3", loop.Message);
            Assert.Equal(RemoteMediaFetcher.MaxRedirects + 1, _hits["/loop"]);
            await RefusedAsync(fetcher, Url("media.test", "/big.mp4"), status: 413);
            await RefusedAsync(fetcher, new Uri($"ftp://media.test:{_port}/clip.mp4"));
        }
        var domains = new ServeSettings { ModelName = "tiny", AllowRemoteMedia = true, AllowedMediaDomains = ["videos.example"] };
        using var limited = new RemoteMediaFetcher(domains, Resolve, host => host == "media.test");
        var refused = await RefusedAsync(limited, Url("media.test", "/clip.mp4"));
        Assert.Contains("--allowed-media-domains", refused.Message);
        Assert.Equal(0, limited.Connections);
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.255.0.9", false)]
    [InlineData("10.0.0.1", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("100.127.255.254", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("::", false)]
    [InlineData("::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fc00::1", false)]
    [InlineData("fd12:3456::1", false)]
    [InlineData("ff02::1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("::ffff:169.254.169.254", false)]
    [InlineData("64:ff9b::a00:1", false)]      // NAT64 of 10.0.0.1
    [InlineData("2002:7f00:1::", false)]       // 6to4 of 127.0.0.1
    [InlineData("8.8.8.8", true)]
    [InlineData("1.1.1.1", true)]
    [InlineData("100.128.0.1", true)]
    [InlineData("172.32.0.1", true)]
    [InlineData("2606:4700:4700::1111", true)]
    [InlineData("::ffff:8.8.8.8", true)]
    public void AddressesAreClassifiedAsPublicOrNot(string address, bool isPublic) =>
        Assert.Equal(isPublic, MediaAddress.IsPublic(IPAddress.Parse(address)));
}
