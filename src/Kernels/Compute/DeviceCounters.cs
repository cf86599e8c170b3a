// PruneVid.NET — device layer: what a backend did to memory, the bus and the stream.
namespace PruneVid.Compute;

/// <summary>
/// Running totals of the work a backend queued: device allocations (and their bytes), host→device and device→host
/// transfers (and bytes), kernel launches and stream synchronisations. Always on and cheap (one interlocked add per
/// event), so tests and benchmarks can assert them: take a <see cref="Snapshot"/> before a phase and subtract it from
/// one taken after (docs/compute-backends.md, "Counters"). On the Cpu backend "device" memory is host memory: it
/// counts its tensor allocations and nothing else (no transfers, launches or synchronisations exist there).
/// </summary>
public sealed class DeviceCounters
{
    private long _allocations, _allocatedBytes, _uploads, _uploadedBytes, _downloads, _downloadedBytes, _launches, _synchronizations;

    /// <summary>Counts one device allocation of <paramref name="bytes"/> bytes.</summary>
    public void CountAllocation(long bytes)
    {
        Interlocked.Increment(ref _allocations);
        Interlocked.Add(ref _allocatedBytes, bytes);
    }

    /// <summary>Counts one host→device transfer of <paramref name="bytes"/> bytes.</summary>
    public void CountUpload(long bytes)
    {
        Interlocked.Increment(ref _uploads);
        Interlocked.Add(ref _uploadedBytes, bytes);
    }

    /// <summary>Counts one device→host transfer of <paramref name="bytes"/> bytes.</summary>
    public void CountDownload(long bytes)
    {
        Interlocked.Increment(ref _downloads);
        Interlocked.Add(ref _downloadedBytes, bytes);
    }

    /// <summary>Counts one kernel launch.</summary>
    public void CountLaunch() => Interlocked.Increment(ref _launches);

    /// <summary>Counts one wait for the stream (a download's own wait is part of the download, not counted here).</summary>
    public void CountSynchronization() => Interlocked.Increment(ref _synchronizations);

    /// <summary>The totals so far.</summary>
    public CounterSnapshot Snapshot() => new(
        Interlocked.Read(ref _allocations), Interlocked.Read(ref _allocatedBytes),
        Interlocked.Read(ref _uploads), Interlocked.Read(ref _uploadedBytes),
        Interlocked.Read(ref _downloads), Interlocked.Read(ref _downloadedBytes),
        Interlocked.Read(ref _launches), Interlocked.Read(ref _synchronizations));
}

/// <summary>The totals of <see cref="DeviceCounters"/> at one moment, or (after subtraction) over one phase.</summary>
/// <param name="Allocations">Device allocations.</param>
/// <param name="AllocatedBytes">Bytes those allocations asked for.</param>
/// <param name="HostToDevice">Host→device transfers.</param>
/// <param name="HostToDeviceBytes">Bytes uploaded.</param>
/// <param name="DeviceToHost">Device→host transfers.</param>
/// <param name="DeviceToHostBytes">Bytes downloaded.</param>
/// <param name="Launches">Kernel launches.</param>
/// <param name="Synchronizations">Stream synchronisations.</param>
public readonly record struct CounterSnapshot(
    long Allocations, long AllocatedBytes,
    long HostToDevice, long HostToDeviceBytes,
    long DeviceToHost, long DeviceToHostBytes,
    long Launches, long Synchronizations)
{
    /// <summary>What happened between <paramref name="before"/> and <paramref name="after"/>.</summary>
    public static CounterSnapshot operator -(CounterSnapshot after, CounterSnapshot before) => new(
        after.Allocations - before.Allocations, after.AllocatedBytes - before.AllocatedBytes,
        after.HostToDevice - before.HostToDevice, after.HostToDeviceBytes - before.HostToDeviceBytes,
        after.DeviceToHost - before.DeviceToHost, after.DeviceToHostBytes - before.DeviceToHostBytes,
        after.Launches - before.Launches, after.Synchronizations - before.Synchronizations);

    /// <summary>The sum of two phases.</summary>
    public static CounterSnapshot operator +(CounterSnapshot a, CounterSnapshot b) => new(
        a.Allocations + b.Allocations, a.AllocatedBytes + b.AllocatedBytes,
        a.HostToDevice + b.HostToDevice, a.HostToDeviceBytes + b.HostToDeviceBytes,
        a.DeviceToHost + b.DeviceToHost, a.DeviceToHostBytes + b.DeviceToHostBytes,
        a.Launches + b.Launches, a.Synchronizations + b.Synchronizations);

    /// <summary>
    /// One line scripts can read: <c>allocations=N d2h=N h2d=N launches=N syncs=N</c>, then the byte totals
    /// (<c>alloc_bytes=N d2h_bytes=N h2d_bytes=N</c>).
    /// </summary>
    public override string ToString()
        => $"allocations={Allocations} d2h={DeviceToHost} h2d={HostToDevice} launches={Launches} syncs={Synchronizations} " +
           $"alloc_bytes={AllocatedBytes} d2h_bytes={DeviceToHostBytes} h2d_bytes={HostToDeviceBytes}";
}
