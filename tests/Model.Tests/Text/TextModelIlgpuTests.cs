// PruneVid.NET — language model tests: the same model code through the ILGPU kernels on the CPU accelerator.
using PruneVid.Compute;
using PruneVid.Kernels;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Tools.Parity;
using PruneVid.Runtime.Model.Text;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Model.Tests.Text;

/// <summary>
/// The language model on <see cref="IlgpuBackend"/> (ILGPU's CPU accelerator) against the Cpu backend, whose output
/// matches the HF fixture (<see cref="TextModelParityTests"/>). A short prompt and a small vocabulary keep the
/// simulated-thread run short; it still covers embedding + scatter, M-RoPE with distinct streams, prefill and
/// KV-cache decode attention, lm_head and the device argmax.
/// </summary>
public sealed class TextModelIlgpuTests(TinyTextModel tiny, ITestOutputHelper output) : IClassFixture<TinyTextModel>
{
    [Fact]
    public void PrefillAndGreedyDecodeMatchTheCpuBackend()
    {
        var (config, weights, ids, video, features) = tiny.SmallVocabularyVariant();
        using var cpuModel = new TextModel(tiny.Backend, config, weights);
        var expected = Run(cpuModel, ids, video, features, out int[] expectedTokens);
        using var ilgpu = new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);
        using var model = new TextModel(ilgpu, config, weights);
        var actual = Run(model, ids, video, features, out int[] tokens);

        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, values) in expected)
        {
            double maxAbs = TensorComparison.MaxAbsError(values, actual[name]), cosine = TensorComparison.Cosine(values, actual[name]);
            output.WriteLine($"{name}: max abs {maxAbs:E2}, cosine {cosine:F8}");
            Assert.True(maxAbs <= 1e-4 && cosine >= 0.999999, $"{name}: max abs {maxAbs}, cosine {cosine}");
        }
        output.WriteLine($"greedy tokens: cpu [{string.Join(",", expectedTokens)}], ilgpu [{string.Join(",", tokens)}]");
        Assert.Equal(expectedTokens, tokens);
    }

    /// <summary>Prefill with every named hidden state and the last row's logits, then 4 greedy tokens.</summary>
    private static Dictionary<string, float[]> Run(TextModel model, int[] ids, MediaItem video, float[] features, out int[] tokens)
    {
        var b = model.Backend;
        var observed = new Dictionary<string, float[]>();
        void Observe(string name, Tensor t)
        {
            var host = new float[t.Length];
            b.CopyToHost(t, host);
            observed[name] = host;
        }
        using Tensor embeds = b.FromF32(features, features.Length / model.Config.HiddenSize, model.Config.HiddenSize);
        var prompt = new TextPrompt(ids, [video], null, embeds);
        var generator = new TextGenerator(model);
        var (sequence, normed, _) = generator.Prefill(prompt, 4, Observe);
        using (sequence)
        using (normed)
        using (Tensor logits = model.Logits(b.SliceRows(normed, normed.Rows - 1, 1)))
            Observe("logits_last", logits);
        tokens = [.. generator.Generate(prompt, new SamplingOptions { MaxNewTokens = 4 }).Tokens];
        return observed;
    }
}
