// PruneVid.NET — Cpu backend: one persistent pool of worker threads for the kernels' parallel loops.
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace PruneVid.Kernels.Cpu;

/// <summary>
/// The Cpu backend's parallel loops. A decode step runs hundreds of short parallel ops (0.1–3 ms each); waking a
/// thread-pool worker for each through the kernel costs tens of microseconds, so the backend keeps its own threads.
/// <list type="bullet">
/// <item>One process-wide pool of <c>Environment.ProcessorCount − 1</c> background threads, started on the first
/// loop that can use them. The calling thread takes part too, so a loop runs on <see cref="Workers"/> threads.</item>
/// <item>Every participant takes the next index from one shared counter, so a core slowed by other work simply takes
/// fewer. <see cref="For{TLoop}(int, TLoop)"/> returns when every index has run.</item>
/// <item>After a loop a worker polls for the next one for <see cref="SpinMicroseconds"/> before it blocks, so the
/// back-to-back ops of a decode step find it awake while an idle process does not keep a core busy.</item>
/// <item>One loop at a time: a caller that finds the pool running another loop (a second request on another thread,
/// or a loop started from inside a loop's body, on a pool thread or on the caller) runs its whole loop on its own
/// thread instead of waiting. Nothing ever waits for the pool, so nested and concurrent loops cannot deadlock.</item>
/// <item>An exception thrown by an index stops the hand-out of further indices; the first one is rethrown on the
/// caller (with its original stack) once the loop's other indices have finished, and the pool stays usable.</item>
/// </list>
/// See docs/cpu-backend.md, Threads.
/// </summary>
internal static class CpuWorkers
{
    /// <summary>How long a worker keeps polling for the next loop after finishing one, before it blocks.</summary>
    public const int SpinMicroseconds = 100;

    /// <summary>Threads that take part in a loop when the pool is free: the caller and one pool thread per other core.</summary>
    public static int Workers => Environment.ProcessorCount;

    /// <summary>
    /// Runs <c>loop.Run(i)</c> for every i in [0, <paramref name="count"/>) across the pool and the calling thread.
    /// The struct is copied once per call; a call allocates nothing.
    /// </summary>
    public static void For<TLoop>(int count, TLoop loop) where TLoop : struct, ICpuLoop
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count <= 1 || Environment.ProcessorCount == 1 || !Pool.Instance.TryRun(count, ref loop))
            for (int i = 0; i < count; i++) loop.Run(i);
    }

    /// <summary>Runs <paramref name="body"/>(i) for every i in [0, <paramref name="count"/>), like the struct overload.</summary>
    public static void For(int count, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        For(count, new ActionLoop(body));
    }

    private readonly struct ActionLoop(Action<int> body) : ICpuLoop
    {
        public void Run(int index) => body(index);
    }

    /// <summary>The loop the pool is running, behind a virtual call so the workers need not know its type.</summary>
    private abstract class LoopHolder
    {
        public abstract void Run(int index);
    }

    /// <summary>One reused holder per loop type; only the caller that owns the pool touches it.</summary>
    private sealed class LoopHolder<TLoop> : LoopHolder where TLoop : struct, ICpuLoop
    {
        public static LoopHolder<TLoop>? Shared;

        public TLoop Loop;

        public override void Run(int index) => Loop.Run(index);
    }

    private sealed class Pool
    {
        /// <summary>Started on first use (the explicit static constructor keeps the initialisation exactly there).</summary>
        public static readonly Pool Instance = new(Environment.ProcessorCount - 1);

        static Pool() { }

        /// <summary>Added to <see cref="_active"/> while no worker may join: between loops.</summary>
        private const int Closed = 1 << 30;

        private static readonly long SpinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;

        private readonly object _gate = new();
        private int _owner;           // 1 while a caller runs a loop on the pool
        private int _generation;      // bumped for every loop; idle workers watch it
        private int _sleepers;        // workers blocked on _gate
        private int _active = Closed; // workers inside the current loop, plus Closed between loops
        private LoopHolder? _loop;
        private int _count;
        private int _next;            // the next index to hand out
        private ExceptionDispatchInfo? _error;

        private Pool(int threads)
        {
            for (int i = 0; i < threads; i++)
                new Thread(Work) { IsBackground = true, Name = $"PruneVid Cpu worker {i + 1}" }.Start();
        }

        /// <summary>Runs the loop on the pool, or returns false at once when another loop holds it.</summary>
        public bool TryRun<TLoop>(int count, ref TLoop loop) where TLoop : struct, ICpuLoop
        {
            if (Interlocked.CompareExchange(ref _owner, 1, 0) != 0) return false;
            LoopHolder<TLoop> holder = LoopHolder<TLoop>.Shared ??= new LoopHolder<TLoop>();
            holder.Loop = loop;
            _loop = holder;
            _count = count;
            _next = 0;
            // Open before announcing: a worker that sees the new generation finds the loop joinable.
            Interlocked.Add(ref _active, -Closed);
            Interlocked.Increment(ref _generation);
            // Pairs with the sleeper's increment-then-check in WaitForLoop: one of the two sees the other.
            if (Volatile.Read(ref _sleepers) > 0)
                lock (_gate) Monitor.PulseAll(_gate);

            RunIndices();

            // Every index is handed out; close once the workers still running one have left.
            var spin = new SpinWait();
            while (Interlocked.CompareExchange(ref _active, Closed, 0) != 0) spin.SpinOnce(sleep1Threshold: -1);
            ExceptionDispatchInfo? error = _error;
            _error = null;
            _loop = null;
            holder.Loop = default; // drop the loop's references
            Volatile.Write(ref _owner, 0);
            error?.Throw();
            return true;
        }

        /// <summary>Takes indices of the current loop until none is left; records the first exception and stops the hand-out.</summary>
        private void RunIndices()
        {
            LoopHolder loop = _loop!;
            int count = _count;
            for (int i; (uint)(i = Interlocked.Increment(ref _next) - 1) < (uint)count;)
            {
                try
                {
                    loop.Run(i);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);
                    Interlocked.Exchange(ref _next, count);
                }
            }
        }

        private void Work()
        {
            int seen = 0;
            while (true)
            {
                seen = WaitForLoop(seen);
                // The loop may already be closed (finished by the others), or be a newer one: both are fine.
                if ((Interlocked.Increment(ref _active) & Closed) == 0) RunIndices();
                Interlocked.Decrement(ref _active);
            }
        }

        /// <summary>Polls for a generation other than <paramref name="seen"/> for <see cref="SpinTicks"/>, then blocks for it.</summary>
        private int WaitForLoop(int seen)
        {
            long deadline = Stopwatch.GetTimestamp() + SpinTicks;
            int generation;
            while ((generation = Volatile.Read(ref _generation)) == seen)
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    lock (_gate)
                    {
                        Interlocked.Increment(ref _sleepers);
                        while ((generation = Volatile.Read(ref _generation)) == seen) Monitor.Wait(_gate);
                        Interlocked.Decrement(ref _sleepers);
                    }
                    break;
                }
                Thread.SpinWait(20);
            }
            return generation;
        }
    }
}
