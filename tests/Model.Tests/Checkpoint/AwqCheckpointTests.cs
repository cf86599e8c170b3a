// PruneVid.NET — checkpoint tests: AutoAWQ 4-bit checkpoints against their dequantized twins.
using PruneVid.Compute;
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
/// Each case (a folder holding <c>awq/</c> and <c>dequantized/</c>, made with AutoAWQ's own code) from the folder named
/// by <c>PRUNEVID_AWQ_CASES</c> (default: the reference fixtures folder): the packed checkpoint's logits must equal those of its
/// twin, whose W = (q − z)·s AutoAWQ's <c>dequantize_gemm</c> computed and stored as F32. The runtime computes the
/// same product exactly in f32 (a 4-bit integer times an f16 scale needs at most 15 significant bits). Had the twin
/// been rounded to f16 on the way (dequantize_gemm runs in the scales' dtype), each twin weight would be off by up to
/// 2⁻¹² relative, which through three layers stays below 1e-3 of the largest logit; f32 summation order adds ~1e-6.
/// Bound: 1e-3 relative to the largest |logit| (largest |h| for the ILGPU hidden states), with the same argmax at every
/// position. Measured on awq-tiny: 7e-7 on both backends (its twin holds the exact products). That is the Cpu backend
/// with f32 activations; its default, int8 activations (each 32-column block of x rounded to a step of max|x|/127, as
/// llama.cpp does), is held to 2e-2: the same relative perturbation per element as rounding weights to int8 per 128,
/// whose bound on this model is 2e-2 (QuantizeOnLoadTests).
/// </summary>
public sealed class AwqCheckpointTests(ITestOutputHelper output)
{
    private const double RelativeBound = 1e-3;

    public static TheoryData<string> Cases()
    {
        string root = Environment.GetEnvironmentVariable("PRUNEVID_AWQ_CASES") is { Length: > 0 } named ? Path.GetFullPath(named) : FixturePaths.Fixtures;
        var cases = new TheoryData<string>();
        foreach (string folder in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
            if (Directory.Exists(Path.Combine(folder, "awq")) && Directory.Exists(Path.Combine(folder, "dequantized"))) cases.Add(folder);
        if (cases.Count == 0) throw new DirectoryNotFoundException($"no AWQ case (a folder with awq/ and dequantized/) under {root}");
        return cases;
    }

    private const double Int8ActivationBound = 2e-2;

    [Theory]
    [MemberData(nameof(Cases))]
    public void AwqLogitsEqualTheDequantizedTwinsOnTheCpuBackend(string folder)
    {
        Qwen25VLConfig awqConfig = Qwen25VLConfig.Load(Path.Combine(folder, "awq")), twinConfig = Qwen25VLConfig.Load(Path.Combine(folder, "dequantized"));
        Assert.NotNull(awqConfig.Quantization);
        using var awq = CheckpointWeights.Open(Path.Combine(folder, "awq"), awqConfig);
        using var twin = CheckpointWeights.Open(Path.Combine(folder, "dequantized"), twinConfig);
        WeightManifest.Validate(awq, awqConfig);
        int[] ids = Prompt(awqConfig);
        float[] expected = CheckpointCopies.PrefillLogits(new CpuBackend(), twinConfig, twin, ids);
        float[] actual = CheckpointCopies.PrefillLogits(new CpuBackend { PackedActivations = PackedActivations.F32 }, awqConfig, awq, ids);
        AssertClose(expected, actual, awqConfig.Text.VocabSize, $"{Path.GetFileName(folder)} logits on cpu", RelativeBound);
        if (!Kernels.Quantized.IntegerDotMatMul.IsSupported) return; // no AVX-512BW: f32 activations only
        actual = CheckpointCopies.PrefillLogits(new CpuBackend { PackedActivations = PackedActivations.Int8 }, awqConfig, awq, ids);
        AssertClose(expected, actual, awqConfig.Text.VocabSize, $"{Path.GetFileName(folder)} logits on cpu, int8 activations", Int8ActivationBound);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AwqHiddenStatesEqualTheDequantizedTwinsOnTheIlgpuBackend(string folder)
    {
        Qwen25VLConfig awqConfig = Qwen25VLConfig.Load(Path.Combine(folder, "awq")), twinConfig = Qwen25VLConfig.Load(Path.Combine(folder, "dequantized"));
        using var awq = CheckpointWeights.Open(Path.Combine(folder, "awq"), awqConfig);
        using var twin = CheckpointWeights.Open(Path.Combine(folder, "dequantized"), twinConfig);
        int[] ids = Prompt(awqConfig);
        float[] expected = CheckpointCopies.PrefillLogits(new CpuBackend(), twinConfig, twin, ids, logits: false);
        using var ilgpu = new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);
        float[] actual = CheckpointCopies.PrefillLogits(ilgpu, awqConfig, awq, ids, logits: false);
        AssertClose(expected, actual, awqConfig.Text.HiddenSize, $"{Path.GetFileName(folder)} final hidden states on ILGPU (CPU accelerator)");
    }

    [Fact]
    public void AShardedAwqCopyWithTheNewKeyNamesGivesTheSameLogits()
    {
        string awqFolder = FixturePaths.Get("awq-tiny", "awq");
        static string Renamed(string name) => name.StartsWith("model.", StringComparison.Ordinal) ? "model.language_model." + name["model.".Length..]
            : name.StartsWith("visual.", StringComparison.Ordinal) ? "model." + name : name;
        string copy = CheckpointCopies.Write(awqFolder, dtype: null, shards: 3, rename: Renamed);
        try
        {
            Qwen25VLConfig config = Qwen25VLConfig.Load(awqFolder);
            using var original = CheckpointWeights.Open(awqFolder, config);
            using var sharded = CheckpointWeights.Open(copy, config);
            Assert.EndsWith(CheckpointWeights.IndexFileName, sharded.Location);
            Assert.Contains(sharded.Files[0].Tensors.Keys, n => n.StartsWith("model.language_model.", StringComparison.Ordinal));
            WeightManifest.Validate(sharded, config);
            int[] ids = Prompt(config);
            Assert.Equal(CheckpointCopies.PrefillLogits(new CpuBackend(), config, original, ids), CheckpointCopies.PrefillLogits(new CpuBackend(), config, sharded, ids));
        }
        finally { CheckpointCopies.Delete(copy); }
    }

    [Fact]
    public void TheAwqCheckpointsF16VisionTowerMatchesTheReference()
    {
        // modules_to_not_convert keeps the vision tower in F16 (the tiny model's bf16 values, exact in f16): widened to
        // f32 at load, it must meet the HF reference's vision bounds as the bf16 checkpoint does.
        ParityReport report = ParityRunner.Run(new CpuBackend(), FixturePaths.Get("awq-tiny", "awq"),
            FixturePaths.Get("tiny-qwen25vl", "reference.safetensors"), new ParityOptions { CreateVision = VisionEncoderStage.Create });
        ParityResult[] vision = [.. report.Results.Where(r => r.Name.StartsWith("vision.", StringComparison.Ordinal) || r.Name == "video_embeds")];
        foreach (ParityResult r in vision) output.WriteLine(r.ToString());
        Assert.Equal(6, vision.Length); // patch_embed, 4 blocks, video_embeds
        Assert.All(vision, r => Assert.True(r.Passed, r.ToString()));
    }

    [Theory]
    [InlineData("\"bits\": 4", "\"bits\": 8", "quantization_config.bits")]
    [InlineData("\"version\": \"gemm\"", "\"version\": \"gemv\"", "quantization_config.version")]
    [InlineData("\"zero_point\": true", "\"zero_point\": false", "quantization_config.zero_point")]
    [InlineData("\"quant_method\": \"awq\"", "\"quant_method\": \"gptq\"", "quantization_config.quant_method")]
    [InlineData("\"group_size\": 32", "\"group_size\": 48", "quantization_config.group_size")]
    public void AnUnsupportedQuantizationConfigIsRefusedNamingTheField(string original, string replacement, string field)
    {
        string json = File.ReadAllText(FixturePaths.Get("awq-tiny", "awq", "config.json"));
        Assert.Contains(original, json);
        var e = Assert.Throws<ConfigException>(() => Qwen25VLConfig.Parse(json.Replace(original, replacement), "config.json"));
        output.WriteLine(e.Message);
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void AwqTensorsWithoutAQuantizationConfigAreRefusedInOneSentence()
    {
        string awqFolder = FixturePaths.Get("awq-tiny", "awq");
        Qwen25VLConfig config = Qwen25VLConfig.Load(awqFolder) with { Quantization = null };
        using var awq = CheckpointWeights.Open(awqFolder, config);
        var e = Assert.Throws<SafeTensorsFormatException>(() => WeightManifest.Validate(awq, config));
        Assert.Contains("model.layers.0.self_attn.q_proj.qweight is an AWQ tensor but config.json has no quantization_config", e.Message);
    }

    /// <summary>The tiny fixture prompt's text before its video (a text-only prefill of up to 12 tokens).</summary>
    private static int[] Prompt(Qwen25VLConfig config)
    {
        using SafeTensorsFile reference = SafeTensorsFile.Open(FixturePaths.Get("tiny-qwen25vl", "reference.safetensors"));
        long[] ids = reference.ReadI64("input_ids");
        int video = Array.IndexOf(ids, (long)config.VideoTokenId);
        return ids[..Math.Min(video, 12)].Select(v => (int)v).ToArray();
    }

    private void AssertClose(float[] expected, float[] actual, int rowLength, string what, double bound = RelativeBound)
    {
        double scale = expected.Max(v => Math.Abs((double)v)), diff = CheckpointCopies.MaxAbsDifference(expected, actual);
        output.WriteLine($"{what}: max |Δ| {diff:E3}, largest |value| {scale:F4}, relative {diff / scale:E3}");
        Assert.True(diff <= bound * scale, $"{what}: max |Δ| {diff} exceeds {bound} × {scale}");
        for (int row = 0; row < expected.Length / rowLength; row++)
            Assert.Equal(ArgMax(expected.AsSpan(row * rowLength, rowLength)), ArgMax(actual.AsSpan(row * rowLength, rowLength)));
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
