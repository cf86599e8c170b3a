// PruneVid.NET — Cpu backend tests: each op against a naive double-precision oracle written here.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using Xunit;

namespace PruneVid.Kernels.Tests.Cpu;

public sealed class CpuBackendTests
{
    private readonly CpuBackend _cpu = new();
    private readonly Random _rng = new(1234);

    private float[] RandomF32(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float)(_rng.NextDouble() * 2 - 1); return a; }

    private ushort[] RandomBf16(int n) { var a = new ushort[n]; for (int i = 0; i < n; i++) a[i] = Bf16.FromSingle((float)(_rng.NextDouble() * 2 - 1)); return a; }

    private float[] Download(Tensor t) { var a = new float[t.Length]; _cpu.CopyToHost(t, a); return a; }

    [Theory]
    [InlineData(1, 7, 5, true)]
    [InlineData(70, 33, 80, false)]
    [InlineData(130, 65, 129, true)]
    public void MatMulMatchesDoublePrecisionLoops(int m, int n, int k, bool withBias)
    {
        float[] x = RandomF32(m * k);
        ushort[] w = RandomBf16(n * k), b = RandomBf16(n);
        var y = _cpu.Allocate(DType.F32, m, n);
        _cpu.MatMul(_cpu.FromF32(x, m, k), _cpu.FromBf16(w, n, k), withBias ? _cpu.FromBf16(b, n) : null, y);
        float[] got = Download(y);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double acc = withBias ? Bf16.ToSingle(b[j]) : 0;
                for (int t = 0; t < k; t++) acc += (double)x[i * k + t] * Bf16.ToSingle(w[j * k + t]);
                Assert.True(Math.Abs(acc - got[i * n + j]) < 1e-4, $"y[{i},{j}] = {got[i * n + j]}, expected {acc}");
            }
    }

    [Theory]
    [InlineData(4, 2, 16, false)]
    [InlineData(4, 1, 8, true)]
    [InlineData(2, 2, 80, true)]
    public void AttentionMatchesNaiveSoftmaxWithSegmentsGqaAndCausalMask(int heads, int kvHeads, int d, bool causal)
    {
        // Two segments plus an empty one; in the causal case the second segment has fewer queries than keys (decode-like).
        int[] cuQ = causal ? [0, 5, 5, 7] : [0, 5, 5, 12];
        int[] cuK = causal ? [0, 5, 5, 11] : [0, 5, 5, 12];
        int rowsQ = cuQ[^1], rowsK = cuK[^1];
        float[] q = RandomF32(rowsQ * heads * d), k = RandomF32(rowsK * kvHeads * d), v = RandomF32(rowsK * kvHeads * d);
        var shape = AttentionShape.Create(heads, kvHeads, d);
        var o = _cpu.Allocate(DType.F32, rowsQ, heads * d);
        _cpu.Attention(_cpu.FromF32(q, rowsQ, heads * d), _cpu.FromF32(k, rowsK, kvHeads * d), _cpu.FromF32(v, rowsK, kvHeads * d), o, shape, cuQ, cuK, causal);
        float[] got = Download(o);
        for (int s = 0; s + 1 < cuQ.Length; s++)
        {
            int lq = cuQ[s + 1] - cuQ[s], lk = cuK[s + 1] - cuK[s];
            for (int i = 0; i < lq; i++)
                for (int h = 0; h < heads; h++)
                {
                    int kvh = h / (heads / kvHeads), visible = causal ? i + lk - lq + 1 : lk;
                    var scores = new double[visible];
                    for (int j = 0; j < visible; j++)
                        for (int t = 0; t < d; t++)
                            scores[j] += (double)q[((cuQ[s] + i) * heads + h) * d + t] * k[((cuK[s] + j) * kvHeads + kvh) * d + t] / Math.Sqrt(d);
                    double max = scores.Max(), sum = scores.Sum(e => Math.Exp(e - max));
                    for (int t = 0; t < d; t++)
                    {
                        double expected = 0;
                        for (int j = 0; j < visible; j++) expected += Math.Exp(scores[j] - max) / sum * v[((cuK[s] + j) * kvHeads + kvh) * d + t];
                        Assert.True(Math.Abs(expected - got[((cuQ[s] + i) * heads + h) * d + t]) < 1e-5);
                    }
                }
        }
    }

    [Fact]
    public void RotaryRotatesEachHalfPairByItsAngle()
    {
        const int heads = 2, d = 8;
        float[] x = RandomF32(3 * heads * d), angles = RandomF32(3 * d);
        float[] cos = angles.Select(a => MathF.Cos(a)).ToArray(), sin = angles.Select(a => MathF.Sin(a)).ToArray();
        var tx = _cpu.FromF32(x, 3, heads * d);
        _cpu.Rotary(tx, heads, d, _cpu.FromF32(cos, 3, d), _cpu.FromF32(sin, 3, d));
        float[] got = Download(tx);
        for (int r = 0; r < 3; r++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < d; i++)
                {
                    int b = (r * heads + h) * d;
                    double rotated = i < d / 2 ? -x[b + i + d / 2] : x[b + i - d / 2];
                    double expected = x[b + i] * cos[r * d + i] + rotated * sin[r * d + i];
                    Assert.Equal(expected, got[b + i], 5);
                }
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(1.0, 0.841344746)]     // 0.5·(1+erf(1/√2)) = Φ(1)
    [InlineData(-2.0, -0.045500264)]   // −2·Φ(−2)
    [InlineData(3.0, 2.995950177)]
    public void GeluIsTheExactErfForm(double x, double expected)
    {
        var t = _cpu.FromF32([(float)x], 1);
        _cpu.Gelu(t, t);
        Assert.Equal(expected, Download(t)[0], 6);
    }

    [Fact]
    public void GatherThenScatterRestoresRowsAndArgmaxPicksFirstMaximum()
    {
        float[] data = RandomF32(6 * 3);
        int[] perm = [4, 0, 5, 1, 3, 2];
        var src = _cpu.FromF32(data, 6, 3);
        var gathered = _cpu.Allocate(DType.F32, 6, 3);
        var back = _cpu.Allocate(DType.F32, 6, 3);
        var idx = _cpu.FromI32(perm, 6);
        _cpu.GatherRows(src, idx, gathered);
        _cpu.ScatterRows(gathered, idx, back);
        Assert.Equal(data, Download(back));
        Assert.Equal(data.AsSpan(4 * 3, 3).ToArray(), Download(gathered).AsSpan(0, 3).ToArray());

        var am = _cpu.Allocate(DType.I32, 2);
        _cpu.ArgMax(_cpu.FromF32([1f, 3f, 3f, 0f, -1f, -2f, -1f, -5f], 2, 4), am);
        var ids = new int[2];
        _cpu.CopyToHost(am, ids);
        Assert.Equal([1, 0], ids);
    }

    [Fact]
    public void ViewsShareStorageAndRejectBadShapes()
    {
        var t = _cpu.FromF32([1, 2, 3, 4, 5, 6], 3, 2);
        var rows = _cpu.SliceRows(t, 1, 2);
        Assert.Equal(new float[] { 3, 4, 5, 6 }, Download(rows));
        _cpu.Add(rows, rows, rows);
        Assert.Equal(new float[] { 1, 2, 6, 8, 10, 12 }, Download(t));
        Assert.Throws<ArgumentException>(() => _cpu.Reshape(t, 4, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => _cpu.SliceRows(t, 2, 2));
    }
}
