// PruneVid.NET — language model tests: KV cache bookkeeping.
using PruneVid.Kernels.Cpu;
using PruneVid.Runtime.Model.Text;
using Xunit;

namespace PruneVid.Model.Tests.Text;

public sealed class KvCacheTests
{
    /// <summary>An in-model hook after layer 0 of 2: the pending rows of layer 0 are compacted, layer 1 (not yet written) is left alone.</summary>
    [Fact]
    public void KeepPendingCompactsTheRowsOfTheLayersThatWroteThem()
    {
        var backend = new CpuBackend();
        using var cache = new KvCache(backend, layers: 2, kvWidth: 3, capacity: 8);
        for (int l = 0; l < 2; l++)
        {
            backend.Copy(backend.FromF32(Enumerable.Range(0, 15).Select(i => (float)(100 * l + i)).ToArray(), 5, 3), cache.PendingKeys(l, 5));
            backend.Copy(backend.FromF32(Enumerable.Range(0, 15).Select(i => (float)(-100 * l - i)).ToArray(), 5, 3), cache.PendingValues(l, 5));
        }
        cache.KeepPending(5, [1, 3, 4], throughLayer: 0);
        cache.Commit(3);
        Assert.Equal(3, cache.Length);
        var keys = new float[9];
        backend.CopyToHost(cache.Keys(0), keys);
        Assert.Equal(new float[] { 3, 4, 5, 9, 10, 11, 12, 13, 14 }, keys);
        var values = new float[9];
        backend.CopyToHost(cache.Values(0), values);
        Assert.Equal(new float[] { -3, -4, -5, -9, -10, -11, -12, -13, -14 }, values);
        backend.CopyToHost(cache.Keys(1), keys);
        Assert.Equal(Enumerable.Range(0, 9).Select(i => (float)(100 + i)), keys);
    }

    [Fact]
    public void OverflowAndBadRowsAreReported()
    {
        var backend = new CpuBackend();
        using var cache = new KvCache(backend, 1, 2, 2);
        Assert.Throws<ArgumentException>(() => cache.KeepPending(2, [1, 0], throughLayer: 0));
        cache.Commit(2);
        Assert.Contains("full", Assert.Throws<InvalidOperationException>(() => cache.PendingKeys(0, 1)).Message);
    }
}
