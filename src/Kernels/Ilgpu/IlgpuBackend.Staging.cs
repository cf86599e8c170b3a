// PruneVid.NET — ILGPU backend: host bf16 weights reach the device through a reusable page-locked staging pair.
using ILGPU;
using ILGPU.Runtime;

namespace PruneVid.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <summary>The default size of one staging chunk: 64 MiB, large enough that each copy runs at full PCIe speed.</summary>
    public const long DefaultStagingChunkBytes = 64L << 20;

    private readonly Lock _stagingLock = new();
    private readonly long _stagingChunkBytes = DefaultStagingChunkBytes;
    private StagingPair? _staging;

    /// <summary>
    /// Bytes per page-locked staging chunk used by <see cref="ComputeBackend.FromHostBf16(nint, long, int[], object)"/> (default
    /// <see cref="DefaultStagingChunkBytes"/>): an even number from 2 bytes up to 2 GiB. Two chunks are held from the
    /// first host upload until the backend is disposed. See docs/compute-backends.md "Loading weights".
    /// </summary>
    public long StagingChunkBytes
    {
        get => _stagingChunkBytes;
        init
        {
            if (value < 2 || value % 2 != 0 || value / 2 > Array.MaxLength)
                throw new ArgumentOutOfRangeException(nameof(value), value, "StagingChunkBytes: must be an even number of bytes from 2 up to 2 GiB");
            _stagingChunkBytes = value;
        }
    }

    /// <summary>
    /// Copies <c>destination.Length</c> words from host memory at <paramref name="source"/> (typically a memory-mapped
    /// checkpoint) into <paramref name="destination"/>, one chunk at a time through two page-locked buffers: while one
    /// buffer's copy to the device is in flight on its own stream, the next chunk is read into the other. Host memory
    /// touched beyond the mapping is therefore two chunks whatever the tensor size, and no managed memory is allocated
    /// per call. Every chunk is one counted upload. Returns once all words are on the device.
    /// </summary>
    private unsafe void UploadStaged(ushort* source, ArrayView1D<ushort, Stride1D.Dense> destination)
    {
        long count = destination.Length, chunk = _stagingChunkBytes / sizeof(ushort);
        lock (_stagingLock)
        {
            StagingPair staging = _staging ??= new StagingPair(Accelerator, chunk);
            int slot = 0;
            for (long offset = 0; offset < count; offset += chunk, slot ^= 1)
            {
                long length = Math.Min(chunk, count - offset);
                PageLockedArray1D<ushort> buffer = staging.Buffers[slot];
                AcceleratorStream stream = staging.Streams[slot];
                stream.Synchronize(); // this buffer's previous chunk has left it
                new ReadOnlySpan<ushort>(source + offset, (int)length).CopyTo(buffer.Span);
                destination.SubView(offset, length).CopyFrom(stream, buffer.ArrayView.SubView(0, length));
                Counters.CountUpload(length * sizeof(ushort));
            }
            staging.Streams[0].Synchronize();
            staging.Streams[1].Synchronize();
        }
    }

    private void DisposeStaging()
    {
        lock (_stagingLock)
        {
            _staging?.Dispose();
            _staging = null;
        }
    }

    /// <summary>Two page-locked host buffers of one chunk each, and a stream per buffer so each can be awaited alone.</summary>
    private sealed class StagingPair : IDisposable
    {
        public StagingPair(Accelerator accelerator, long chunk)
        {
            Buffers = [accelerator.AllocatePageLocked1D<ushort>(chunk, uninitialized: true), accelerator.AllocatePageLocked1D<ushort>(chunk, uninitialized: true)];
            Streams = [accelerator.CreateStream(), accelerator.CreateStream()];
        }

        public PageLockedArray1D<ushort>[] Buffers { get; }

        public AcceleratorStream[] Streams { get; }

        public void Dispose()
        {
            foreach (AcceleratorStream stream in Streams)
            {
                stream.Synchronize();
                stream.Dispose();
            }
            foreach (PageLockedArray1D<ushort> buffer in Buffers) buffer.Dispose();
        }
    }
}
