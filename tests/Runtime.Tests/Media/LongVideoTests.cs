// PruneVid.NET — media tests: videos longer than ffmpeg's ~100-term select limit.
using System.Globalization;
using PruneVid.Runtime.Media;
using Xunit;

namespace PruneVid.Runtime.Tests.Media;

/// <summary>
/// 60 s, 180 s and 30-minute clips decode to exactly qwen-vl-utils' frame indices. Each source frame N is filled
/// with R = N mod 256, G = N / 256, B = 40 (lossless FFV1), so every decoded frame tells which frame it came from.
/// The clips are tiny (32x32) and at low source rates so each test takes seconds; the expected counts are derived
/// by hand below and the indices by exact integer arithmetic, independently of the code under test.
/// </summary>
public sealed class LongVideoTests(LongClips clips) : IClassFixture<LongClips>
{
    /// <summary>Frames resized 32x32 → 28x28 (one patch unit), so the test does not spend its time resizing.</summary>
    internal static readonly VideoSamplingOptions Small = new() { MinPixels = 28 * 28, MaxPixels = 28 * 28 };

    [Fact]
    public async Task SixtySecondClipGivesTheQwenVlUtilsIndices()
    {
        // 60 s at 5 fps = 300 frames; 60 s · 2 fps = 120 sampled (between min 4 and max 768): round(linspace(0, 299, 120)).
        var video = await new VideoDecoder().DecodeAsync(clips.Sixty, Small);
        AssertNumberedFrames(video, Linspace(0, 299, 120));
        Assert.Equal(300, video.Info.TotalFrames);
    }

    [Fact]
    public async Task ThreeMinuteClipGivesTheQwenVlUtilsIndices()
    {
        // 180 s at 5 fps = 900 frames; 180 · 2 = 360 sampled: round(linspace(0, 899, 360)).
        var video = await new VideoDecoder().DecodeAsync(clips.ThreeMinutes, Small);
        AssertNumberedFrames(video, Linspace(0, 899, 360));
        Assert.Equal(2.0, video.SampleFps, 9);
    }

    [Fact]
    public async Task ThirtyMinuteClipIsCappedAtMaxFrames()
    {
        // 1800 s at 2 fps = 3600 frames; 3600 wanted at 2 fps, capped at max_frames 768: round(linspace(0, 3599, 768)).
        var video = await new VideoDecoder().DecodeAsync(clips.ThirtyMinutes, Small);
        AssertNumberedFrames(video, Linspace(0, 3599, 768));
        Assert.Equal(3600, video.Info.TotalFrames);
    }

    [Fact]
    public async Task TimeRangeInsideALongClipIsExact()
    {
        // 100 s..160 s of the 5 fps clip: frames ceil(500)..floor(800) = 500..800 (301 frames); 301 / 5 · 2 = 120.4 → 120.
        var video = await new VideoDecoder().DecodeAsync(clips.ThreeMinutes, Small with { StartTime = 100, EndTime = 160 });
        AssertNumberedFrames(video, Linspace(500, 800, 120));
    }

    /// <summary>
    /// round(linspace(start, end, n)) by exact integer arithmetic: start + round(i·(end−start)/(n−1)). For the spans
    /// used here no value lies within float32's error of a .5 tie, so this equals torch's float32 linspace + round.
    /// </summary>
    internal static int[] Linspace(int start, int end, int n)
    {
        long span = end - start, steps = n - 1;
        return Enumerable.Range(0, n).Select(i => start + (int)((2 * i * span + steps) / (2 * steps))).ToArray();
    }

    internal static void AssertNumberedFrames(DecodedVideo video, int[] expected)
    {
        Assert.Equal(expected, video.FrameIndices);
        Assert.Equal(expected.Length, video.Frames.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            var frame = video.Frames.Frame(i);
            int centre = (video.Frames.Height / 2 * video.Frames.Width + video.Frames.Width / 2) * 3;
            int number = frame[centre] + 256 * frame[centre + 1];
            if (number != expected[i] || frame[centre + 2] != 40)
                Assert.Fail($"frame {i} shows source frame {number} (B={frame[centre + 2]}), expected {expected[i]}");
        }
    }
}

/// <summary>The long clips, each made once per test class on first use.</summary>
public sealed class LongClips : IDisposable
{
    private readonly Lazy<string> _sixty, _threeMinutes, _thirtyMinutes;

    public LongClips()
    {
        Media = new TestMedia();
        _sixty = new(() => Numbered(Media, "sixty", 32, 32, 5, 60));
        _threeMinutes = new(() => Numbered(Media, "three-minutes", 32, 32, 5, 180));
        _thirtyMinutes = new(() => Numbered(Media, "thirty-minutes", 32, 32, 2, 1800));
    }

    public TestMedia Media { get; }

    /// <summary>60 s, 5 fps, 300 frames.</summary>
    public string Sixty => _sixty.Value;

    /// <summary>180 s, 5 fps, 900 frames.</summary>
    public string ThreeMinutes => _threeMinutes.Value;

    /// <summary>30 min, 2 fps, 3600 frames.</summary>
    public string ThirtyMinutes => _thirtyMinutes.Value;

    /// <summary>A lossless clip whose frame N has R = N mod 256, G = N / 256, B = 40.</summary>
    public static string Numbered(TestMedia media, string name, int width, int height, int rate, double seconds, string container = "mkv")
    {
        string path = Path.Combine(media.Folder, $"{name}.{container}");
        TestMedia.Ffmpeg($"-f lavfi -i nullsrc=s={width}x{height}:r={rate}:d={seconds.ToString(CultureInfo.InvariantCulture)} " +
                         $"-vf geq=r='mod(N\\,256)':g='trunc(N/256)':b='40' -c:v ffv1 -pix_fmt gbrp \"{path}\"");
        return path;
    }

    public void Dispose() => Media.Dispose();
}
