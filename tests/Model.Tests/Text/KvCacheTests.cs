// PruneVid.NET — language model tests: KV cache bookkeeping.
using PruneVid.Kernels.Cpu;
using PruneVid.Runtime.Model.Text;
using Xunit;

namespace PruneVid.Model.Tests.Text;

public sealed class KvCacheTests
{
    [Fact]
    public void KeepCompactsRowsInEveryLayer()
    {
        var backend = new CpuBackend();
        using var cache = new KvCache(backend, layers: 2, kvWidth: 3, capacity: 8);
        for (int l = 0; l < 2; l++)
        {
            backend.Copy(backend.FromF32(Enumerable.Range(0, 15).Select(i => (float)(100 * l + i)).ToArray(), 5, 3), cache.PendingKeys(l, 5));
            backend.Copy(backend.FromF32(Enumerable.Range(0, 15).Select(i => (float)(-100 * l - i)).ToArray(), 5, 3), cache.PendingValues(l, 5));
        }
        cache.Commit(5);
        cache.Keep([1, 3, 4]);
        Assert.Equal(3, cache.Length);
        var keys = new float[9];
        backend.CopyToHost(cache.Keys(1), keys);
        Assert.Equal(new float[] { 103, 104, 105, 109, 110, 111, 112, 113, 114 }, keys);
        var values = new float[9];
        backend.CopyToHost(cache.Values(0), values);
        Assert.Equal(new float[] { -3, -4, -5, -9, -10, -11, -12, -13, -14 }, values);
    }

    [Fact]
    public void OverflowAndBadRowsAreReported()
    {
        var backend = new CpuBackend();
        using var cache = new KvCache(backend, 1, 2, 2);
        cache.Commit(2);
        Assert.Contains("full", Assert.Throws<InvalidOperationException>(() => cache.PendingKeys(0, 1)).Message);
        Assert.Throws<ArgumentException>(() => cache.Keep([1, 0]));
    }
}
