// PruneVid.NET — peer reducer tests.
using PruneVid.Compute;
using PruneVid.Kernels;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Model.Vision;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Strategies.Tests.Peers;

/// <summary>
/// FastVID's last-block saliency (<c>fastvid_frame_attention</c> cases): the block's q and k before RoPE, in window
/// order, rotated with the case's tables, reduced by the frame-saliency op on the Cpu backend and on ILGPU's CPU
/// accelerator, and put back in raster order with the tower's window index; within 1e-6 of the official values.
/// </summary>
internal static class FrameSaliencyFixture
{
    private const float Tolerance = 1e-6f;

    public static void AssertReproduced(SafeTensorsFile st, ITestOutputHelper output)
    {
        int T = Int(st, "T"), H = Int(st, "H_patches"), W = Int(st, "W_patches"), heads = Int(st, "num_heads"), d = Int(st, "head_dim");
        int unitsPerWindow = Int(st, "window_size") / Int(st, "spatial_merge_size") / Int(st, "patch_size");
        VisionWindowLayout layout = VisionWindowIndex.Compute([(T, H, W)], 2, unitsPerWindow);
        Assert.Equal(st.ReadI32("window_index"), layout.WindowIndex);

        float[] q = st.ReadF32("q"), k = st.ReadF32("k"), cos = st.ReadF32("rotary_cos"), sin = st.ReadF32("rotary_sin");
        Rotary.Reference(q, heads, d, cos, sin);
        Rotary.Reference(k, heads, d, cos, sin);
        var shape = AttentionShape.Create(heads, heads, d);
        float[] expected = st.ReadF32("frame_attn_weights");

        using var cpu = new CpuBackend();
        using var ilgpu = new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);
        foreach (ComputeBackend backend in new ComputeBackend[] { cpu, ilgpu })
        {
            using Tensor tq = backend.FromF32(q, T * H * W, heads * d), tk = backend.FromF32(k, T * H * W, heads * d);
            using Tensor saliency = backend.Allocate(DType.F32, layout.UnitCount);
            backend.Reduction.FrameSaliency(tq, tk, shape, layout.CuFullSeqLens, layout.SpatialMergeUnit, saliency);
            float[] windowOrder = TestVideos.Host(saliency), raster = new float[windowOrder.Length];
            for (int j = 0; j < raster.Length; j++) raster[layout.WindowIndex[j]] = windowOrder[j];

            float worst = expected.Zip(raster).Max(p => MathF.Abs(p.First - p.Second));
            output.WriteLine($"frame saliency on {backend.Name}: max abs error {worst:E2}");
            Assert.True(worst <= Tolerance, $"frame saliency on {backend.Name}: max abs error {worst:E2} > {Tolerance:E0}");
        }
    }

    private static int Int(SafeTensorsFile st, string key) => int.Parse(st.Metadata[key], System.Globalization.CultureInfo.InvariantCulture);
}
