// PruneVid.NET — checkpoint loading tests.
using PruneVid.Runtime.Checkpoint;
using Xunit;

namespace PruneVid.Runtime.Tests.Checkpoint;

/// <summary>Reads the tiny fixture checkpoint; expected values were decoded independently with Python's struct module.</summary>
public sealed class SafeTensorsFileTests
{
    private static string ModelFile => FixturePaths.Get("tiny-qwen25vl", "model.safetensors");

    [Fact]
    public void FixtureHeaderListsEveryTensorWithShapeAndDtype()
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(ModelFile);

        Assert.Equal(92, file.Tensors.Count);
        Assert.Equal("pt", file.Metadata["format"]);
        SafeTensorInfo embed = file.Tensors["model.embed_tokens.weight"];
        Assert.Equal(SafeTensorDType.BF16, embed.DType);
        Assert.Equal([151936L, 64L], embed.Shape);
        Assert.Equal(151936L * 64 * 2, embed.ByteLength);
        Assert.Equal([192L, 64L], file.Tensors["visual.blocks.0.attn.qkv.weight"].Shape);
        Assert.All(file.Tensors.Values, t => Assert.Equal(SafeTensorDType.BF16, t.DType));
        Assert.DoesNotContain("lm_head.weight", file.Tensors.Keys);
    }

    [Fact]
    public void Bf16ValuesDecodeExactly()
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(ModelFile);

        Assert.Equal(new ushort[] { 0x3f5d, 0x3f86, 0x3f7f, 0x3f7c }, file.ReadBf16Bits("model.norm.weight")[..4]);
        float[] norm = file.ReadF32("model.norm.weight");
        Assert.Equal(new[] { 0.86328125f, 1.046875f, 0.99609375f, 0.984375f }, norm[..4]);
        Assert.Equal(63.33984375, SumInOrder(norm));

        float[] qkv = file.ReadF32("visual.blocks.0.attn.qkv.weight");
        Assert.Equal(new[] { -0.146484375f, -0.0859375f, -0.1943359375f }, qkv[..3]);
        Assert.Equal(-0.16796875f, qkv[^1]);
        Assert.Equal(2.5943015962839127, SumInOrder(qkv));

        float[] embed = file.ReadF32("model.embed_tokens.weight");
        Assert.Equal(new[] { 0.0194091796875f, -0.04052734375f, -1.2890625f }, embed.AsSpan(64 * 151655, 3).ToArray());
        Assert.Equal(-1366.6024260977283, SumInOrder(embed));
    }

    [Fact]
    public unsafe void PointerSpanAndReadersAgreeOnTheSameBytes()
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(ModelFile);
        const string name = "visual.merger.mlp.0.weight";

        ReadOnlySpan<byte> bytes = file.GetBytes(name);
        byte* pointer = file.GetPointer(name);
        Assert.Equal((nint)pointer, file.GetAddress(name));
        Assert.Equal(file.Tensors[name].ByteLength, bytes.Length);
        ushort[] bits = file.ReadBf16Bits(name);
        var fromPointer = new ushort[bits.Length];
        var fromSpan = new ushort[bits.Length];
        for (int i = 0; i < bits.Length; i++)
        {
            fromPointer[i] = (ushort)(pointer[2 * i] | pointer[2 * i + 1] << 8); // little-endian words
            fromSpan[i] = (ushort)(bytes[2 * i] | bytes[2 * i + 1] << 8);
        }
        Assert.Equal(fromPointer, bits);
        Assert.Equal(fromSpan, bits);
        Assert.Equal(bits.Select(b => BitConverter.Int32BitsToSingle(b << 16)), file.ReadF32(name));
    }

    private static double SumInOrder(float[] values)
    {
        double sum = 0;
        foreach (float v in values) sum += v;
        return sum;
    }
}
