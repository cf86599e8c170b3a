// PruneVid.NET — media tests.
using PruneVid.Runtime.Media;
using Xunit;

namespace PruneVid.Runtime.Tests.Media;

/// <summary>Every way video input can fail gives one clear exception naming the problem.</summary>
public class MediaErrorTests : IDisposable
{
    private readonly TestMedia _media = new();
    private readonly VideoDecoder _decoder = new();

    [Fact]
    public async Task MissingFileIsNamed()
    {
        string path = Path.Combine(_media.Folder, "nope.mp4");
        var ex = await Assert.ThrowsAsync<FileNotFoundException>(() => _decoder.DecodeAsync(path));
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public async Task TextFileIsNotAVideo()
    {
        string path = Path.Combine(_media.Folder, "notes.mp4");
        await File.WriteAllTextAsync(path, "this is not a video");
        var ex = await Assert.ThrowsAsync<MediaException>(() => _decoder.DecodeAsync(path));
        Assert.Contains("not a video", ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public async Task VideoWhoseFramesCannotBeDecodedReportsNoDecodableFrames()
    {
        // A valid container header (ffprobe still reports 20 frames) whose frame data is zeroed out.
        string good = Path.Combine(_media.Folder, "good.mp4"), broken = Path.Combine(_media.Folder, "broken.mp4");
        TestMedia.Ffmpeg($"-f lavfi -i testsrc=duration=2:size=96x64:rate=10 -c:v libx264 -movflags +faststart \"{good}\"");
        byte[] bytes = await File.ReadAllBytesAsync(good);
        int mdat = bytes.AsSpan().IndexOf("mdat"u8);
        Assert.True(mdat > 0);
        Array.Clear(bytes, mdat + 4, bytes.Length - mdat - 4);
        await File.WriteAllBytesAsync(broken, bytes);

        var ex = await Assert.ThrowsAsync<MediaException>(() => _decoder.DecodeAsync(broken));
        Assert.Contains("no decodable frames", ex.Message);
    }

    [Fact]
    public async Task OneFrameVideoIsRefusedWithTheReason()
    {
        string path = _media.NumberedVideo("single", 32, 32, 10, 0.1);
        var ex = await Assert.ThrowsAsync<MediaException>(() => _decoder.DecodeAsync(path));
        Assert.Contains("1 frame", ex.Message);
        Assert.Contains("at least 2", ex.Message);
    }

    [Fact]
    public void MissingFfmpegSaysHowToInstallIt()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_media.Folder, "no-tools")).FullName;
        var ex = Assert.Throws<MediaException>(() => new VideoDecoder(empty));
        Assert.Contains("apt-get install ffmpeg", ex.Message);
        Assert.Contains(empty, ex.Message);
    }

    [Fact]
    public async Task TimeRangeOutsideTheVideoIsRefused()
    {
        string path = _media.NumberedVideo("short", 32, 32, 10, 1.0);
        var ex = await Assert.ThrowsAsync<MediaException>(() =>
            _decoder.DecodeAsync(path, new VideoSamplingOptions { StartTime = 5, EndTime = 6 }));
        Assert.Contains("selects no frames", ex.Message);
    }

    public void Dispose() => _media.Dispose();
}
