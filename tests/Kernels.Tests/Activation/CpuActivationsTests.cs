// PruneVid.NET — the Cpu backend's vectorised SiLU·mul and GELU against their plain references.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;

namespace PruneVid.Kernels.Tests.Activation;

/// <summary>
/// Lengths straddle the vector width (16 f32, 32 for bf16 weights): below it, one past it, a single element, and sizes large enough to be split across cores.
/// SiLU·mul and GELU compute exactly what the references compute and must match them bit for bit.
/// </summary>
public sealed class CpuActivationsTests
{
    private readonly CpuBackend _cpu = new();

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(11008)]
    [InlineData((1 << 18) + 37)] // split across cores, a tail in the last block
    public void SiluMulMatchesTheReference(int count)
    {
        float[] gate = Numerics.Uniform(count, count, -90f, 90f), up = Numerics.Uniform(count + 1, count);
        gate[0] = 0f;
        float[] expected = new float[count];
        Kernels.SiluMul.Reference(gate, up, expected);
        using Tensor g = _cpu.FromF32(gate, count), u = _cpu.FromF32(up, count), y = _cpu.Allocate(DType.F32, count);
        _cpu.SiluMul(g, u, y);
        Assert.Equal(expected, Download(y));
        _cpu.SiluMul(g, u, g); // in place
        Assert.Equal(expected, Download(g));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(33)]
    [InlineData(5120)]
    [InlineData((1 << 18) + 5)]
    public void GeluMatchesTheReference(int count)
    {
        float[] x = Numerics.Uniform(count * 3, count, -10f, 10f);
        x[0] = 0f;
        float[] expected = new float[count];
        Kernels.Gelu.Reference(x, expected);
        using Tensor tx = _cpu.FromF32(x, count), y = _cpu.Allocate(DType.F32, count);
        _cpu.Gelu(tx, y);
        Assert.Equal(expected, Download(y));
        _cpu.Gelu(tx, tx);
        Assert.Equal(expected, Download(tx));
    }

    private float[] Download(Tensor t)
    {
        var a = new float[t.Length];
        _cpu.CopyToHost(t, a);
        return a;
    }
}
