// PruneVid.NET — device layer: where the time of a run goes, per op.
using System.Diagnostics;

namespace PruneVid.Compute;

/// <summary>
/// Wall time and call count per op, collected by <see cref="ComputeBackend"/> while <see cref="ComputeBackend.Profile"/>
/// is set. Meaningful on backends that run ops synchronously (the Cpu backend); an accelerator's time would land in
/// whichever op waits.
/// </summary>
public sealed class OpProfile
{
    private readonly Dictionary<string, (long Ticks, int Calls)> _ops = new(StringComparer.Ordinal);

    /// <summary>Seconds and calls per op name, largest first.</summary>
    public IEnumerable<(string Op, double Seconds, int Calls)> Entries
    {
        get
        {
            lock (_ops) return [.. _ops.Select(e => (e.Key, e.Value.Ticks / (double)Stopwatch.Frequency, e.Value.Calls)).OrderByDescending(e => e.Item2)];
        }
    }

    internal void Add(string op, long ticks)
    {
        lock (_ops)
        {
            _ops.TryGetValue(op, out var current);
            _ops[op] = (current.Ticks + ticks, current.Calls + 1);
        }
    }
}

public abstract partial class ComputeBackend
{
    /// <summary>When set, every op's time is added to it (see <see cref="OpProfile"/>).</summary>
    public OpProfile? Profile { get; set; }

    /// <summary>Times the op until disposed when profiling is on; free otherwise.</summary>
    internal OpTimer Time(string op) => new(Profile, op);

    /// <summary>A running measurement of one op call.</summary>
    internal readonly struct OpTimer(OpProfile? profile, string op) : IDisposable
    {
        private readonly long _start = profile is null ? 0 : Stopwatch.GetTimestamp();

        /// <inheritdoc />
        public void Dispose() => profile?.Add(op, Stopwatch.GetTimestamp() - _start);
    }
}
