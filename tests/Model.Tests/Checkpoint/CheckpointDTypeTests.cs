// PruneVid.NET — checkpoint tests: F16 and F32 checkpoints, single-file and sharded, on both backends.
using PruneVid.Kernels;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Tools.Parity;
using PruneVid.Tests;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Model.Tests.Checkpoint;

/// <summary>
/// F32 and F16 copies of the tiny BF16 checkpoint hold the same values (bf16 → f32 is exact; bf16 → f16 is exact for
/// the fixture's values, which sit inside f16's normal range), and F32/F16 tensors are kept exact as f32 at load. So
/// each copy must meet the same HF-reference bounds as the BF16 original (hidden ≤ 2e-3, logits ≤ 2e-3 with equal
/// argmax, identical greedy tokens), and on the ILGPU backend its final hidden states must agree with the BF16 model's
/// on the Cpu backend to f32 summation order (≤ 1e-4, the bound of the ILGPU-vs-Cpu language model test).
/// </summary>
public sealed class CheckpointDTypeTests(ITestOutputHelper output)
{
    private static string Tiny => FixturePaths.Get("tiny-qwen25vl");
    private static string Reference => Path.Combine(Tiny, "reference.safetensors");

    [Fact]
    public void F32CopyMatchesTheReferenceThroughVisionAndLanguage()
    {
        string copy = CheckpointCopies.Write(Tiny, SafeTensorDType.F32);
        try
        {
            ParityReport report = ParityRunner.Run(new CpuBackend(), copy, Reference, new ParityOptions { CreateVision = VisionEncoderStage.Create });
            foreach (ParityResult r in report.Results) output.WriteLine(r.ToString());
            Assert.Empty(report.Skipped);
            Assert.All(report.Results, r => Assert.True(r.Passed, r.ToString()));
        }
        finally { CheckpointCopies.Delete(copy); }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void F16CopyMatchesTheReferenceSingleFileAndSharded(int shards)
    {
        string copy = CheckpointCopies.Write(Tiny, SafeTensorDType.F16, shards);
        try
        {
            Assert.Equal(shards > 1, File.Exists(Path.Combine(copy, CheckpointWeights.IndexFileName)));
            ParityReport report = ParityRunner.Run(new CpuBackend(), copy, Reference);
            foreach (ParityResult r in report.Results) output.WriteLine(r.ToString());
            Assert.Contains(report.Results, r => r.Name == "logits_last8");
            Assert.All(report.Results, r => Assert.True(r.Passed, r.ToString()));
        }
        finally { CheckpointCopies.Delete(copy); }
    }

    [Fact]
    public void F16AndF32CopiesGiveTheBf16HiddenStatesOnTheIlgpuBackend()
    {
        Qwen25VLConfig config = Qwen25VLConfig.Load(Tiny);
        int[] ids = ShortPrompt(config);
        float[] expected;
        using (var bf16 = CheckpointWeights.Open(Tiny, config)) expected = CheckpointCopies.PrefillLogits(new CpuBackend(), config, bf16, ids, logits: false);
        foreach (SafeTensorDType dtype in new[] { SafeTensorDType.F16, SafeTensorDType.F32 })
        {
            string copy = CheckpointCopies.Write(Tiny, dtype, shards: 2);
            try
            {
                using var weights = CheckpointWeights.Open(copy, config);
                using var ilgpu = new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);
                double diff = CheckpointCopies.MaxAbsDifference(expected, CheckpointCopies.PrefillLogits(ilgpu, config, weights, ids, logits: false));
                output.WriteLine($"{dtype} on ILGPU (CPU accelerator) against BF16 on Cpu: final hidden max |Δ| {diff:E2}");
                Assert.True(diff <= 1e-4, $"{dtype}: final hidden max |Δ| {diff}");
            }
            finally { CheckpointCopies.Delete(copy); }
        }
    }

    [Fact]
    public void AnIntegerWeightIsRefusedWithItsNameAndTheAcceptedDtypes()
    {
        Qwen25VLConfig config = Qwen25VLConfig.Load(Tiny);
        using var source = CheckpointWeights.Open(Tiny, config);
        var weights = new InMemoryWeights(tieWordEmbeddings: true, location: "edited weights");
        foreach (string name in source.Names.Where(n => n != WeightNames.LmHead))
        {
            WeightTensor t = source.Get(name);
            weights.Add(name == "model.norm.weight"
                ? WeightTensor.FromArray(name, SafeTensorDType.I32, t.Shape, new int[t.ElementCount])
                : WeightTensor.FromBf16(name, t.Shape, t.ToBf16Bits()));
        }
        var e = Assert.Throws<SafeTensorsFormatException>(() => WeightManifest.Validate(weights, config));
        Assert.Contains("model.norm.weight is I32 [64], expected BF16, F16 or F32", e.Message);
    }

    /// <summary>The fixture prompt's text before its video: a text-only prefill.</summary>
    private static int[] ShortPrompt(Qwen25VLConfig config)
    {
        using SafeTensorsFile reference = SafeTensorsFile.Open(Reference);
        long[] ids = reference.ReadI64("input_ids");
        int video = Array.IndexOf(ids, (long)config.VideoTokenId);
        return ids[..Math.Min(video, 12)].Select(v => (int)v).ToArray();
    }
}
