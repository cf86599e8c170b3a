// PruneVid.NET — checkpoint tests: int8/int4 quantize-on-load against the bf16 model.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model;
using PruneVid.Tests;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Model.Tests.Checkpoint;

/// <summary>
/// The tiny bf16 checkpoint with its language model's linear layers quantized at load, against the same model in bf16:
/// the logits of a text-only prefill must stay within a bound set from the rounding each format introduces (int8: a
/// step of max|w|/127 per 128 weights, int4: max|w|/8 per 32 weights, ggml's Q4_0), and the measured difference is
/// printed (int4 15.0 %, int8 1.6 % with f32 activations).
/// Bounds (relative to the largest |logit|) with f32 activations: int8 2e-2, int4 2.5e-1. The Cpu backend's default
/// also rounds each 32-column block of the activations to int8 (a step of max|x|/127, the same relative size as the
/// int8 weights' step), which at most doubles the int8 error: 4e-2; next to int4's step (1/8 of a group's largest
/// |w|) it changes little, so int4 keeps 2.5e-1. Every weight layer stays packed in memory.
/// </summary>
public sealed class QuantizeOnLoadTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(WeightFormat.Int8, PackedActivations.F32, 2e-2)]
    [InlineData(WeightFormat.Int4, PackedActivations.F32, 2.5e-1)]
    [InlineData(WeightFormat.Int8, PackedActivations.Int8, 4e-2)]
    [InlineData(WeightFormat.Int4, PackedActivations.Int8, 2.5e-1)]
    public void QuantizedLogitsStayWithinTheBoundOfTheFormat(WeightFormat format, PackedActivations activations, double bound)
    {
        if (activations == PackedActivations.Int8 && !Kernels.Quantized.IntegerDotMatMul.IsSupported) return; // no AVX-512BW: the backend has only f32 activations
        string tiny = FixturePaths.Get("tiny-qwen25vl");
        Qwen25VLConfig config = Qwen25VLConfig.Load(tiny);
        using var weights = CheckpointWeights.Open(tiny, config);
        using SafeTensorsFile reference = SafeTensorsFile.Open(Path.Combine(tiny, "reference.safetensors"));
        long[] all = reference.ReadI64("input_ids");
        int[] ids = all[..Math.Min(Array.IndexOf(all, (long)config.VideoTokenId), 12)].Select(v => (int)v).ToArray();

        float[] bf16 = CheckpointCopies.PrefillLogits(new CpuBackend(), config, weights, ids);
        float[] quantized = CheckpointCopies.PrefillLogits(new CpuBackend { PackedActivations = activations }, config, weights, ids, format: format);
        double scale = bf16.Max(v => Math.Abs((double)v)), diff = CheckpointCopies.MaxAbsDifference(bf16, quantized);
        int v = config.Text.VocabSize, agree = 0;
        for (int row = 0; row < ids.Length; row++)
            if (ArgMax(bf16.AsSpan(row * v, v)) == ArgMax(quantized.AsSpan(row * v, v))) agree++;
        output.WriteLine($"{format.Name()}, {activations} activations: max |Δlogit| {diff:E3} (largest |logit| {scale:F4}, relative {diff / scale:E3}), argmax agrees at {agree}/{ids.Length} positions");
        Assert.True(diff <= bound * scale, $"{format}: max |Δlogit| {diff} exceeds {bound} × {scale}");
    }

    [Theory]
    [InlineData("bf16", WeightFormat.Stored)]
    [InlineData("INT8", WeightFormat.Int8)]
    [InlineData(" int4 ", WeightFormat.Int4)]
    public void WeightFormatsParseTheirCliNames(string text, WeightFormat expected)
    {
        Assert.True(WeightFormats.TryParse(text, out WeightFormat parsed));
        Assert.Equal(expected, parsed);
        Assert.False(WeightFormats.TryParse("fp8", out _));
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
