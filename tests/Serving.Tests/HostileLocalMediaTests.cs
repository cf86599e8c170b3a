// PruneVid.NET — serving tests: local paths a client must not make the server read.
using System.Net;
using System.Text.Json.Nodes;

namespace PruneVid.Serving.Tests;

/// <summary>
/// The shared server reads local media only inside the fixture's folder. Every path out of it — absolute, <c>..</c>,
/// percent-encoded <c>..</c>, a symbolic link (to a file or a folder), <c>file://host/…</c>, a bare path — gets the same
/// 400, whether or not the file exists, and the server goes on answering.
/// </summary>
[Collection("serve")]
public sealed class HostileLocalMediaTests(ServingFixture fixture) : IDisposable
{
    /// <summary>A readable video outside the allowed folder: were the policy to fail, the request would succeed.</summary>
    private readonly string _outside = Path.Combine(Path.GetTempPath(), "prunevid-outside-" + Guid.NewGuid().ToString("N")[..8]);

    private string OutsideClip => Path.Combine(_outside, "clip.mp4");

    private HttpClient Http() => new() { BaseAddress = fixture.Server.Address, Timeout = TimeSpan.FromSeconds(120) };

    private static string Raw(string url) =>
        $"{{\"max_tokens\": 2, \"messages\": [{{\"role\": \"user\", \"content\": [{{\"type\": \"video_url\", \"video_url\": {{\"url\": {JsonValue.Create(url).ToJsonString()}}}}}, {{\"type\": \"text\", \"text\": \"What happens?\"}}]}}]}}";

    private async Task<JsonObject> RefusedAsync(HttpClient http, string url)
    {
        using var response = await Api.PostRawAsync(http, Raw(url));
        string body = await response.Content.ReadAsStringAsync();
        var error = Api.AssertError(body, (int)response.StatusCode, 400);
        Assert.Equal("messages[0].content[0].video_url", error["param"]!.GetValue<string>());
        Assert.Equal("local_media_refused", error["code"]!.GetValue<string>());
        Assert.DoesNotContain(fixture.Folder, body);
        Assert.DoesNotContain(_outside, body);
        Assert.DoesNotContain("/etc", body);
        return error;
    }

    [Fact]
    public async Task PathsOutOfTheAllowedFolderAreRefusedAlikeAndTheServerKeepsServing()
    {
        Directory.CreateDirectory(_outside);
        File.Copy(fixture.Clip, OutsideClip);
        string linkToFile = Path.Combine(fixture.Folder, $"link-{Guid.NewGuid():N}.mp4");
        string linkToFolder = Path.Combine(fixture.Folder, $"linkdir-{Guid.NewGuid():N}");
        File.CreateSymbolicLink(linkToFile, OutsideClip);
        Directory.CreateSymbolicLink(linkToFolder, _outside);
        string escape = string.Concat(Enumerable.Repeat("../", fixture.Folder.Count(c => c == '/')));
        string[] hostile =
        [
            Api.FileUrl(OutsideClip),                                              // a readable video outside
            "file:///etc/passwd",                                                  // exists, not a video
            "file:///etc/no-such-file-here",                                       // does not exist
            "file://" + fixture.Folder + "/../" + Path.GetFileName(_outside) + "/clip.mp4", // .. out of the folder
            "file://" + fixture.Folder + "/" + escape.Replace("..", "%2e%2e") + "etc/passwd", // percent-encoded ..
            "file://" + fixture.Folder + "/%2E%2E/" + Path.GetFileName(_outside) + "/clip.mp4",
            Api.FileUrl(linkToFile),                                               // a link inside, pointing out
            Api.FileUrl(Path.Combine(linkToFolder, "clip.mp4")),                   // a linked folder inside, pointing out
            "file://otherhost" + fixture.Clip,                                     // a host: a network share
            "file://127.0.0.1" + fixture.Clip,
            OutsideClip,                                                           // a bare path
            fixture.Folder + "/../" + Path.GetFileName(_outside) + "/clip.mp4",
        ];
        using var http = Http();
        var messages = new HashSet<string>();
        foreach (string url in hostile) messages.Add((await RefusedAsync(http, url))["message"]!.GetValue<string>());
        // One sentence for all: a client cannot tell an existing file from a missing one.
        Assert.Single(messages);

        // Inside the folder the same clip is read, through its real path and through a link that stays inside.
        string linkInside = Path.Combine(fixture.Folder, $"inside-{Guid.NewGuid():N}.mp4");
        File.CreateSymbolicLink(linkInside, fixture.Clip);
        Assert.NotEmpty(await Api.AnswerAsync(http, Api.VideoRequest(Api.FileUrl(fixture.Clip), maxTokens: 2)));
        Assert.NotEmpty(await Api.AnswerAsync(http, Api.VideoRequest(Api.FileUrl(linkInside), maxTokens: 2)));
        using var health = await http.GetAsync("health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task ADataUrlOverTheBodyLimitGets413BeforeItIsDecoded()
    {
        // 1.5 MiB of base64 in a server that accepts 1 MiB bodies: Kestrel refuses it from the Content-Length.
        string body = "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {\"url\": \"data:video/mp4;base64," +
            Convert.ToBase64String(new byte[(3 << 20) / 2 * 3 / 4]) + "\"}}, {\"type\": \"text\", \"text\": \"q\"}]}]}";
        var (status, payload) = await Api.PostRawOverTcpAsync(fixture.Server.Address, System.Text.Encoding.UTF8.GetBytes(body));
        Api.AssertError(payload, status, 413);
        // Nothing was spooled for decoding by this server (spooled files carry the server's process id).
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), $"prunevid-serve-{fixture.Server.Id}-*"));
        using var http = Http();
        Assert.NotEmpty(await Api.AnswerAsync(http, Api.VideoRequest(Api.FileUrl(fixture.Clip), maxTokens: 2)));
    }

    public void Dispose()
    {
        try { Directory.Delete(_outside, recursive: true); } catch (IOException) { }
    }
}
