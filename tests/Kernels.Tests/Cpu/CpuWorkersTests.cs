// PruneVid.NET — the Cpu backend's worker pool: every index once, several threads, exceptions, nesting, concurrency.
using System.Collections.Concurrent;
using PruneVid.Kernels.Cpu;

namespace PruneVid.Kernels.Tests.Cpu;

/// <summary>
/// Alone, not beside other test classes: a loop that finds the pool busy with another test's loop runs on its caller
/// alone (by design), which would defeat the tests that need the pool's threads.
/// </summary>
[CollectionDefinition(nameof(CpuWorkersTests), DisableParallelization = true)]
public sealed class CpuWorkersCollection;

[Collection(nameof(CpuWorkersTests))]
public sealed class CpuWorkersTests
{
    /// <summary>Long enough for a loaded machine, short enough that a deadlock fails the test instead of hanging it.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(1000)]
    public void EveryIndexRunsExactlyOnce(int count)
    {
        int[] hits = new int[count];
        CpuWorkers.For(count, i => Interlocked.Increment(ref hits[i]));
        Assert.All(hits, h => Assert.Equal(1, h));

        // The allocation-free struct form hands out the same indices.
        int[] structHits = new int[count];
        CpuWorkers.For(count, new CountHits(structHits));
        Assert.All(structHits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void ANegativeCountIsRejected()
        => Assert.Throws<ArgumentOutOfRangeException>(() => CpuWorkers.For(-1, _ => { }));

    [Fact]
    public void SeveralCoresShareALoopAndOneCoreRunsItOnTheCaller()
    {
        int caller = Environment.CurrentManagedThreadId;
        var threads = new ConcurrentDictionary<int, bool>();
        if (Environment.ProcessorCount >= 2)
        {
            // Each of the two indices waits until the other has started: only two threads can finish this.
            var started = new CountdownEvent(2);
            bool bothStarted = true;
            CpuWorkers.For(2, i =>
            {
                threads[Environment.CurrentManagedThreadId] = true;
                started.Signal();
                if (!started.Wait(Patience)) bothStarted = false;
            });
            Assert.True(bothStarted, "the two indices of a loop never ran at the same time: the pool did not take part");
            Assert.Equal(2, threads.Count);
            Assert.Contains(caller, threads.Keys);
        }
        else
        {
            CpuWorkers.For(8, _ => threads[Environment.CurrentManagedThreadId] = true);
            Assert.Equal([caller], threads.Keys);
        }
    }

    [Fact]
    public void AnExceptionReachesTheCallerAndThePoolKeepsWorking()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CpuWorkers.For(100, i =>
        {
            if (i == 37) throw new InvalidOperationException("index 37 failed");
        }));
        Assert.Equal("index 37 failed", error.Message);

        if (Environment.ProcessorCount >= 2)
        {
            // Thrown on a pool thread: the index that does not run on the caller throws, once both have started.
            int caller = Environment.CurrentManagedThreadId;
            var started = new CountdownEvent(2);
            var fromWorker = Assert.Throws<InvalidOperationException>(() => CpuWorkers.For(2, _ =>
            {
                started.Signal();
                started.Wait(Patience);
                if (Environment.CurrentManagedThreadId != caller) throw new InvalidOperationException("failed on a pool thread");
            }));
            Assert.Equal("failed on a pool thread", fromWorker.Message);
        }

        int[] hits = new int[1000];
        CpuWorkers.For(hits.Length, i => Interlocked.Increment(ref hits[i]));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public async Task ALoopInsideALoopCompletes()
    {
        const int outer = 16, inner = 50;
        int[] hits = new int[outer * inner];
        Task run = Task.Run(() => CpuWorkers.For(outer, i => CpuWorkers.For(inner, j => Interlocked.Increment(ref hits[i * inner + j]))));
        Assert.True(await Finishes(run), "a loop started inside a loop's body did not finish: the pool deadlocked");
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public async Task TwoCallersAtOnceBothGetEveryIndex()
    {
        const int calls = 200, count = 257;
        Task Caller(int seed) => Task.Run(() =>
        {
            for (int call = 0; call < calls; call++)
            {
                long[] squares = new long[count];
                CpuWorkers.For(count, i => squares[i] = (long)(i + seed) * (i + seed));
                for (int i = 0; i < count; i++)
                    if (squares[i] != (long)(i + seed) * (i + seed))
                        throw new InvalidOperationException($"caller {seed}, call {call}: index {i} holds {squares[i]}");
            }
        });
        Task both = Task.WhenAll(Caller(1), Caller(1000));
        Assert.True(await Finishes(both), "two callers running loops at the same time did not finish: the pool deadlocked");
    }

    [Fact]
    public void AStructLoopAllocatesNothingOnTheCaller()
    {
        int[] hits = new int[64];
        var loop = new CountHits(hits);
        CpuWorkers.For(hits.Length, loop); // warm: the pool's threads and the loop type's holder
        long perCall = AllocationBudget.BytesPerCall(() => CpuWorkers.For(hits.Length, loop));
        Assert.Equal(0, perCall);
        Assert.All(hits, h => Assert.Equal(13, h)); // the warm call and 3 batches of 4
    }

    /// <summary>True when the task ends within <see cref="Patience"/> (its exception, if any, is rethrown).</summary>
    private static async Task<bool> Finishes(Task task)
    {
        if (await Task.WhenAny(task, Task.Delay(Patience)) != task) return false;
        await task;
        return true;
    }

    private readonly struct CountHits(int[] hits) : ICpuLoop
    {
        public void Run(int index) => Interlocked.Increment(ref hits[index]);
    }
}
