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
    protected abstract IComputeBackend CreateBackend();

    [Fact]
    public void EveryNamedIntermediateMatchesTheReference()
    {
        using IComputeBackend backend = CreateBackend();
        var timer = Stopwatch.StartNew();
        using var encoder = new VisionEncoder(backend, reference.Config.Vision, reference.Weights);
        TimeSpan load = timer.Elapsed;

        var seen = new Dictionary<string, float[]>();
        timer.Restart();
        using Tensor embeds = encoder.Encode(reference.PixelValues, [reference.Grid], (name, tensor) =>
        {
            var host = new float[tensor.Length];
            backend.CopyToHost(tensor, host);
            seen.Add(name, host);
        });
        TimeSpan encode = timer.Elapsed;
        output.WriteLine($"{backend.Name}: weights {load.TotalSeconds:F2} s, encode {encode.TotalSeconds:F2} s (with downloads of every intermediate)");

        string[] names = [VisionActivationNames.PatchEmbed,
            .. Enumerable.Range(0, reference.Config.Vision.Depth).Select(VisionActivationNames.Block),
            VisionActivationNames.VideoEmbeds];
        Assert.Equal(names, seen.Keys);
        Assert.Equal([540, 64], embeds.Shape);
        foreach (string name in names)
        {
            var c = TensorComparison.AssertClose(name, seen[name], reference.Expected(name), MaxAbs, MinCosine);
            output.WriteLine($"{name}: {c}");
        }
    }

    [Fact]
    public void TwoClipsInOneCallEncodeLikeTwoSingleCalls()
    {
        using IComputeBackend backend = CreateBackend();
        using var encoder = new VisionEncoder(backend, reference.Config.Vision, reference.Weights);
        var timer = Stopwatch.StartNew();
        float[] single = Download(backend, encoder.Encode(reference.PixelValues, [reference.Grid]));
        TimeSpan one = timer.Elapsed;

        float[] twice = [.. reference.PixelValues, .. reference.PixelValues];
        timer.Restart();
        float[] both = Download(backend, encoder.Encode(twice, [reference.Grid, reference.Grid]));
        output.WriteLine($"{backend.Name}: one clip {one.TotalSeconds:F2} s, then two clips in one call {timer.Elapsed.TotalSeconds:F2} s");

        Assert.Equal(2 * single.Length, both.Length);
        TensorComparison.AssertClose("first clip", both.AsSpan(0, single.Length), single, 1e-5, 0.9999999);
        TensorComparison.AssertClose("second clip", both.AsSpan(single.Length), single, 1e-5, 0.9999999);
        // Still the reference: the batch did not trade accuracy for anything.
        TensorComparison.AssertClose("second clip vs reference", both.AsSpan(single.Length), reference.Expected(VisionActivationNames.VideoEmbeds), MaxAbs, MinCosine);
    }

    [Fact]
    public void MismatchedPixelRowsAreRejected()
    {
        using IComputeBackend backend = CreateBackend();
        using var encoder = new VisionEncoder(backend, reference.Config.Vision, reference.Weights);
        var e = Assert.Throws<ArgumentException>(() => encoder.Encode(reference.PixelValues.AsSpan(0, 1176 * 2156), [reference.Grid]));
        Assert.Contains("2160", e.Message);
    }

    private static float[] Download(IComputeBackend backend, Tensor tensor)
    {
        using (tensor)
        {
            var host = new float[tensor.Length];
            backend.CopyToHost(tensor, host);
            return host;
        }
    }
}
