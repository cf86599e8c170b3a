// PruneVid.NET — language model tests: what one greedy decode step costs on the ILGPU backend, by its counters.
using PruneVid.Compute;
using PruneVid.Kernels;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model.Text;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Model.Tests.Text;

/// <summary>
/// Greedy decoding through <see cref="IlgpuBackend"/> on ILGPU's CPU accelerator, with seeded random weights: after
/// the first step, every step allocates nothing, uploads only its 16-byte step input, downloads only the 4-byte next
/// id, never waits for the stream, and launches a fixed number of kernels (docs/compute-backends.md, "Decode budget").
/// The tokens must equal the Cpu backend's, so the device path is checked end to end. Two shapes: the fixture's
/// toy decoder and two layers of Qwen2.5-VL-3B width (with a small vocabulary, which only sizes lm_head).
/// </summary>
public sealed class DecodeStepCountersTests(TinyTextModel tiny, ITestOutputHelper output) : IClassFixture<TinyTextModel>
{
    /// <summary>
    /// Launches outside the layers per step: embedding, final norm, lm_head, argmax, and the patch of the attention
    /// segment table's key count (once per step; every layer reuses the patched table).
    /// </summary>
    private const int LaunchesOutsideLayers = 5;

    /// <summary>
    /// Launches per decoder layer (docs/compute-backends.md, "Decode budget"; the budget is 10): RmsNorm, the q/k/v
    /// projection, M-RoPE on q and k, attention, o_proj with its residual add, RmsNorm, the gate/up projection,
    /// SiluMul, down with its residual add.
    /// </summary>
    private const int LaunchesPerLayer = 9;

    [Fact]
    public void TinyDecoderStepsAreAllocationFreeAndMatchTheCpuBackend()
        => CheckSteps(tiny.Config.Text with { VocabSize = 64 }, newTokens: 6);

    /// <summary>
    /// About 11 minutes on 2 cores (ILGPU's CPU accelerator simulates every GPU thread), so it is in the
    /// <c>Slow</c> category: the README's test command leaves it out and <c>.ci/run</c> runs it after the suite.
    /// </summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void ThreeBWidthStepsAreAllocationFreeAndMatchTheCpuBackend()
        => CheckSteps(tiny.Config.Text with
        {
            HiddenSize = 2048, NumAttentionHeads = 16, NumKeyValueHeads = 2, HeadDim = 128, IntermediateSize = 11008,
            NumHiddenLayers = 2, VocabSize = 64, MropeSection = [16, 24, 24],
        }, newTokens: 4);

    /// <summary>
    /// A sampled step runs the same loop: it reuses the sequence's step tensors (no allocation), uploads its 16-byte
    /// step input and downloads the logits row for the sampler instead of the id (no argmax launch).
    /// </summary>
    [Fact]
    public void SampledStepsAreAllocationFreeAndDownloadOnlyTheLogitsRow()
    {
        var text = tiny.Config.Text with { VocabSize = 64, TieWordEmbeddings = false };
        var config = tiny.Config with { Text = text, ImageTokenId = text.VocabSize - 2, VideoTokenId = text.VocabSize - 1 };
        using var ilgpu = new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);
        using var model = new TextModel(ilgpu, config, RandomTextWeights(config, seed: 7));
        var snapshots = new List<CounterSnapshot>();
        var options = new SamplingOptions { MaxNewTokens = 5, DoSample = true, Temperature = 0.8, Seed = 3 };
        new TextGenerator(model).Generate(new TextPrompt([3, 17, 5, 42, 9], []), options, _ => snapshots.Add(ilgpu.Counters.Snapshot()));

        Assert.Equal(5, snapshots.Count);
        for (int i = 2; i < snapshots.Count; i++)
            Assert.Equal(new CounterSnapshot(Allocations: 0, AllocatedBytes: 0, HostToDevice: 1, HostToDeviceBytes: 16, DeviceToHost: 1,
                DeviceToHostBytes: 4L * text.VocabSize, Launches: LaunchesPerLayer * text.NumHiddenLayers + LaunchesOutsideLayers - 1,
                Synchronizations: 0), snapshots[i] - snapshots[i - 1]);
    }

    private void CheckSteps(TextConfig text, int newTokens)
    {
        var config = tiny.Config with { Text = text with { TieWordEmbeddings = false }, ImageTokenId = text.VocabSize - 2, VideoTokenId = text.VocabSize - 1 };
        InMemoryWeights weights = RandomTextWeights(config, seed: 7);
        var prompt = new TextPrompt([3, 17, 5, 42, 9], []);
        var options = new SamplingOptions { MaxNewTokens = newTokens };

        int[] expected;
        using (var cpu = new CpuBackend())
        using (var cpuModel = new TextModel(cpu, config, weights))
            expected = [.. new TextGenerator(cpuModel).Generate(prompt, options).Tokens];

        using var ilgpu = new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);
        using var model = new TextModel(ilgpu, config, weights);
        var snapshots = new List<CounterSnapshot>();
        int[] tokens = [.. new TextGenerator(model).Generate(prompt, options, _ => snapshots.Add(ilgpu.Counters.Snapshot())).Tokens];
        output.WriteLine($"greedy tokens: cpu [{string.Join(",", expected)}], ilgpu [{string.Join(",", tokens)}]");
        Assert.Equal(expected, tokens);
        Assert.True(expected.Distinct().Count() > 1, "the tokens vary, so equal sequences say something");

        // Token i+1 is reported after the step that fed token i; steps after the first one are the steady state.
        int launches = LaunchesPerLayer * text.NumHiddenLayers + LaunchesOutsideLayers;
        for (int i = 2; i < snapshots.Count; i++)
        {
            CounterSnapshot step = snapshots[i] - snapshots[i - 1];
            output.WriteLine($"counters decode-step: {step}");
            Assert.Equal(new CounterSnapshot(Allocations: 0, AllocatedBytes: 0, HostToDevice: 1, HostToDeviceBytes: 16, DeviceToHost: 1,
                DeviceToHostBytes: 4, Launches: launches, Synchronizations: 0), step);
        }
        Assert.True(snapshots.Count >= 4, "at least two steady-state steps are measured");
    }

    /// <summary>
    /// The language model's tensors with seeded small random bf16 values (norm gains near 1). The head is untied: a
    /// tied one keeps predicting the last input token, which would make the token comparison weak.
    /// </summary>
    internal static InMemoryWeights RandomTextWeights(Qwen25VLConfig config, int seed)
    {
        var weights = new InMemoryWeights(tieWordEmbeddings: false, "seeded random decoder");
        var rng = new Random(seed);
        foreach (WeightSpec spec in WeightManifest.For(config).Where(s => !s.Name.StartsWith("visual.", StringComparison.Ordinal)))
        {
            var bits = new ushort[spec.ElementCount];
            bool isNorm = spec.Name.EndsWith("norm.weight", StringComparison.Ordinal);
            for (int i = 0; i < bits.Length; i++)
            {
                double u = rng.NextDouble() + rng.NextDouble() - 1.0;
                bits[i] = Bf16.FromSingle((float)(isNorm ? 1.0 + 0.1 * u : 0.05 * u));
            }
            weights.Add(WeightTensor.FromBf16(spec.Name, spec.Shape, bits));
        }
        return weights;
    }
}
