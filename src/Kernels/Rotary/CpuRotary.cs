// PruneVid.NET — Cpu backend: rotate-half rotary embedding and M-RoPE, vectorised over the pairs of a head.
using System.Runtime.Intrinsics;

namespace PruneVid.Kernels.Cpu;

/// <summary>
/// Both rotations pair element i of a head with element i + headDim/2; the kernels here take 16 pairs per step
/// (Vector512, scalar tail) and round exactly as the references do (products, then one add or subtract, no fused
/// multiply-add), so their results are bit-identical to <see cref="Rotary.Reference"/> and <see cref="MRope.Reference"/>.
/// M-RoPE gathers each row's cos/sin (each frequency from its section's position stream) once into a per-row
/// buffer that every head then reuses. See docs/cpu-backend.md.
/// </summary>
internal static unsafe class CpuRotary
{
    /// <summary>True where Vector512 runs on hardware; elsewhere the Cpu backend uses the references.</summary>
    public static bool IsSupported => Vector512.IsHardwareAccelerated;

    /// <summary>x [rows, heads·headDim] in place; cos and sin are [rows, headDim].</summary>
    public static void Rotary(float* x, int rows, int heads, int headDim, float* cos, float* sin)
    {
        int half = headDim / 2;
        for (int r = 0; r < rows; r++)
        {
            float* c = cos + (long)r * headDim, s = sin + (long)r * headDim;
            for (int h = 0; h < heads; h++)
            {
                float* v = x + ((long)r * heads + h) * headDim;
                int i = 0;
                for (; i + 16 <= half; i += 16)
                {
                    Vector512<float> x1 = Vector512.Load(v + i), x2 = Vector512.Load(v + i + half);
                    (x1 * Vector512.Load(c + i) - x2 * Vector512.Load(s + i)).Store(v + i);
                    (x2 * Vector512.Load(c + i + half) + x1 * Vector512.Load(s + i + half)).Store(v + i + half);
                }
                for (; i < half; i++)
                {
                    float x1 = v[i], x2 = v[i + half];
                    v[i] = x1 * c[i] - x2 * s[i];
                    v[i + half] = x2 * c[i + half] + x1 * s[i + half];
                }
            }
        }
    }

    /// <summary>
    /// x [rows, heads·headDim] in place; positions [3, rows] (t, h, w streams); tables [positions, headDim/2];
    /// frequency j uses stream 0 below sections[0], stream 1 below sections[0] + sections[1], stream 2 after.
    /// </summary>
    public static void MRope(float* x, int rows, int heads, int headDim, ReadOnlySpan<int> positions,
        float* cosTable, float* sinTable, int tableRows, ReadOnlySpan<int> sections)
    {
        foreach (int p in positions)
            if ((uint)p >= (uint)tableRows) throw new ArgumentOutOfRangeException(nameof(positions), $"MRope: position {p} is outside the rotary table (0..{tableRows - 1})");
        int half = headDim / 2, sectionT = sections[0], sectionTH = sections[0] + sections[1];
        Span<float> buffer = half <= 1024 ? stackalloc float[2 * half] : new float[2 * half];
        fixed (float* cs = buffer)
        {
            float* c = cs, s = cs + half;
            for (int r = 0; r < rows; r++)
            {
                for (int j = 0; j < half; j++)
                {
                    int stream = j < sectionT ? 0 : j < sectionTH ? 1 : 2;
                    long at = (long)positions[stream * rows + r] * half + j;
                    c[j] = cosTable[at];
                    s[j] = sinTable[at];
                }
                for (int h = 0; h < heads; h++)
                {
                    float* v = x + ((long)r * heads + h) * headDim;
                    int j = 0;
                    for (; j + 16 <= half; j += 16)
                    {
                        Vector512<float> x1 = Vector512.Load(v + j), x2 = Vector512.Load(v + j + half);
                        Vector512<float> cj = Vector512.Load(c + j), sj = Vector512.Load(s + j);
                        (x1 * cj - x2 * sj).Store(v + j);
                        (x2 * cj + x1 * sj).Store(v + j + half);
                    }
                    for (; j < half; j++)
                    {
                        float x1 = v[j], x2 = v[j + half];
                        v[j] = x1 * c[j] - x2 * s[j];
                        v[j + half] = x2 * c[j] + x1 * s[j];
                    }
                }
            }
        }
    }
}
