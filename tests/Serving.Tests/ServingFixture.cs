// PruneVid.NET — serving tests: one tiny model, short clips and one shared server.
using PruneVid.Tools.Demo;

namespace PruneVid.Serving.Tests;

/// <summary>
/// A temporary folder with the demo's tiny seeded Qwen2.5-VL, a 1-second clip, a 4-second clip (over the server's
/// 2-second limit) and a text file posing as a video; one server (queue 64, 1 MiB bodies, local media only from the
/// folder) shared by the tests.
/// </summary>
public sealed class ServingFixture : IAsyncLifetime
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "prunevid-serving-" + Guid.NewGuid().ToString("N")[..8]);
    public string Model => Path.Combine(Folder, "tiny-qwen25vl");
    public string Clip => Path.Combine(Folder, "clip.mp4");
    public string LongClip => Path.Combine(Folder, "long.mp4");
    public string NotAVideo => Path.Combine(Folder, "not-a-video.mp4");
    internal ServerProcess Server { get; private set; } = null!;

    /// <summary>Frames kept at the clips' 112×112 (4 frames → 32 video tokens), so a request takes a fraction of a second.</summary>
    public static readonly string[] SmallFrames = ["--min-pixels", "3136", "--max-pixels", "12544"];

    /// <summary>Options of the shared server: local media only from the fixture's folder.</summary>
    public string[] ServerOptions => ["--max-queue", "64", "--max-video-seconds", "2", "--max-body-mb", "1", "--strategy", "prunevid-stage1",
        "--allowed-local-media-path", Folder, .. SmallFrames];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        TinyModelFolder.Create(Model);
        await SyntheticVideo.CreateAsync(Clip, seconds: 1, width: 112, height: 112, rate: 8);
        await SyntheticVideo.CreateAsync(LongClip, seconds: 4, width: 112, height: 112, rate: 8);
        await File.WriteAllTextAsync(NotAVideo, "this is text, not a video");
        Server = await ServerProcess.StartAsync(Model, ServerOptions);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition("serve")]
public sealed class ServingCollection : ICollectionFixture<ServingFixture>;
