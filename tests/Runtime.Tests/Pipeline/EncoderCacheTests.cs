// PruneVid.NET — the encoder cache: bounded in bytes, least recently used out first, borrowed entries outlive eviction.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Pipeline;
using PruneVid.Runtime.Preprocessing;
using PruneVid.Strategies;
using Xunit;

namespace PruneVid.Runtime.Tests.Pipeline;

public sealed class EncoderCacheTests : IDisposable
{
    private readonly CpuBackend _backend = new();

    // 100 rows × 10 floats = 4,000 bytes per entry.
    private EncodedVideos Entry(float value) => new(_backend.FromF32(Enumerable.Repeat(value, 1000).ToArray(), 100, 10), VisionSignals.Empty);

    private static readonly (int T, int H, int W)[] Grid = [(1, 20, 20)];

    [Fact]
    public void TheLeastRecentlyUsedEntryIsEvictedAndDisposedWhenANewOneDoesNotFit()
    {
        using var cache = new EncoderCache(10_000); // room for two entries of 4,000 bytes
        EncodedVideos a = Entry(1), b = Entry(2), c = Entry(3);
        cache.Add("a", a, Grid, [1.0]).Dispose();
        cache.Add("b", b, Grid, [1.0]).Dispose();
        cache.TryGet("a", [])!.Dispose(); // a is now more recent than b
        cache.Add("c", c, Grid, [1.0]).Dispose();

        Assert.True(cache.Contains("a"));
        Assert.False(cache.Contains("b"));
        Assert.True(cache.Contains("c"));
        Assert.True(b.Embeddings.IsDisposed);
        Assert.False(a.Embeddings.IsDisposed);
        Assert.Equal(8_000, cache.BytesHeld);
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void AnEntryEvictedWhileBorrowedStaysValidUntilItsLeaseEnds()
    {
        using var cache = new EncoderCache(5_000);
        EncodedVideos a = Entry(1);
        cache.Add("a", a, Grid, [1.0]).Dispose();
        var lease = cache.TryGet("a", [])!;
        cache.Add("b", Entry(2), Grid, [1.0]).Dispose(); // evicts a while it is lent
        Assert.False(cache.Contains("a"));
        Assert.False(a.Embeddings.IsDisposed);
        var host = new float[1000];
        _backend.CopyToHost(lease.Encoded.Embeddings, host);
        Assert.All(host, v => Assert.Equal(1f, v));
        lease.Dispose();
        Assert.True(a.Embeddings.IsDisposed);
    }

    [Fact]
    public void AnEncodingLargerThanTheWholeCacheIsLentButNotKept()
    {
        using var cache = new EncoderCache(3_000);
        EncodedVideos a = Entry(1);
        var lease = cache.Add("a", a, Grid, [1.0]);
        Assert.False(cache.Contains("a"));
        Assert.Equal(0, cache.BytesHeld);
        Assert.False(a.Embeddings.IsDisposed);
        lease.Dispose();
        Assert.True(a.Embeddings.IsDisposed);
    }

    [Fact]
    public void AnEntryWithoutARequestedSignalIsAMiss()
    {
        using var cache = new EncoderCache(10_000);
        cache.Add("a", Entry(1), Grid, [1.0]).Dispose();
        var request = ReducerChainSignals("fastvid");
        Assert.NotEmpty(request);
        Assert.Null(cache.TryGet("a", request));
        using (var hit = cache.TryGet("a", [])) Assert.NotNull(hit);
        Assert.Equal(1, cache.Hits);
        Assert.Equal(1, cache.Misses);
    }

    [Fact]
    public void DisposingTheCacheDisposesWhatItHolds()
    {
        var cache = new EncoderCache(10_000);
        EncodedVideos a = Entry(1);
        cache.Add("a", a, Grid, [1.0]).Dispose();
        cache.Dispose();
        Assert.True(a.Embeddings.IsDisposed);
    }

    [Fact]
    public void KeysChangeWithContentRateSizeBoundsAndModel()
    {
        var pixels = new byte[2 * 28 * 28 * 3];
        var frames = new RgbFrames(pixels, 2, 28, 28);
        var other = (byte[])pixels.Clone();
        other[5] = 1;
        var p = VisionPreprocessorOptions.Default;
        string key = EncoderCacheKey.ForFrames(frames, 2.0, p, "model-a");
        Assert.Equal(key, EncoderCacheKey.ForFrames(new RgbFrames((byte[])pixels.Clone(), 2, 28, 28), 2.0, p, "model-a"));
        Assert.NotEqual(key, EncoderCacheKey.ForFrames(new RgbFrames(other, 2, 28, 28), 2.0, p, "model-a"));
        Assert.NotEqual(key, EncoderCacheKey.ForFrames(frames, 1.0, p, "model-a"));
        Assert.NotEqual(key, EncoderCacheKey.ForFrames(frames, 2.0, p with { VideoMaxPixels = p.VideoMaxPixels / 2 }, "model-a"));
        Assert.NotEqual(key, EncoderCacheKey.ForFrames(frames, 2.0, p with { ImageMean = [0.5f, 0.5f, 0.5f] }, "model-a"));
        Assert.NotEqual(key, EncoderCacheKey.ForFrames(frames, 2.0, p, "model-b"));
    }

    [Fact]
    public void FileKeysChangeWithSamplingAndContent()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, [1, 2, 3]);
            var s = VideoSamplingOptions.Default;
            var p = VisionPreprocessorOptions.Default;
            string key = EncoderCacheKey.ForFile(path, s, p, "m");
            Assert.Equal(key, EncoderCacheKey.ForFile(path, s, p, "m"));
            Assert.NotEqual(key, EncoderCacheKey.ForFile(path, s with { Fps = 1 }, p, "m"));
            Assert.NotEqual(key, EncoderCacheKey.ForFile(path, s with { MaxFrames = 8 }, p, "m"));
            Assert.NotEqual(key, EncoderCacheKey.ForFile(path, s with { StartTime = 1, EndTime = 3 }, p, "m"));
            Assert.NotEqual(key, EncoderCacheKey.ForFile(path, s with { MaxPixels = 100_000 }, p, "m"));
            File.WriteAllBytes(path, [1, 2, 4]);
            Assert.NotEqual(key, EncoderCacheKey.ForFile(path, s, p, "m"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static IReadOnlyList<VisionSignalRequest> ReducerChainSignals(string spec) => StrategySpec.Parse(spec).CreateChain(null).VisionSignals;

    public void Dispose() => _backend.Dispose();
}
