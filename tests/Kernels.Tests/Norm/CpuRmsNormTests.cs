// PruneVid.NET — the Cpu backend's vectorised RMSNorm against its plain reference.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;

namespace PruneVid.Kernels.Tests.Norm;

/// <summary>
/// Lengths straddle the vector width (16 f32, 32 for bf16 weights): below it, one past it, a single element, and sizes large enough to be split across cores.
/// RMSNorm sums in another order than the reference and is held to the kernel tests' tolerance.
/// </summary>
public sealed class CpuRmsNormTests
{
    private readonly CpuBackend _cpu = new();

    [Theory]
    [InlineData(1, 7, true)]
    [InlineData(3, 33, false)]
    [InlineData(1, 2048, true)]
    [InlineData(5, 2050, false)]
    [InlineData(2, 31, true)]
    [InlineData(40, 2048, true)] // split across cores
    [InlineData(37, 2049, false)]
    public void RmsNormMatchesTheReference(int rows, int dim, bool bf16Weight)
    {
        float[] x = Numerics.Uniform(rows + dim, rows * dim);
        float[] expected = new float[rows * dim];
        using Tensor tx = _cpu.FromF32(x, rows, dim), y = _cpu.Allocate(DType.F32, rows, dim);
        Tensor w;
        if (bf16Weight)
        {
            ushort[] words = Numerics.UniformBf16(dim, dim);
            Kernels.RmsNorm.Reference(x, words, expected, dim, 1e-6f);
            w = _cpu.FromBf16(words, dim);
        }
        else
        {
            float[] weight = Numerics.Uniform(dim + 1, dim, 0.5f, 1.5f);
            Kernels.RmsNorm.ReferenceF32Weight(x, weight, expected, dim, 1e-6f);
            w = _cpu.FromF32(weight, dim);
        }
        using (w)
        {
            _cpu.RmsNorm(tx, w, 1e-6f, y);
            Numerics.AssertClose(expected, Download(y), 2e-6f, 1e-6f, $"RmsNorm rows={rows} dim={dim} bf16={bf16Weight}");
            _cpu.RmsNorm(tx, w, 1e-6f, tx);
            Numerics.AssertClose(expected, Download(tx), 2e-6f, 1e-6f, $"RmsNorm in place rows={rows} dim={dim}");
        }
    }

    private float[] Download(Tensor t)
    {
        var a = new float[t.Length];
        _cpu.CopyToHost(t, a);
        return a;
    }
}
