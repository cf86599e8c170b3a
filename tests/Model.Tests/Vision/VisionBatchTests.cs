// PruneVid.NET — model tests.
using System.Diagnostics;
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Runtime.Model.Vision;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Model.Tests.Vision;

/// <summary>
/// Several items in one call (grid_thw with several rows) and temporal slicing. Only the host-side layout differs
/// from a single call, so these run on the Cpu backend; the kernels are covered by the parity tests.
/// </summary>
public sealed class VisionBatchTests(TinyVisionReference reference, ITestOutputHelper output) : IClassFixture<TinyVisionReference>
{
    // Different batch layouts change only which rows share a call: results agree to float rounding.
    private const double MaxAbs = 1e-5, MinCosine = 0.9999999;

    [Fact]
    public void TwoClipsInOneCallEncodeLikeTwoSingleCalls()
    {
        using var backend = new CpuBackend();
        using var encoder = new VisionEncoder(backend, reference.Config.Vision, reference.Weights);
        var timer = Stopwatch.StartNew();
        float[] single = Download(backend, encoder.Encode(reference.PixelValues, [reference.Grid]));
        TimeSpan one = timer.Elapsed;

        float[] twice = [.. reference.PixelValues, .. reference.PixelValues];
        timer.Restart();
        float[] both = Download(backend, encoder.Encode(twice, [reference.Grid, reference.Grid]));
        output.WriteLine($"{backend.Name}: one clip {one.TotalSeconds:F2} s, then two clips in one call {timer.Elapsed.TotalSeconds:F2} s");

        Assert.Equal(2 * single.Length, both.Length);
        TensorComparison.AssertClose("first clip", both.AsSpan(0, single.Length), single, MaxAbs, MinCosine);
        TensorComparison.AssertClose("second clip", both.AsSpan(single.Length), single, MaxAbs, MinCosine);
        TensorComparison.AssertClose("second clip vs reference", both.AsSpan(single.Length), reference.Expected(VisionActivationNames.VideoEmbeds), 1e-3, 0.99999);
    }

    [Fact]
    public void ClipAndImageOfDifferentSizesInOneCall()
    {
        // An "image" (one temporal step) cut from the clip's third step, cropped to 10×14 patches, after the clip.
        var (t, h, w) = reference.Grid;
        const int ch = 10, cw = 14;
        int width = reference.Config.Vision.PatchVectorLength;
        float[] crop = CropStep(reference.PixelValues, step: 2, h, w, ch, cw, width);

        using var backend = new CpuBackend();
        using var encoder = new VisionEncoder(backend, reference.Config.Vision, reference.Weights);
        float[] clip = Download(backend, encoder.Encode(reference.PixelValues, [reference.Grid]));
        float[] image = Download(backend, encoder.Encode(crop, [(1, ch, cw)], outputName: VisionActivationNames.ImageEmbeds));
        float[] both = Download(backend, encoder.Encode([.. reference.PixelValues, .. crop], [reference.Grid, (1, ch, cw)]));

        Assert.Equal(clip.Length + image.Length, both.Length);
        TensorComparison.AssertClose("clip part", both.AsSpan(0, clip.Length), clip, MaxAbs, MinCosine);
        TensorComparison.AssertClose("image part", both.AsSpan(clip.Length), image, MaxAbs, MinCosine);
    }

    /// <summary>The pixel rows of the top-left <paramref name="ch"/>×<paramref name="cw"/> patches of one temporal step, in processor order.</summary>
    private static float[] CropStep(float[] pixels, int step, int h, int w, int ch, int cw, int width)
    {
        // Processor order within a step: (block row, block col, row in unit, col in unit), units of 2×2 patches.
        var rows = new List<float>();
        int stepStart = step * h * w;
        for (int bh = 0; bh < ch / 2; bh++)
        for (int bw = 0; bw < cw / 2; bw++)
        for (int sub = 0; sub < 4; sub++)
        {
            int source = stepStart + (bh * (w / 2) + bw) * 4 + sub;
            rows.AddRange(pixels.AsSpan(source * width, width).ToArray());
        }
        return [.. rows];
    }

    private static float[] Download(ComputeBackend backend, Tensor tensor)
    {
        using (tensor)
        {
            var host = new float[tensor.Length];
            backend.CopyToHost(tensor, host);
            return host;
        }
    }
}
