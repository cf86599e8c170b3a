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
    public async Task Missing_file_is_named()
    {
        string path = Path.Combine(_media.Folder, "nope.mp4");
        var ex = await Assert.ThrowsAsync<FileNotFoundException>(() => _decoder.DecodeAsync(path));
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public async Task Text_file_is_not_a_video()
    {
        string path = Path.Combine(_media.Folder, "notes.mp4");
        await File.WriteAllTextAsync(path, "this is not a video");
        var ex = await Assert.ThrowsAsync<MediaException>(() => _decoder.DecodeAsync(path));
        Assert.Contains("not a video", ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public async Task Video_whose_frames_cannot_be_decoded_reports_no_decodable_frames()
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
    public async Task One_frame_video_is_refused_with_the_reason()
    {
        string path = _media.NumberedVideo("single", 32, 32, 10, 0.1);
        var ex = await Assert.ThrowsAsync<MediaException>(() => _decoder.DecodeAsync(path));
        Assert.Contains("1 frame", ex.Message);
        Assert.Contains("at least 2", ex.Message);
    }

    [Fact]
    public void Missing_ffmpeg_says_how_to_install_it()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_media.Folder, "no-tools")).FullName;
        var ex = Assert.Throws<MediaException>(() => new VideoDecoder(empty));
        Assert.Contains("apt-get install ffmpeg", ex.Message);
        Assert.Contains(empty, ex.Message);
    }

    [Fact]
    public async Task Time_range_outside_the_video_is_refused()
    {
        string path = _media.NumberedVideo("short", 32, 32, 10, 1.0);
        var ex = await Assert.ThrowsAsync<MediaException>(() =>
            _decoder.DecodeAsync(path, new VideoSamplingOptions { StartTime = 5, EndTime = 6 }));
        Assert.Contains("selects no frames", ex.Message);
    }

    public void Dispose() => _media.Dispose();
}
