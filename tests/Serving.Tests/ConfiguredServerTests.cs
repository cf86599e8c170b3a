// PruneVid.NET — serving tests: model names, API keys from a file or the environment, remote media refused end to end.
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PruneVid.Serving.Tests;

[Collection("serve")]
public sealed class ConfiguredServerTests(ServingFixture fixture)
{
    private const string Key = "sk-test-0123456789";

    private static HttpClient Http(ServerProcess server, string? key) => new()
    {
        BaseAddress = server.Address,
        Timeout = TimeSpan.FromSeconds(120),
        DefaultRequestHeaders = { Authorization = key is null ? null : new AuthenticationHeaderValue("Bearer", key) },
    };

    [Fact]
    public async Task ServedModelNamesAliasesAndAKeyFileWorkAndNoResponseNamesTheModelFolder()
    {
        string keyFile = Path.Combine(fixture.Folder, $"key-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(keyFile, Key + "\n");
        await using var server = await ServerProcess.StartAsync(fixture.Model,
            ["--served-model-name", "tiny-main", "--served-model-name", "tiny-alias", "--api-key-file", keyFile,
             "--allowed-local-media-path", fixture.Folder, .. ServingFixture.SmallFrames]);
        Assert.DoesNotContain(Key, await File.ReadAllTextAsync($"/proc/{server.Id}/cmdline"));

        using var anonymous = Http(server, null);
        using (var refused = await anonymous.GetAsync("v1/models")) Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using (var wrong = Http(server, Key + "x"))
        using (var refused = await wrong.GetAsync("v1/models")) Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        using var http = Http(server, Key);
        var models = JsonNode.Parse(await http.GetStringAsync("v1/models"))!["data"]!.AsArray().Select(m => m!["id"]!.GetValue<string>());
        Assert.Equal(["tiny-main", "tiny-alias"], models);

        var seen = new List<string>();
        foreach (string asked in new[] { "tiny-alias", "tiny-main", "something-else" })
        {
            var body = Api.VideoRequest(Api.FileUrl(fixture.Clip), maxTokens: 2);
            body["model"] = asked;
            using var response = await Api.PostAsync(http, body);
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, text);
            seen.Add(JsonNode.Parse(text)!["model"]!.GetValue<string>());
            Assert.DoesNotContain(fixture.Model, text);
        }
        Assert.Equal(["tiny-alias", "tiny-main", "tiny-main"], seen);

        using var bad = await Api.PostRawAsync(http, "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"video_url\", \"video_url\": {\"url\": \"" +
            Api.FileUrl(fixture.NotAVideo) + "\"}}, {\"type\": \"text\", \"text\": \"q\"}]}]}");
        string error = await bad.Content.ReadAsStringAsync();
        Api.AssertError(error, (int)bad.StatusCode, 400);
        Assert.DoesNotContain(fixture.Folder, error);
        Assert.DoesNotContain(fixture.Folder, await http.GetStringAsync("metrics"));
    }

    [Fact]
    public async Task TheKeyComesFromTheEnvironmentAndRemoteMediaOnTheLoopbackIsNeverFetched()
    {
        var hits = new ConcurrentDictionary<string, int>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var media = builder.Build();
        media.Use(async (http, next) => { hits.AddOrUpdate(http.Request.Path, 1, (_, n) => n + 1); await next(http); });
        media.MapGet("/clip.mp4", () => Results.File(fixture.Clip, "video/mp4"));
        await media.StartAsync();
        string mediaAddress = media.Urls.First().TrimEnd('/');

        await using var server = await ServerProcess.StartAsync(fixture.Model, ["--allow-remote-media", .. ServingFixture.SmallFrames],
            new Dictionary<string, string> { ["PRUNEVID_API_KEY"] = Key });
        using (var anonymous = Http(server, null))
        using (var refused = await anonymous.GetAsync("v1/models")) Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var http = Http(server, Key);
        Assert.Equal("tiny-qwen25vl", JsonNode.Parse(await http.GetStringAsync("v1/models"))!["data"]![0]!["id"]!.GetValue<string>());

        foreach (string url in new[] { mediaAddress + "/clip.mp4", mediaAddress.Replace("127.0.0.1", "localhost") + "/clip.mp4",
            mediaAddress.Replace("127.0.0.1", "[::ffff:127.0.0.1]") + "/clip.mp4", Api.FileUrl(fixture.Clip) })
        {
            using var response = await Api.PostAsync(http, Api.VideoRequest(url, maxTokens: 2));
            var error = Api.AssertError(await response.Content.ReadAsStringAsync(), (int)response.StatusCode, 400);
            Assert.Contains("refused", error["code"]!.GetValue<string>());
        }
        Assert.Empty(hits);
        // Inline media still works, and the server is still serving.
        Assert.NotEmpty(await Api.AnswerAsync(http, Api.VideoRequest(Api.DataUrl(fixture.Clip), maxTokens: 2)));
    }
}
