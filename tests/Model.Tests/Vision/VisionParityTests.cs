// PruneVid.NET — model tests.
using System.Diagnostics;
using PruneVid.Compute;
using PruneVid.Runtime.Model.Vision;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Model.Tests.Vision;

/// <summary>
/// The vision tower against the HF float32 reference of the tiny checkpoint, written once and run on every
/// backend (a subclass per backend supplies it).
/// </summary>
public abstract class VisionParityTests(TinyVisionReference reference, ITestOutputHelper output)
{
    private const double MaxAbs = 1e-3, MinCosine = 0.99999;

    /// <summary>A fresh backend for one test.</summary>
    protected abstract ComputeBackend CreateBackend();

    /// <summary>
    /// How many of the clip's temporal steps to encode (null: all). Nothing in the tower mixes temporal steps and
    /// windows are listed step by step, so the first n steps must reproduce the first rows of every reference
    /// tensor; slow backends use this to keep the suite short.
    /// </summary>
    protected virtual int? TemporalSteps => null;

    [Fact]
    public void EveryNamedIntermediateMatchesTheReference()
    {
        var (t, h, w) = reference.Grid;
        int steps = TemporalSteps ?? t;
        int patches = steps * h * w, width = reference.Config.Vision.PatchVectorLength;

        using ComputeBackend backend = CreateBackend();
        var timer = Stopwatch.StartNew();
        using var encoder = new VisionEncoder(backend, reference.Config.Vision, reference.Weights);
        TimeSpan load = timer.Elapsed;

        var seen = new Dictionary<string, float[]>();
        timer.Restart();
        using Tensor embeds = encoder.Encode(reference.PixelValues.AsSpan(0, patches * width), [(steps, h, w)], (name, tensor) =>
        {
            var host = new float[tensor.Length];
            backend.CopyToHost(tensor, host);
            seen.Add(name, host);
        });
        TimeSpan encode = timer.Elapsed;
        output.WriteLine($"{backend.Name}: weights {load.TotalSeconds:F2} s, encode of {steps} of {t} temporal steps {encode.TotalSeconds:F2} s (with downloads of every intermediate)");

        string[] names = [VisionActivationNames.PatchEmbed,
            .. Enumerable.Range(0, reference.Config.Vision.Depth).Select(VisionActivationNames.Block),
            VisionActivationNames.VideoEmbeds];
        Assert.Equal(names, seen.Keys);
        Assert.Equal([patches / 4, reference.Config.Vision.OutHiddenSize], embeds.Shape);
        foreach (string name in names)
        {
            float[] expected = reference.Expected(name);
            var c = TensorComparison.AssertClose(name, seen[name], expected.AsSpan(0, seen[name].Length), MaxAbs, MinCosine);
            output.WriteLine($"{name}: {c}");
        }
    }

    [Fact]
    public void MismatchedPixelRowsAreRejected()
    {
        using ComputeBackend backend = CreateBackend();
        using var encoder = new VisionEncoder(backend, reference.Config.Vision, reference.Weights);
        var e = Assert.Throws<ArgumentException>(() => encoder.Encode(reference.PixelValues.AsSpan(0, 1176 * 2156), [reference.Grid]));
        Assert.Contains("2160", e.Message);
    }
}
