// PruneVid.NET — kernels: eight bf16 weights as one 128-bit word (the GEMV's vector load).
using System.Runtime.InteropServices;
using ILGPU;

namespace PruneVid.Kernels;

/// <summary>
/// Eight consecutive bf16 words read as four 32-bit fields: a view of this type lets ILGPU emit one 128-bit
/// <c>ld.global.v4.u32</c> per lane instead of four 32-bit loads. Field i holds elements 2i (low half) and 2i + 1
/// (high half), the little-endian order of the stored words. The view must start 16-byte aligned.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 16, Size = 16)]
public struct Bf16x8
{
    /// <summary>Elements 0–1, 2–3, 4–5, 6–7.</summary>
    public uint W0, W1, W2, W3;

    /// <summary>Σ xᵢ·wᵢ over the eight elements against x[<paramref name="at"/> ..], in element order.</summary>
    public readonly float Dot(ArrayView<float> x, long at)
        => x[at] * Low(W0) + x[at + 1] * High(W0) + x[at + 2] * Low(W1) + x[at + 3] * High(W1)
         + x[at + 4] * Low(W2) + x[at + 5] * High(W2) + x[at + 6] * Low(W3) + x[at + 7] * High(W3);

    private static float Low(uint pair) => Interop.IntAsFloat(pair << 16);

    private static float High(uint pair) => Interop.IntAsFloat(pair & 0xFFFF0000u);
}
