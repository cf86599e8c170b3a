// PruneVid.NET — kernel tests.
using System.Runtime.InteropServices;
using PruneVid.Compute;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Kernels.Tests.Accelerators;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Tools.Demo;

namespace PruneVid.Kernels.Tests.Ilgpu;

/// <summary>
/// Host bf16 weights go to the device in page-locked chunks: bit-exact, one counted upload per chunk, and managed
/// memory per upload bounded independently of the tensor size.
/// </summary>
public abstract class StagedUploadTests(AcceleratorFixture fixture)
{
    private const long ChunkBytes = 4096;
    private const long ChunkWords = ChunkBytes / sizeof(ushort);

    private IlgpuBackend NewBackend() => new(fixture.Runtime) { StagingChunkBytes = ChunkBytes };

    [AcceleratorTheory]
    [InlineData(1)]
    [InlineData(ChunkWords - 1)]
    [InlineData(ChunkWords)]
    [InlineData(ChunkWords + 1)]
    [InlineData(5 * ChunkWords + 123)]
    public unsafe void UploadsBitExactlyInOneUploadPerChunk(long count)
    {
        using IlgpuBackend backend = NewBackend();
        ushort[] words = RandomWords((int)count, seed: (int)count);
        using var host = new NativeWords(words);
        CounterSnapshot before = backend.Counters.Snapshot();
        using Tensor t = backend.FromHostBf16(host.Pointer, count, [(int)count]);
        CounterSnapshot upload = backend.Counters.Snapshot() - before;

        long chunks = (count + ChunkWords - 1) / ChunkWords;
        Assert.Equal(chunks, upload.HostToDevice);
        Assert.Equal(count * sizeof(ushort), upload.HostToDeviceBytes);
        float[] back = new float[count];
        backend.CopyToHost(t, back);
        for (int i = 0; i < count; i++)
            Assert.True(BitConverter.SingleToUInt32Bits(back[i]) == (uint)words[i] << 16, $"word {i}: 0x{BitConverter.SingleToUInt32Bits(back[i]):X8}, expected 0x{words[i]:X4}0000");
    }

    [AcceleratorFact]
    public void ConsecutiveUploadsReuseTheStagingBuffers()
    {
        using IlgpuBackend backend = NewBackend();
        ushort[] a = RandomWords((int)(3 * ChunkWords + 7), 1), b = RandomWords((int)(2 * ChunkWords + 1), 2);
        using var ha = new NativeWords(a);
        using var hb = new NativeWords(b);
        using Tensor ta = backend.FromHostBf16(ha.Pointer, a.Length, [a.Length]), tb = backend.FromHostBf16(hb.Pointer, b.Length, [b.Length]);
        Assert.Equal(a.Select(Bf16.ToSingle).ToArray(), Download(backend, ta));
        Assert.Equal(b.Select(Bf16.ToSingle).ToArray(), Download(backend, tb));
    }

    [AcceleratorFact]
    public void ManagedAllocationPerUploadDoesNotGrowWithTheTensor()
    {
        using IlgpuBackend backend = NewBackend();
        using (var warm = new NativeWords(RandomWords(16, 3)))
        using (backend.FromHostBf16(warm.Pointer, 16, [16])) { } // the staging pair is created on first use

        foreach (int count in new[] { (int)(4 * ChunkWords), (int)(256 * ChunkWords) + 5 }) // 16 KiB and 1 MiB
        {
            using var host = new NativeWords(RandomWords(count, count));
            long before = GC.GetAllocatedBytesForCurrentThread();
            Tensor t = backend.FromHostBf16(host.Pointer, count, [count]);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            t.Dispose();
            Assert.True(allocated < 16 * 1024, $"{count} words: {allocated} managed bytes allocated during the upload");
        }
    }

    [AcceleratorFact]
    public void LoadingTheTinyModelAllocatesFarLessManagedMemoryThanItsWeights()
    {
        string dir = Path.Combine(Path.GetTempPath(), "prunevid-staging-" + Guid.NewGuid().ToString("N"));
        try
        {
            const long modelChunk = 16 * 1024;
            TinyModelFolder.Create(dir, seed: 3);
            using var checkpoint = CheckpointWeights.Open(dir);
            using IlgpuBackend backend = new(fixture.Runtime) { StagingChunkBytes = modelChunk };
            var tensors = new List<Tensor>();
            long weightBytes = 0, uploads = 0;
            CounterSnapshot start = backend.Counters.Snapshot(); // the runtime's counters, shared with other backends on it
            long before = GC.GetAllocatedBytesForCurrentThread();
            foreach (string name in checkpoint.Names)
            {
                WeightTensor weight = checkpoint.Get(name);
                if (weight.DType != SafeTensorDType.BF16 || !weight.IsMapped) continue;
                tensors.Add(backend.FromHostBf16(weight.Address, weight.ElementCount, weight.Shape, owner: checkpoint));
                weightBytes += weight.ByteLength;
                uploads += (weight.ByteLength + modelChunk - 1) / modelChunk;
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(weightBytes > 16 * modelChunk, $"the tiny model has only {weightBytes} bf16 weight bytes");
            Assert.True(allocated < weightBytes / 8, $"{allocated} managed bytes allocated to load {weightBytes} weight bytes");
            Assert.Equal(uploads, (backend.Counters.Snapshot() - start).HostToDevice);
            foreach (Tensor t in tensors) t.Dispose();
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [AcceleratorFact]
    public void TheChunkSizeMustBeAPositiveEvenNumberOfBytes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new IlgpuBackend(fixture.Runtime) { StagingChunkBytes = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new IlgpuBackend(fixture.Runtime) { StagingChunkBytes = 4095 });
    }

    private static ushort[] RandomWords(int count, int seed)
    {
        var random = new Random(seed);
        var words = new ushort[count];
        for (int i = 0; i < count; i++) words[i] = (ushort)random.Next(0, 65536); // every bit pattern, NaNs included
        return words;
    }

    private static float[] Download(IlgpuBackend backend, Tensor t)
    {
        var a = new float[t.Length];
        backend.CopyToHost(t, a);
        return a;
    }

    /// <summary>Words in native memory, as a memory-mapped checkpoint would hold them.</summary>
    private sealed unsafe class NativeWords : IDisposable
    {
        public NativeWords(ushort[] words)
        {
            Pointer = (nint)NativeMemory.Alloc((nuint)words.Length, sizeof(ushort));
            words.CopyTo(new Span<ushort>((void*)Pointer, words.Length));
        }

        public nint Pointer { get; }

        public void Dispose() => NativeMemory.Free((void*)Pointer);
    }
}

/// <summary>Staged uploads on ILGPU's CPU accelerator (page locking is emulated there).</summary>
public sealed class StagedUploadTestsCpu(CpuAcceleratorFixture fixture) : StagedUploadTests(fixture), IClassFixture<CpuAcceleratorFixture>;

/// <summary>Staged uploads on a CUDA GPU (discovered only where one exists).</summary>
[RequiresCuda]
public sealed class StagedUploadTestsCuda(CudaAcceleratorFixture fixture) : StagedUploadTests(fixture), IClassFixture<CudaAcceleratorFixture>;
