// PruneVid.NET — checkpoint loading tests.
using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using PruneVid.Runtime.Checkpoint;
using Xunit;

namespace PruneVid.Runtime.Tests.Checkpoint;

/// <summary>
/// A tensor over 2 GiB and a tensor that starts past the 2 GiB mark, in a sparse file (no real disk use):
/// lengths and offsets must be longs end to end, spans must refuse clearly, pointers must work.
/// </summary>
public sealed class LargeTensorTests
{
    private const long BigBytes = (1L << 31) + 16; // shape [2, 2^30 + 8] of U8: every dimension fits an int, the byte count does not

    [Fact]
    public unsafe void TensorsBeyond2GiBAreAddressedWithLongOffsets()
    {
        using var dir = new TempDirectory("prunevid-large-");
        string path = dir.File("model.safetensors");
        string header = $$$"""{"big":{"dtype":"U8","shape":[2,{{{BigBytes / 2}}}],"data_offsets":[0,{{{BigBytes}}}]},"tail":{"dtype":"BF16","shape":[4],"data_offsets":[{{{BigBytes}}},{{{BigBytes + 8}}}]}}""";
        byte[] headerBytes = Encoding.UTF8.GetBytes(header);
        long dataStart = 8 + headerBytes.Length;
        ushort[] tail = [0x3F80, 0xC000, 0x4049, 0x0001];
        using (var stream = new FileStream(path, FileMode.Create))
        {
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)headerBytes.Length);
            stream.Write(length);
            stream.Write(headerBytes);
            stream.SetLength(dataStart + BigBytes + 8); // sparse: the big tensor's bytes are never written
            stream.Position = dataStart + BigBytes - 1;
            stream.WriteByte(0xAB); // the last byte of the big tensor
            foreach (ushort word in tail) { stream.WriteByte((byte)word); stream.WriteByte((byte)(word >> 8)); }
        }

        using (SafeTensorsFile file = SafeTensorsFile.Open(path))
        {
            SafeTensorInfo big = file.Tensors["big"];
            Assert.Equal(BigBytes, big.ByteLength);
            Assert.Equal(BigBytes, big.ElementCount);
            Assert.Equal(dataStart + BigBytes, file.Tensors["tail"].DataOffset);

            var e = Assert.Throws<InvalidOperationException>(() => file.GetBytes("big"));
            Assert.Contains("'big'", e.Message);
            Assert.Contains("pointer", e.Message);

            byte* p = file.GetPointer("big");
            Assert.Equal(0xAB, p[BigBytes - 1]);
            Assert.Equal(0, p[BigBytes / 2]);
            Assert.Equal(tail, file.ReadBf16Bits("tail"));
            Assert.Equal(new[] { 1f, -2f, 3.140625f }, file.ReadF32("tail")[..3]);
        }

        using CheckpointWeights weights = CheckpointWeights.Open(dir.Path);
        WeightTensor bigWeight = weights.Get("big");
        Assert.Equal([2, (int)(BigBytes / 2)], bigWeight.Shape);
        Assert.Equal(BigBytes, bigWeight.ElementCount);
        Assert.Equal(BigBytes, bigWeight.ByteLength);
        Assert.Throws<InvalidOperationException>(() => bigWeight.Bytes.Length);
        using (MemoryHandle pin = bigWeight.Pin())
            Assert.Equal(0xAB, ((byte*)pin.Pointer)[BigBytes - 1]);
        Assert.Equal(0xAB, ((byte*)bigWeight.Address)[BigBytes - 1]);
        Assert.Equal(tail, weights.Get("tail").AsSpan<ushort>().ToArray());
    }
}
