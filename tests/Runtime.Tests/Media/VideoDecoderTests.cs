// PruneVid.NET — media tests.
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Preprocessing;
using Xunit;

namespace PruneVid.Runtime.Tests.Media;

/// <summary>Decoding synthetic clips: frame counts, which frames (read back from the pixels), sizes, and fps.</summary>
public class VideoDecoderTests(TestMediaFixture media) : IClassFixture<TestMediaFixture>
{
    private readonly VideoDecoder _decoder = new();

    [Fact]
    public async Task DefaultSamplingTakes2FpsWithLinspaceIndicesAndScalesUpToMinPixels()
    {
        // 30 frames at 10 fps: 3 s · 2 fps = 6 frames, round(linspace(0, 29, 6)) = 0, 6, 12, 17, 23, 29.
        var video = await _decoder.DecodeAsync(media.Clip30);
        AssertFrames(video, [0, 6, 12, 17, 23, 29]);
        // 48x64 is below 128·28² pixels: scaled by sqrt(100352/3072) and rounded up to multiples of 28.
        Assert.Equal((280, 392), (video.Frames.Height, video.Frames.Width));
        Assert.Equal(2.0, video.SampleFps, 12);
        Assert.Equal(30, video.Info.TotalFrames);
    }

    [Fact]
    public async Task HigherFpsAndASmallPixelCap()
    {
        var options = new VideoSamplingOptions { Fps = 4, MinPixels = 28 * 28, MaxPixels = 28 * 28 * 6 };
        var video = await _decoder.DecodeAsync(media.Clip30, options);
        // 12 frames: round(linspace(0, 29, 12)), steps of 29/11.
        AssertFrames(video, [0, 3, 5, 8, 11, 13, 16, 18, 21, 24, 26, 29]);
        Assert.Equal((56, 56), (video.Frames.Height, video.Frames.Width));
        Assert.Equal(4.0, video.SampleFps, 12);
    }

    [Fact]
    public async Task VideoLongerThanTheFrameBudgetIsSampledDownNotRejected()
    {
        var options = new VideoSamplingOptions { MaxFrames = 8, MinPixels = 28 * 28, MaxPixels = 28 * 28 * 4 };
        var video = await _decoder.DecodeAsync(media.Clip100, options);
        // 100 frames at 10 fps would give 20 frames at 2 fps; capped at 8: round(linspace(0, 99, 8)).
        AssertFrames(video, [0, 14, 28, 42, 57, 71, 85, 99]);
        Assert.Equal(0.8, video.SampleFps, 12);
    }

    [Fact]
    public async Task TimeRangeSamplesInsideIt()
    {
        var options = new VideoSamplingOptions { StartTime = 1.0, EndTime = 2.0, MinPixels = 28 * 28, MaxPixels = 28 * 28 * 4 };
        var video = await _decoder.DecodeAsync(media.Clip30, options);
        // Frames 10..20 (11 frames): 2.2 wanted, raised to min_frames 4: round(linspace(10, 20, 4)).
        AssertFrames(video, [10, 13, 17, 20]);
        Assert.Equal(4.0 / 11 * 10, video.SampleFps, 12);
    }

    [Fact]
    public async Task Mp4H264ClipUsesTheContainerFrameCount()
    {
        string path = Path.Combine(media.Media.Folder, "testsrc.mp4");
        TestMedia.Ffmpeg($"-f lavfi -i testsrc=duration=2:size=112x84:rate=15 -c:v libx264 -pix_fmt yuv420p \"{path}\"");
        var info = await _decoder.ProbeAsync(path);
        Assert.Equal((30, 112, 84), (info.TotalFrames, info.Width, info.Height));
        var video = await _decoder.DecodeAsync(path, new VideoSamplingOptions { MinPixels = 28 * 28 });
        Assert.Equal(4, video.Frames.Count); // 2 s · 2 fps
        Assert.Equal((84, 112), (video.Frames.Height, video.Frames.Width));
    }

    [Fact]
    public async Task DecodedFramesFeedTheProcessor()
    {
        var video = await _decoder.DecodeAsync(media.Clip30, new VideoSamplingOptions { MinPixels = 28 * 28, MaxPixels = 28 * 28 * 4 });
        var processed = new VisionPreprocessor().PreprocessVideo(video);
        // 6 frames → 3 temporal steps; 56x56 is below the processor's 128·28² minimum, so it scales them to 336x336.
        Assert.Equal((3, 24, 24), processed.Grid);
        Assert.Equal(1.0f, processed.SecondPerGridT);
        Assert.Equal(processed.Rows * 1176, processed.PixelValues.Length);
    }

    private static void AssertFrames(DecodedVideo video, int[] expected)
    {
        Assert.Equal(expected, video.FrameIndices);
        Assert.Equal(expected.Length, video.Frames.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            var frame = video.Frames.Frame(i);
            // Constant frames stay constant through the resize; read frame number from the centre pixel.
            int centre = (video.Frames.Height / 2 * video.Frames.Width + video.Frames.Width / 2) * 3;
            Assert.Equal(expected[i], frame[centre]);
            Assert.Equal(255 - expected[i], frame[centre + 1]);
            Assert.Equal(40, frame[centre + 2]);
            Assert.Equal(expected[i], frame[0]);
        }
    }
}

/// <summary>Clips shared by the decoder tests (made once: ffmpeg start-up dominates).</summary>
public sealed class TestMediaFixture : IDisposable
{
    public TestMediaFixture()
    {
        Media = new TestMedia();
        Clip30 = Media.NumberedVideo("clip30", 64, 48, 10, 3.0);
        Clip100 = Media.NumberedVideo("clip100", 32, 32, 10, 10.0);
    }

    public TestMedia Media { get; }

    /// <summary>30 numbered frames, 64x48, 10 fps.</summary>
    public string Clip30 { get; }

    /// <summary>100 numbered frames, 32x32, 10 fps.</summary>
    public string Clip100 { get; }

    public void Dispose() => Media.Dispose();
}
