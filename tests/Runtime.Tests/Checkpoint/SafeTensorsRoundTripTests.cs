// PruneVid.NET — checkpoint loading tests.
using PruneVid.Runtime.Checkpoint;
using Xunit;

namespace PruneVid.Runtime.Tests.Checkpoint;

/// <summary>Every dtype through the writer and reader; expected bit patterns are IEEE facts written out by hand.</summary>
public sealed class SafeTensorsRoundTripTests
{
    [Fact]
    public void AllDtypesRoundTripWithExactConversions()
    {
        using var dir = new TempDirectory("prunevid-rt-");
        string path = dir.File("all.safetensors");
        var writer = new SafeTensorsWriter();
        writer.Metadata["format"] = "pt";
        writer.Metadata["note"] = "ünïcode ✓";
        // F16: 1.0, -2.0, 0.5, 65504 (max), smallest subnormal 2^-24.
        writer.Add("f16", SafeTensorDType.F16, [5], new ushort[] { 0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001 });
        // BF16: 1.0, -0.5, 3.140625 (0x4049), +inf.
        writer.AddBf16("bf16", [2, 2], [0x3F80, 0xBF00, 0x4049, 0x7F80]);
        writer.AddF32("f32", [3], [1.5f, -0f, float.MaxValue]);
        writer.Add("f64", SafeTensorDType.F64, [2], new[] { 0.25, -3.0 });
        writer.AddI64("i64", [3], [long.MinValue, -1, long.MaxValue]);
        writer.AddI64("i64small", [2], [-5, 151656]);
        writer.AddI32("i32", [2], [int.MinValue, 7]);
        writer.Add("u8", SafeTensorDType.U8, [2, 1, 2], new byte[] { 0, 1, 128, 255 });
        writer.Add("bool", SafeTensorDType.BOOL, [3], new byte[] { 1, 0, 1 });
        writer.AddF32("scalar", [], [42f]);
        writer.AddF32("empty", [0, 4], []);
        writer.Save(path);

        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        Assert.Equal("ünïcode ✓", file.Metadata["note"]);
        Assert.Equal(new[] { 1f, -2f, 0.5f, 65504f, MathF.Pow(2, -24) }, file.ReadF32("f16"));
        Assert.Equal(new[] { 1f, -0.5f, 3.140625f, float.PositiveInfinity }, file.ReadF32("bf16"));
        Assert.Equal(new ushort[] { 0x3F80, 0xBF00, 0x4049, 0x7F80 }, file.ReadBf16Bits("bf16"));
        Assert.Equal(new[] { 1.5f, -0f, float.MaxValue }, file.ReadF32("f32"));
        Assert.Equal(new[] { 0.25f, -3f }, file.ReadF32("f64"));
        Assert.Equal(new[] { long.MinValue, -1, long.MaxValue }, file.ReadI64("i64"));
        Assert.Equal(new[] { -5, 151656 }, file.ReadI32("i64small"));
        Assert.Equal(new long[] { int.MinValue, 7 }, file.ReadI64("i32"));
        Assert.Equal(new[] { int.MinValue, 7 }, file.ReadI32("i32"));
        Assert.Equal(new byte[] { 0, 1, 128, 255 }, file.GetBytes("u8").ToArray());
        Assert.Equal([2L, 1L, 2L], file.Tensors["u8"].Shape);
        Assert.Equal(new byte[] { 1, 0, 1 }, file.GetBytes("bool").ToArray());
        Assert.Equal(SafeTensorDType.BOOL, file.Tensors["bool"].DType);
        Assert.Empty(file.Tensors["scalar"].Shape);
        Assert.Equal(1, file.Tensors["scalar"].ElementCount);
        Assert.Equal(new[] { 42f }, file.ReadF32("scalar"));
        Assert.Empty(file.ReadF32("empty"));

        // I64 outside the I32 range is refused, not wrapped.
        Assert.Throws<OverflowException>(() => file.ReadI32("i64"));
        // Conversions that make no sense are refused with the tensor named.
        Assert.Contains("'u8'", Assert.Throws<InvalidOperationException>(() => file.ReadF32("u8")).Message);
        Assert.Throws<InvalidOperationException>(() => file.ReadBf16Bits("f16"));
        Assert.Throws<InvalidOperationException>(() => file.ReadI64("f32"));
        Assert.Contains("no tensor named 'nope'", Assert.Throws<KeyNotFoundException>(() => file.GetBytes("nope")).Message);
    }

    [Fact]
    public void F32ToBf16RoundsToNearestEven()
    {
        using var dir = new TempDirectory("prunevid-rne-");
        // 0x3F808000 is exactly halfway between bf16 0x3F80 and 0x3F81 → even 0x3F80;
        // 0x3F818000 is halfway between 0x3F81 and 0x3F82 → even 0x3F82; 0x3F808001 is above halfway → 0x3F81.
        float[] values = [BitConverter.Int32BitsToSingle(0x3F808000), BitConverter.Int32BitsToSingle(0x3F818000), BitConverter.Int32BitsToSingle(0x3F808001), -2f];
        new SafeTensorsWriter().AddF32("w", [4], values).Save(dir.File("w.safetensors"));
        using SafeTensorsFile file = SafeTensorsFile.Open(dir.File("w.safetensors"));
        Assert.Equal(new ushort[] { 0x3F80, 0x3F82, 0x3F81, 0xC000 }, file.ReadBf16Bits("w"));
    }

    [Fact]
    public void WriterPadsTheHeaderTo8BytesAndLaysDataOutContiguously()
    {
        byte[] bytes = new SafeTensorsWriter().AddBf16("a", [3], [1, 2, 3]).AddF32("b", [1], [2f]).ToArray();
        long headerLength = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(0, headerLength % 8);
        Assert.Equal(8 + headerLength + 6 + 4, bytes.Length);
        string header = System.Text.Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        Assert.Contains("\"a\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,6]}", header);
        Assert.Contains("\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[6,10]}", header);

        Assert.Throws<ArgumentException>(() => new SafeTensorsWriter().AddBf16("a", [4], [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => new SafeTensorsWriter().AddBf16("a", [1], [1]).AddBf16("a", [1], [1]));
        Assert.Throws<ArgumentException>(() => new SafeTensorsWriter().AddBf16("__metadata__", [1], [1]));
    }

    [Fact]
    public void ReferenceTensorsOfOtherDtypesReadAsTheFixtureReadmeSays()
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(FixturePaths.Get("tiny-qwen25vl", "reference.safetensors"));

        Assert.Equal(SafeTensorDType.I64, file.Tensors["video_grid_thw"].DType);
        Assert.Equal(new[] { 4, 18, 30 }, file.ReadI32("video_grid_thw"));
        SafeTensorInfo frames = file.Tensors["frames_u8"];
        Assert.Equal(SafeTensorDType.U8, frames.DType);
        Assert.Equal([8L, 252L, 420L, 3L], frames.Shape);
        Assert.Equal(8 * 252 * 420 * 3, file.GetBytes("frames_u8").Length);
        Assert.Equal(540, file.ReadI64("input_ids").Count(id => id == 151656));
        Assert.Equal([2160L, 1176L], file.Tensors["pixel_values_videos"].Shape);
        Assert.Equal(2160 * 1176, file.ReadF32("pixel_values_videos").Length);
    }
}
