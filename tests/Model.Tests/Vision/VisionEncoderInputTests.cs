// PruneVid.NET — model tests.
using PruneVid.Kernels.Cpu;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Model.Vision;
using Xunit;

namespace PruneVid.Model.Tests.Vision;

/// <summary>Bad checkpoints and bad inputs fail with one exception that names the problem.</summary>
public sealed class VisionEncoderInputTests(TinyVisionReference reference) : IClassFixture<TinyVisionReference>
{
    /// <summary>The tiny checkpoint's vision weights, with <paramref name="change"/> applied.</summary>
    private InMemoryWeights Weights(Action<InMemoryWeights> change)
    {
        var copy = new InMemoryWeights(location: "edited tiny checkpoint");
        foreach (string name in reference.Weights.Names)
            if (name.StartsWith("visual.", StringComparison.Ordinal) && reference.Weights.TryGet(name, out WeightTensor? t))
                copy.Add(WeightTensor.FromBf16(name, t.Shape, t.ToBf16Bits()));
        change(copy);
        return copy;
    }

    [Fact]
    public void WrongWeightShapeIsNamed()
    {
        using var weights = Weights(w => w.Add(WeightTensor.FromBf16("visual.blocks.2.attn.qkv.bias", [64], new ushort[64])));
        using var backend = new CpuBackend();
        var e = Assert.Throws<SafeTensorsFormatException>(() => new VisionEncoder(backend, reference.Config.Vision, weights));
        Assert.Contains("visual.blocks.2.attn.qkv.bias", e.Message);
        Assert.Contains("[192]", e.Message);
    }

    [Fact]
    public void MissingWeightIsNamed()
    {
        using var full = Weights(_ => { });
        using var weights = new InMemoryWeights(location: "tiny checkpoint without ln_q");
        foreach (string name in full.Names.Where(n => n != "visual.merger.ln_q.weight"))
            weights.Add(full.Get(name));
        using var backend = new CpuBackend();
        var e = Assert.Throws<SafeTensorsFormatException>(() => new VisionEncoder(backend, reference.Config.Vision, weights));
        Assert.Contains("visual.merger.ln_q.weight", e.Message);
    }

    [Fact]
    public void ConfigWithAnotherActivationIsRefused()
    {
        using var backend = new CpuBackend();
        var config = reference.Config.Vision with { HiddenAct = "gelu_pytorch_tanh" };
        var e = Assert.Throws<NotSupportedException>(() => new VisionEncoder(backend, config, reference.Weights));
        Assert.Contains("gelu_pytorch_tanh", e.Message);
    }

    [Fact]
    public void GridThatIsNotWholeMergeUnitsIsRefused()
    {
        using var backend = new CpuBackend();
        using var encoder = new VisionEncoder(backend, reference.Config.Vision, reference.Weights);
        var e = Assert.Throws<ArgumentException>(() => encoder.Encode(new float[3 * 4 * 1176], [(1, 3, 4)]));
        Assert.Contains("(1,3,4)", e.Message);
    }
}
