// PruneVid.NET — quantized weights: the Cpu GEMV (decode), streaming packed codes and widening them in registers.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PruneVid.Kernels.Cpu;

namespace PruneVid.Kernels.Quantized;

/// <summary>
/// y[M,N] = x · Wᵀ for a few input rows (decode: M ≤ 8): each weight row is read once, block by block; a block's
/// 16-byte loads are zero-extended to int32 lanes (vpmovzxbd), converted, shifted by the zero point and scaled in
/// registers, and multiplied into every input row's accumulator. Rows are split across threads. AVX-512F uses 16-lane
/// vectors, AVX2+FMA 8-lane ones, anything else the scalar row loop; all three sum the same products in different
/// orders, so they agree with <see cref="QuantizedMatMul.Reference"/> to f32 rounding.
/// </summary>
public static unsafe class CpuQuantizedGemv
{
    /// <summary>Most input rows one call takes (one accumulator per row).</summary>
    public const int MaxRows = 8;

    /// <summary>Weight rows per parallel task: 64 rows of K = 2048 int4 codes are 64 KB, far above the hand-out cost.</summary>
    private const int RowsPerTask = 64;

    [ThreadStatic] private static float[]? t_x;

    /// <summary>How far ahead of the code stream to prefetch (the bf16 GEMV's measured distance).</summary>
    private const int PrefetchBytes = 1024;

    /// <summary>The widest path this machine runs.</summary>
    public static GemvPath Widest => Avx512F.IsSupported ? GemvPath.Avx512 : Avx2.IsSupported && Fma.IsSupported ? GemvPath.Avx2 : GemvPath.Scalar;

    /// <summary>True when this machine can run <paramref name="path"/>.</summary>
    public static bool Supports(GemvPath path) => path switch
    {
        GemvPath.Avx512 => Avx512F.IsSupported,
        GemvPath.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        _ => true,
    };

    /// <summary>Runs the GEMV on the widest path; <paramref name="bias"/> may be empty.</summary>
    public static void Run(ReadOnlySpan<float> x, QuantizedMatrix w, ReadOnlySpan<float> bias, Span<float> y, int m, bool accumulate)
        => Run(x, w, bias, y, m, accumulate, Widest);

    /// <summary>Runs the GEMV on <paramref name="path"/> (tests run every path the machine supports).</summary>
    internal static void Run(ReadOnlySpan<float> x, QuantizedMatrix w, ReadOnlySpan<float> bias, Span<float> y, int m, bool accumulate, GemvPath path)
    {
        if (!Supports(path)) throw new PlatformNotSupportedException($"the {path} GEMV path needs instructions this machine lacks");
        ArgumentNullException.ThrowIfNull(w);
        if (m is < 0 or > MaxRows) throw new ArgumentOutOfRangeException(nameof(m), m, $"the GEMV takes 0..{MaxRows} input rows");
        if (x.Length < (long)m * w.Columns || y.Length < (long)m * w.Rows || (!bias.IsEmpty && bias.Length < w.Rows))
            throw new ArgumentException($"quantized GEMV: x has {x.Length} values, y {y.Length}, bias {bias.Length}, for M={m} N={w.Rows} K={w.Columns}");
        if (m == 0) return;
        // x is read once per weight row: from a 64-byte aligned copy, so no vector load of it straddles two cache lines
        // (decode's x rows are small tensors, which the backend does not align).
        float* aligned = CpuScratch.Floats(ref t_x, (long)m * w.Columns);
        x[..(m * w.Columns)].CopyTo(new Span<float>(aligned, m * w.Columns));
        fixed (float* py = y) fixed (float* pb = bias) fixed (byte* codes = w.Codes)
        {
            var job = new Job(aligned, py, bias.IsEmpty ? null : pb, codes, w, m, accumulate, path);
            int tasks = (w.Rows + RowsPerTask - 1) / RowsPerTask;
            if (tasks == 1) job.Run(0);
            else CpuWorkers.For(tasks, job); // the backend's own spinning pool: a decode step runs hundreds of these
        }
    }

    /// <summary>One call's pointers (valid while Run's fixed block is).</summary>
    private readonly struct Job(float* px, float* py, float* pbias, byte* pcodes, QuantizedMatrix w, int m, bool accumulate, GemvPath path) : ICpuLoop
    {
        private readonly float* x = px, y = py, bias = pbias;
        private readonly byte* codes = pcodes;

        /// <summary>Task <paramref name="task"/>: <see cref="RowsPerTask"/> consecutive weight rows.</summary>
        public void Run(int task) => Rows(task * RowsPerTask, Math.Min(w.Rows, (task + 1) * RowsPerTask));

        /// <summary>Rows first..end−1; each row's f16 scales and byte zero points are widened once into f32 s and −z·s.</summary>
        public void Rows(int first, int end)
        {
            float* dots = stackalloc float[MaxRows];
            int groups = w.Groups;
            Span<float> perRow = groups <= 2048 ? stackalloc float[2 * groups] : new float[2 * groups];
            fixed (float* scales = perRow) fixed (Half* halves = w.Scales) fixed (byte* zeros = w.Zeros)
            {
                float* negZeroScales = scales + groups;
                for (int r = first; r < end; r++)
                {
                    long at = (long)r * groups;
                    HalfScales.WidenGroups((ushort*)(halves + at), zeros + at, scales, negZeroScales, groups);
                    Row(r, dots, scales, negZeroScales);
                }
            }
        }

        private void Row(int r, float* dots, float* scales, float* negZeroScales)
        {
            if (path == GemvPath.Avx512) Row512(r, dots, scales, negZeroScales);
            else if (path == GemvPath.Avx2) Row256(r, dots, scales, negZeroScales);
            else RowScalar(r, dots, 0);
            for (int i = 0; i < m; i++)
            {
                float v = dots[i] + (bias == null ? 0f : bias[r]);
                float* at = y + (long)i * w.Rows + r;
                *at = accumulate ? *at + v : v;
            }
        }

        /// <summary>
        /// Whole blocks with 16-lane vectors, then the scalar tail. (q − z)·s is one FMA, q·s + (−z·s), exact
        /// (z·s is an 8-bit integer times an f16 value), so each weight equals the reference's. Several input rows share each
        /// widened block, with the scale broadcast once per group; one input row keeps four independent accumulators in
        /// registers, so the FMA latency chain does not bound the stream.
        /// </summary>
        private void Row512(int r, float* dots, float* scales, float* negZeroScales)
        {
            int k = w.Columns, blocks = k / QuantizedMatrix.Block, perGroup = w.GroupSize / QuantizedMatrix.Block;
            byte* row = codes + (long)r * w.RowBytes;
            if (m == 1 && w.Bits == 4 && BitOperations.IsPow2(perGroup))
            {
                Row512FourBitLookup(r, dots, scales, negZeroScales);
                return;
            }
            // One input row, groups of a power-of-two number of blocks (AWQ's 32/64/128, ours): two blocks per
            // step whatever the group boundaries, each with its own broadcast scale, into four register accumulators.
            if (m == 1 && BitOperations.IsPow2(perGroup))
            {
                int shift = BitOperations.Log2((uint)perGroup);
                bool four = w.Bits == 4;
                Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
                int b = 0;
                for (; b + 1 < blocks; b += 2)
                {
                    int g0 = b >> shift, g1 = (b + 1) >> shift;
                    Vector512<float> vs0 = Vector512.Create(scales[g0]), vz0 = Vector512.Create(negZeroScales[g0]);
                    Vector512<float> vs1 = Vector512.Create(scales[g1]), vz1 = Vector512.Create(negZeroScales[g1]);
                    PackedBlock.Codes(row, b, four, out Vector128<byte> c0, out Vector128<byte> c1);
                    PackedBlock.Codes(row, b + 1, four, out Vector128<byte> c2, out Vector128<byte> c3);
                    float* xb = x + b * QuantizedMatrix.Block;
                    a0 = Avx512F.FusedMultiplyAdd(Widen512(c0, vs0, vz0), Vector512.Load(xb), a0);
                    a1 = Avx512F.FusedMultiplyAdd(Widen512(c1, vs0, vz0), Vector512.Load(xb + 16), a1);
                    a2 = Avx512F.FusedMultiplyAdd(Widen512(c2, vs1, vz1), Vector512.Load(xb + 32), a2);
                    a3 = Avx512F.FusedMultiplyAdd(Widen512(c3, vs1, vz1), Vector512.Load(xb + 48), a3);
                }
                if (b < blocks)
                {
                    int g = b >> shift;
                    Vector512<float> vs = Vector512.Create(scales[g]), vz = Vector512.Create(negZeroScales[g]);
                    PackedBlock.Codes(row, b, four, out Vector128<byte> c0, out Vector128<byte> c1);
                    float* xb = x + b * QuantizedMatrix.Block;
                    a0 = Avx512F.FusedMultiplyAdd(Widen512(c0, vs, vz), Vector512.Load(xb), a0);
                    a1 = Avx512F.FusedMultiplyAdd(Widen512(c1, vs, vz), Vector512.Load(xb + 16), a1);
                }
                RowScalar(r, dots, blocks * QuantizedMatrix.Block);
                dots[0] += Vector512.Sum((a0 + a1) + (a2 + a3));
                return;
            }
            Vector512<float>* acc = stackalloc Vector512<float>[MaxRows];
            for (int i = 0; i < m; i++) acc[i] = Vector512<float>.Zero;
            for (int b0 = 0, g = 0; b0 < blocks; b0 += perGroup, g++)
            {
                Vector512<float> s = Vector512.Create(scales[g]), zs = Vector512.Create(negZeroScales[g]);
                for (int b = b0, end = Math.Min(blocks, b0 + perGroup); b < end; b++)
                {
                    PackedBlock.Codes(row, b, w.Bits == 4, out Vector128<byte> first, out Vector128<byte> second);
                    Vector512<float> w0 = Widen512(first, s, zs), w1 = Widen512(second, s, zs);
                    for (int i = 0; i < m; i++)
                    {
                        float* xb = x + (long)i * k + b * QuantizedMatrix.Block;
                        acc[i] = Avx512F.FusedMultiplyAdd(w0, Vector512.Load(xb), acc[i]);
                        acc[i] = Avx512F.FusedMultiplyAdd(w1, Vector512.Load(xb + 16), acc[i]);
                    }
                }
            }
            RowScalar(r, dots, blocks * QuantizedMatrix.Block);
            for (int i = 0; i < m; i++) dots[i] += Vector512.Sum(acc[i]);
        }

        /// <summary>
        /// One input row, 4-bit codes: a group has only 16 distinct weights, (q − z)·s for q = 0..15, which fill exactly
        /// one 16-lane register (one exact FMA from 0..15). A block's 16 bytes zero-extend to 16 int32 lanes; vpermps
        /// reads only the low 4 bits of each lane's index, so the lanes index the table directly for weights 0–15 and,
        /// shifted right by 4, for weights 16–31: no mask, no int→float conversion, and every weight is the reference's
        /// exact (q − z)·s. Two blocks per step into four register accumulators, as <see cref="Row512"/>.
        /// </summary>
        private void Row512FourBitLookup(int r, float* dots, float* scales, float* negZeroScales)
        {
            int blocks = w.Columns / QuantizedMatrix.Block, shift = BitOperations.Log2((uint)(w.GroupSize / QuantizedMatrix.Block));
            byte* row = codes + (long)r * w.RowBytes;
            Vector512<float> levels = Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            int b = 0;
            for (; b + 1 < blocks; b += 2)
            {
                int g0 = b >> shift, g1 = (b + 1) >> shift;
                Sse.Prefetch0(row + b * 16 + PrefetchBytes); // the code arrays sit in 4 KB pages, where the hardware prefetchers stop
                Vector512<float> table0 = Avx512F.FusedMultiplyAdd(levels, Vector512.Create(scales[g0]), Vector512.Create(negZeroScales[g0]));
                Vector512<float> table1 = Avx512F.FusedMultiplyAdd(levels, Vector512.Create(scales[g1]), Vector512.Create(negZeroScales[g1]));
                Vector512<int> pairs0 = Avx512F.ConvertToVector512Int32(Vector128.Load(row + b * 16));
                Vector512<int> pairs1 = Avx512F.ConvertToVector512Int32(Vector128.Load(row + b * 16 + 16));
                float* xb = x + b * QuantizedMatrix.Block;
                a0 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(table0, pairs0), Vector512.Load(xb), a0);
                a1 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(table0, Avx512F.ShiftRightLogical(pairs0, 4)), Vector512.Load(xb + 16), a1);
                a2 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(table1, pairs1), Vector512.Load(xb + 32), a2);
                a3 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(table1, Avx512F.ShiftRightLogical(pairs1, 4)), Vector512.Load(xb + 48), a3);
            }
            if (b < blocks)
            {
                int g = b >> shift;
                Vector512<float> table = Avx512F.FusedMultiplyAdd(levels, Vector512.Create(scales[g]), Vector512.Create(negZeroScales[g]));
                Vector512<int> pairs = Avx512F.ConvertToVector512Int32(Vector128.Load(row + b * 16));
                float* xb = x + b * QuantizedMatrix.Block;
                a0 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(table, pairs), Vector512.Load(xb), a0);
                a1 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(table, Avx512F.ShiftRightLogical(pairs, 4)), Vector512.Load(xb + 16), a1);
            }
            RowScalar(r, dots, blocks * QuantizedMatrix.Block);
            dots[0] += Vector512.Sum((a0 + a1) + (a2 + a3));
        }

        /// <summary>Whole blocks with 8-lane vectors, group by group as <see cref="Row512"/>, then the scalar tail.</summary>
        private void Row256(int r, float* dots, float* scales, float* negZeroScales)
        {
            int k = w.Columns, blocks = k / QuantizedMatrix.Block, perGroup = w.GroupSize / QuantizedMatrix.Block;
            byte* row = codes + (long)r * w.RowBytes;
            Vector256<float>* acc = stackalloc Vector256<float>[MaxRows];
            for (int i = 0; i < m; i++) acc[i] = Vector256<float>.Zero;
            for (int b0 = 0, g = 0; b0 < blocks; b0 += perGroup, g++)
            {
                Vector256<float> s = Vector256.Create(scales[g]), zs = Vector256.Create(negZeroScales[g]);
                for (int b = b0, end = Math.Min(blocks, b0 + perGroup); b < end; b++)
                {
                    PackedBlock.Codes(row, b, w.Bits == 4, out Vector128<byte> first, out Vector128<byte> second);
                    // Each 16-code half gives two 8-lane vectors: its low 8 bytes, then its high 8 bytes moved down.
                    Vector256<float> w0 = Widen256(first, s, zs), w1 = Widen256(Sse2.ShiftRightLogical128BitLane(first, 8), s, zs);
                    Vector256<float> w2 = Widen256(second, s, zs), w3 = Widen256(Sse2.ShiftRightLogical128BitLane(second, 8), s, zs);
                    for (int i = 0; i < m; i++)
                    {
                        float* xb = x + (long)i * k + b * QuantizedMatrix.Block;
                        Vector256<float> a = acc[i];
                        a = Fma.MultiplyAdd(w0, Vector256.Load(xb), a);
                        a = Fma.MultiplyAdd(w1, Vector256.Load(xb + 8), a);
                        a = Fma.MultiplyAdd(w2, Vector256.Load(xb + 16), a);
                        acc[i] = Fma.MultiplyAdd(w3, Vector256.Load(xb + 24), a);
                    }
                }
            }
            RowScalar(r, dots, blocks * QuantizedMatrix.Block);
            for (int i = 0; i < m; i++) dots[i] += Vector256.Sum(acc[i]);
        }

        /// <summary>Columns from <paramref name="start"/> to K, one weight at a time (the tail, or the whole row without SIMD).</summary>
        private void RowScalar(int r, float* dots, int start)
        {
            int k = w.Columns;
            for (int i = 0; i < m; i++) dots[i] = 0;
            for (int c = start; c < k; c++)
            {
                float wc = w.Dequantize(r, c);
                for (int i = 0; i < m; i++) dots[i] += x[(long)i * k + c] * wc;
            }
        }
    }

    /// <summary>16 codes → 16 f32 weights q·s + (−z·s).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widen512(Vector128<byte> codes, Vector512<float> scale, Vector512<float> negZeroScale)
        => Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(codes)), scale, negZeroScale);

    /// <summary>The low 8 codes → 8 f32 weights q·s + (−z·s).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen256(Vector128<byte> codes, Vector256<float> scale, Vector256<float> negZeroScale)
        => Fma.MultiplyAdd(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(codes)), scale, negZeroScale);
}

/// <summary>The instruction paths of <see cref="CpuQuantizedGemv"/>.</summary>
public enum GemvPath
{
    /// <summary>One weight at a time.</summary>
    Scalar,
    /// <summary>8-lane AVX2 + FMA.</summary>
    Avx2,
    /// <summary>16-lane AVX-512F.</summary>
    Avx512,
}
