// PruneVid.NET — Cpu backend: the body of a parallel loop, as a struct so a call allocates nothing.
namespace PruneVid.Kernels.Cpu;

/// <summary>
/// One index of a <see cref="CpuWorkers.For{TLoop}(int, TLoop)"/> loop. Implemented by structs that carry the
/// loop's operands (pointers, arrays, sizes): the pool copies the struct once per call into a reused holder, so
/// unlike a lambda that captures locals it costs no allocation. <see cref="Run"/> may run on any thread and
/// concurrently with other indices; state it shares must be reached through references or pointers, since writes to
/// the struct's own fields are not seen by the caller.
/// </summary>
internal interface ICpuLoop
{
    /// <summary>Does the work of one index in [0, count).</summary>
    void Run(int index);
}
