// PruneVid.NET — media tests: damaged and unusual files.
using System.Diagnostics;
using PruneVid.Runtime.Errors;
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Tests.Errors;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Runtime.Tests.Media;

/// <summary>
/// Every file here either decodes correctly (frames checked by the number painted into their pixels) or fails with a
/// <see cref="MediaException"/> naming the file in one bounded line; none takes more than a few seconds, and a
/// stream that never ends is stopped by the time limit. Clips are tiny so the whole set runs in seconds.
/// </summary>
public sealed class MediaFuzzTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan PerFile = TimeSpan.FromSeconds(20);
    private readonly TestMedia _media = new();
    private readonly VideoDecoder _decoder = new();
    private static readonly VideoSamplingOptions Small = LongVideoTests.Small;

    [Fact]
    public async Task Mp4TruncatedAtEveryTenthDecodesOrFailsCleanly()
    {
        foreach (string layout in new[] { "+faststart", "" }) // header first (frames cut off) and header last (header cut off)
        {
            string good = Path.Combine(_media.Folder, $"good{layout}.mp4");
            TestMedia.Ffmpeg($"-f lavfi -i testsrc=duration=2:size=64x48:rate=10 -c:v libx264 -pix_fmt yuv420p {(layout.Length > 0 ? "-movflags " + layout : "")} \"{good}\"");
            byte[] bytes = await File.ReadAllBytesAsync(good);
            int decoded = 0, rejected = 0;
            for (int tenth = 0; tenth < 10; tenth++)
            {
                string cut = Path.Combine(_media.Folder, $"cut{tenth}{layout}.mp4");
                await File.WriteAllBytesAsync(cut, bytes.AsSpan(0, bytes.Length * tenth / 10).ToArray());
                if (await DecodesOrFailsCleanly(cut, $"{layout} {tenth * 10}%") is { } video)
                {
                    Assert.Equal(4, video.Frames.Count); // 2 s at 2 fps
                    decoded++;
                }
                else rejected++;
            }
            output.WriteLine($"mp4 ({(layout.Length > 0 ? "header first" : "header last")}, {bytes.Length:N0} bytes) truncated at 0%..90%: {decoded} decoded, {rejected} clean MediaException");
            Assert.True(rejected >= 9); // every cut loses frames the header promises, or the header itself
        }
    }

    [Fact]
    public async Task HostileAndOddFilesDecodeCorrectlyOrFailWithAClearMessage()
    {
        var rng = new Random(7);
        var cases = new List<(string Name, string Path, string? Expect)>();
        string P(string name) => Path.Combine(_media.Folder, name);

        await File.WriteAllBytesAsync(P("empty.mp4"), []);
        cases.Add(("empty file", P("empty.mp4"), "not a video"));
        var noise = new byte[64 * 1024];
        rng.NextBytes(noise);
        await File.WriteAllBytesAsync(P("noise.mp4"), noise);
        cases.Add(("random bytes", P("noise.mp4"), "not a video"));
        await File.WriteAllBytesAsync(P("noise-after-header.mp4"), [.. "\0\0\0\x18ftypmp42"u8, .. noise]);
        cases.Add(("mp4 signature then random bytes", P("noise-after-header.mp4"), null));
        TestMedia.Ffmpeg($"-f lavfi -i sine=duration=1 -c:a aac \"{P("audio.m4a")}\"");
        cases.Add(("audio only", P("audio.m4a"), "has no video stream"));
        TestMedia.Ffmpeg($"-f lavfi -i color=c=red:s=32x32 -frames:v 1 -c:v libx264 -pix_fmt yuv420p \"{P("still.mp4")}\"");
        cases.Add(("one still image in an mp4", P("still.mp4"), "1 frame"));
        TestMedia.Ffmpeg($"-f lavfi -i color=c=red:s=32x32 -frames:v 1 \"{P("still.png")}\"");
        File.Copy(P("still.png"), P("png-named.mp4"));
        cases.Add(("a png named .mp4", P("png-named.mp4"), "1 frame"));
        cases.Add(("one-frame video", LongClips.Numbered(_media, "one-frame", 32, 32, 10, 0.1), "1 frame"));
        cases.Add(("2x3000 frames", LongClips.Numbered(_media, "tall", 2, 3000, 10, 0.5), "aspect ratio"));
        cases.Add(("3000x2 frames", LongClips.Numbered(_media, "wide", 3000, 2, 10, 0.5), "aspect ratio"));
        Directory.CreateDirectory(P("folder.mp4"));
        cases.Add(("a folder", P("folder.mp4"), "is a folder"));

        foreach (var (name, path, expect) in cases)
        {
            var video = await DecodesOrFailsCleanly(path, name, expect);
            if (expect is not null) Assert.True(video is null, $"{name}: decoded, expected '{expect}'");
        }
        output.WriteLine($"hostile or unusual files: {cases.Count} cases, each decoded correctly or refused with a clear MediaException");
    }

    [Fact]
    public async Task UnusualButValidVideosDecodeToTheRightFrames()
    {
        string P(string name) => Path.Combine(_media.Folder, name);
        int checkedCases = 0;

        // 1x1 frames: scaled up to the minimum size, every pixel still shows its frame number.
        string tiny = LongClips.Numbered(_media, "one-pixel", 1, 1, 10, 2);
        LongVideoTests.AssertNumberedFrames(await _decoder.DecodeAsync(tiny, Small), [0, 6, 13, 19]);
        checkedCases++;

        // Variable frame rate: 20 frames 0.1 s apart, then 20 frames 0.3 s apart; frames are numbered in decode order.
        string vfr = P("vfr.mkv");
        TestMedia.Ffmpeg($"-f lavfi -i nullsrc=s=32x32:r=10:d=4 -vf \"geq=r='mod(N\\,256)':g='trunc(N/256)':b='40',setpts='if(lt(N,20),N*0.1,2+(N-20)*0.3)/TB'\" " +
                         $"-fps_mode vfr -c:v ffv1 -pix_fmt gbrp \"{vfr}\"");
        var v = await _decoder.DecodeAsync(vfr, Small);
        Assert.Equal(40, v.Info.TotalFrames);
        LongVideoTests.AssertNumberedFrames(v, v.FrameIndices);
        Assert.Equal(0, v.FrameIndices[0]);
        Assert.Equal(39, v.FrameIndices[^1]);
        checkedCases++;

        // A Matroska header that claims the clip lasts about 11.6 days: the frame count comes from the packets, not the header.
        string lying = LongClips.Numbered(_media, "lying", 32, 32, 10, 3);
        byte[] bytes = await File.ReadAllBytesAsync(lying);
        int duration = bytes.AsSpan().IndexOf([(byte)0x44, (byte)0x89, (byte)0x88]); // Duration element, 8-byte float
        Assert.True(duration > 0, "no Duration element found");
        BitConverter.GetBytes(1e9).Reverse().ToArray().CopyTo(bytes, duration + 3);
        await File.WriteAllBytesAsync(lying, bytes);
        v = await _decoder.DecodeAsync(lying, Small);
        Assert.True(v.Info.Duration > TimeSpan.FromDays(1), $"the patched header was not read: {v.Info.Duration}");
        Assert.Equal(30, v.Info.TotalFrames);
        LongVideoTests.AssertNumberedFrames(v, v.FrameIndices);
        Assert.Equal(29, v.FrameIndices[^1]);
        checkedCases++;

        // 10-bit and 4:4:4 pixel formats decode to frames of the stated size and count.
        foreach (var (codec, format) in new[] { ("ffv1", "yuv420p10le"), ("libx264", "yuv444p"), ("ffv1", "gbrp10le"), ("libx264", "yuv420p10le") })
        {
            string path = P($"{format}-{codec}.mkv");
            try
            {
                TestMedia.Ffmpeg($"-f lavfi -i testsrc=duration=1:size=64x48:rate=10 -c:v {codec} -pix_fmt {format} \"{path}\"");
            }
            catch (InvalidOperationException) when (codec == "libx264" && format.Contains("10"))
            {
                output.WriteLine($"this ffmpeg's libx264 cannot write {format}; that case is covered by ffv1");
                continue;
            }
            var video = await _decoder.DecodeAsync(path, Small);
            Assert.Equal((4, 28, 28), (video.Frames.Count, video.Frames.Height, video.Frames.Width));
            Assert.Contains(video.Frames.Data, b => b > 0);
            checkedCases++;
        }
        output.WriteLine($"unusual valid videos (1x1, variable frame rate, lying duration, 10-bit, 4:4:4): {checkedCases} decoded to the right frames");
    }

    [Fact]
    public async Task AStreamThatNeverEndsIsStoppedByTheTimeLimit()
    {
        if (OperatingSystem.IsWindows()) return; // named pipes in the file system are a POSIX feature
        string fifo = Path.Combine(_media.Folder, "never.mp4");
        using (var mkfifo = Process.Start("mkfifo", fifo)) mkfifo.WaitForExit();
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<MediaException>(() => _decoder.ProbeAsync(fifo, TimeSpan.FromSeconds(1)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        string message = UserMessages.Describe(e);
        UserMessagesTests.AssertClean(message);
        Assert.Contains("did not finish", message);
        Assert.Contains(fifo, message);
        output.WriteLine($"a named pipe that never delivers data: stopped after {clock.Elapsed.TotalSeconds:F1} s with a 1 s limit");
    }

    /// <summary>The decoded video, or null after checking the MediaException is clean and names the file.</summary>
    private async Task<DecodedVideo?> DecodesOrFailsCleanly(string path, string what, string? expect = null)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var video = await _decoder.DecodeAsync(path, Small);
            Assert.True(clock.Elapsed < PerFile, $"{what}: took {clock.Elapsed}");
            return video;
        }
        catch (MediaException e)
        {
            Assert.True(clock.Elapsed < PerFile, $"{what}: took {clock.Elapsed}");
            string message = UserMessages.Describe(e);
            UserMessagesTests.AssertClean(message);
            Assert.True(message.Contains(path, StringComparison.Ordinal), $"{what}: '{message}' does not name the file");
            if (expect is not null) Assert.True(message.Contains(expect, StringComparison.Ordinal), $"{what}: '{message}' does not say '{expect}'");
            return null;
        }
    }

    public void Dispose() => _media.Dispose();
}
