// PruneVid.NET — kernels: the warp-level tensor-core instructions (mma.sync, ldmatrix, cp.async) and their exact emulation.
using ILGPU;
using ILGPU.Runtime.Cuda;

namespace PruneVid.Kernels;

/// <summary>
/// A's fragment of <c>mma.m16n8k16</c> bf16 (16×16, row-major): four registers of two bf16 each. With g = lane / 4 and
/// t = lane % 4, register r holds elements (row, col) = (g + 8·(r &amp; 1), 2t + 8·(r / 2)) in its low half and col + 1
/// in its high half — the PTX ISA's a0..a7.
/// </summary>
public struct FragmentA
{
    /// <summary>Rows g, columns 2t and 2t+1.</summary>
    public uint R0;
    /// <summary>Rows g + 8, columns 2t and 2t+1.</summary>
    public uint R1;
    /// <summary>Rows g, columns 2t + 8 and 2t + 9.</summary>
    public uint R2;
    /// <summary>Rows g + 8, columns 2t + 8 and 2t + 9.</summary>
    public uint R3;
}

/// <summary>
/// B's fragment of <c>mma.m16n8k16</c> bf16 (16×8, K×N): two registers; register r holds (k, n) = (2t + 8r, g) in its
/// low half and k + 1 in its high half — the PTX ISA's b0..b3.
/// </summary>
public struct FragmentB
{
    /// <summary>k = 2t and 2t+1 of column g.</summary>
    public uint R0;
    /// <summary>k = 2t + 8 and 2t + 9 of column g.</summary>
    public uint R1;
}

/// <summary>The f32 accumulator (C and D) of <c>mma.m16n8k16</c>: (row, col) = (g + 8·(i / 2), 2t + (i &amp; 1)) for c_i.</summary>
public struct Accumulator
{
    /// <summary>Row g, column 2t.</summary>
    public float C0;
    /// <summary>Row g, column 2t + 1.</summary>
    public float C1;
    /// <summary>Row g + 8, column 2t.</summary>
    public float C2;
    /// <summary>Row g + 8, column 2t + 1.</summary>
    public float C3;
}

/// <summary>
/// The tensor-core instructions the GEMM and flash-attention kernels are written with. On the PTX backend each helper is
/// one inline instruction (<see cref="CudaAsm.EmitRef{T0}"/>); elsewhere (ILGPU's CPU accelerator, which must run with
/// 32-lane warps) it is emulated with warp shuffles and shared-memory reads that hand every lane exactly the elements the
/// PTX ISA's fragment layout gives it, so a kernel's data flow is the same on both. Every lane of the warp must call a
/// helper together (they are warp-synchronous, like the instructions).
/// </summary>
/// <remarks>
/// ILGPU 1.5.3 gives a kernel no address of a view, while ldmatrix and cp.async take shared-memory addresses. ILGPU
/// names a kernel's shared allocations <c>__shared_alloca0</c>, <c>__shared_alloca1</c>, … in order, so the PTX forms
/// address <c>__shared_alloca0</c> plus the element index: a kernel using them must make exactly one
/// <c>SharedMemory.Allocate&lt;ushort&gt;</c>, mark it <c>AsAligned(16)</c> on the PTX backend (which makes ILGPU declare
/// the allocation 16-byte aligned; <c>AlignTo</c> emits invalid PTX in 1.5.3) and pass that view with indices from its
/// start (a PTX test checks the symbol and its alignment in every such kernel).
/// </remarks>
public static class TensorCore
{
    /// <summary>Two bf16 words as one 32-bit register: <paramref name="low"/> is the element with the lower index.</summary>
    public static uint Pack(ushort low, ushort high) => low | ((uint)high << 16);

    /// <summary>
    /// D = A·B + C for one m16n8k16 tile, bf16 inputs and f32 accumulation:
    /// <c>mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32</c>. The emulation adds the 16 exact products to C in k
    /// order with f32 rounding after each add; the tensor core's internal order and rounding are its own, so GPU results
    /// may differ from the emulation by a few ulp of the sum (docs/numerics.md).
    /// </summary>
    public static Accumulator Mma(FragmentA a, FragmentB b, Accumulator c)
    {
        if (CudaAsm.IsSupported)
        {
            Ref<float> d0 = c.C0, d1 = c.C1, d2 = c.C2, d3 = c.C3;
            Input<uint> a0 = a.R0, a1 = a.R1, a2 = a.R2, a3 = a.R3, b0 = b.R0, b1 = b.R1;
            CudaAsm.EmitRef(
                "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};",
                ref d0, ref d1, ref d2, ref d3, ref a0, ref a1, ref a2, ref a3, ref b0, ref b1);
            return new Accumulator { C0 = d0.Value, C1 = d1.Value, C2 = d2.Value, C3 = d3.Value };
        }
        return EmulateMma(a, b, c);
    }

    /// <summary>
    /// The emulation of <see cref="Mma"/>. Row g of A (k = 2q, 2q+1 and 2q+8, 2q+9) sits in lane 4g + q; column n of B
    /// (the same k) in lane 4n + q; so lane (g, t) gathers its rows from lanes 4g + q and its columns 2t, 2t+1 from lanes
    /// 8t + q and 8t + 4 + q, for q = 0..3.
    /// </summary>
    private static Accumulator EmulateMma(FragmentA a, FragmentB b, Accumulator c)
    {
        int lane = Warp.LaneIdx, g = lane >> 2, t = lane & 3;
        float d0 = c.C0, d1 = c.C1, d2 = c.C2, d3 = c.C3;
        // Low half of k (0..7), then the high half (8..15): k order.
        for (int half = 0; half < 2; half++)
        {
            for (int q = 0; q < 4; q++)
            {
                // Whole fragments per shuffle: one exchange instead of one per register (the CPU accelerator's cost).
                FragmentA rows = Warp.Shuffle(a, 4 * g + q);
                FragmentB col0 = Warp.Shuffle(b, 8 * t + q), col1 = Warp.Shuffle(b, 8 * t + 4 + q);
                uint rowG = half == 0 ? rows.R0 : rows.R2, rowG8 = half == 0 ? rows.R1 : rows.R3;
                uint b0 = half == 0 ? col0.R0 : col0.R1, b1 = half == 0 ? col1.R0 : col1.R1;
                // Element k = 2q (+8·half) is the low half of each register, k + 1 the high half.
                d0 = d0 + Low(rowG) * Low(b0);
                d0 = d0 + High(rowG) * High(b0);
                d1 = d1 + Low(rowG) * Low(b1);
                d1 = d1 + High(rowG) * High(b1);
                d2 = d2 + Low(rowG8) * Low(b0);
                d2 = d2 + High(rowG8) * High(b0);
                d3 = d3 + Low(rowG8) * Low(b1);
                d3 = d3 + High(rowG8) * High(b1);
            }
        }
        return new Accumulator { C0 = d0, C1 = d1, C2 = d2, C3 = d3 };
    }

    /// <summary>The bf16 in the low half of a register, as f32.</summary>
    public static float Low(uint pair) => Interop.IntAsFloat(pair << 16);

    /// <summary>The bf16 in the high half of a register, as f32.</summary>
    public static float High(uint pair) => Interop.IntAsFloat(pair & 0xFFFF0000u);

    /// <summary>
    /// <c>ldmatrix.sync.aligned.m8n8.x4.shared.b16</c>: four 8×8 bf16 matrices from shared memory. Lanes 8j..8j+7 pass in
    /// <paramref name="row"/> the index (in <paramref name="shared"/>) of rows 0..7 of matrix j; each row is 8 contiguous
    /// words starting 16-byte aligned. Lane L receives row L / 4, columns 2(L % 4) and 2(L % 4) + 1 of matrix j in
    /// register j.
    /// </summary>
    public static FragmentA LoadMatrixX4(ArrayView<ushort> shared, int row)
    {
        if (CudaAsm.IsSupported)
        {
            Output<uint> r0 = default, r1 = default, r2 = default, r3 = default;
            Input<int> address = 2 * row;
            CudaAsm.EmitRef("{ .reg .u32 a; mov.u32 a, __shared_alloca0; add.u32 a, a, %4; ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [a]; }",
                ref r0, ref r1, ref r2, ref r3, ref address);
            return new FragmentA { R0 = r0.Value, R1 = r1.Value, R2 = r2.Value, R3 = r3.Value };
        }
        return new FragmentA
        {
            R0 = EmulateRow(shared, row, 0), R1 = EmulateRow(shared, row, 1),
            R2 = EmulateRow(shared, row, 2), R3 = EmulateRow(shared, row, 3),
        };
    }

    /// <summary>
    /// <c>ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16</c>: as <see cref="LoadMatrixX4"/>, transposed — lane L receives
    /// column L / 4 at rows 2(L % 4) and 2(L % 4) + 1 of matrix j in register j.
    /// </summary>
    public static FragmentA LoadMatrixX4Trans(ArrayView<ushort> shared, int row)
    {
        if (CudaAsm.IsSupported)
        {
            Output<uint> r0 = default, r1 = default, r2 = default, r3 = default;
            Input<int> address = 2 * row;
            CudaAsm.EmitRef("{ .reg .u32 a; mov.u32 a, __shared_alloca0; add.u32 a, a, %4; ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [a]; }",
                ref r0, ref r1, ref r2, ref r3, ref address);
            return new FragmentA { R0 = r0.Value, R1 = r1.Value, R2 = r2.Value, R3 = r3.Value };
        }
        return new FragmentA
        {
            R0 = EmulateColumn(shared, row, 0), R1 = EmulateColumn(shared, row, 1),
            R2 = EmulateColumn(shared, row, 2), R3 = EmulateColumn(shared, row, 3),
        };
    }

    /// <summary><c>ldmatrix….x2.shared.b16</c>: two matrices (lanes 0..15 give the rows); register j from matrix j.</summary>
    public static FragmentB LoadMatrixX2(ArrayView<ushort> shared, int row)
    {
        if (CudaAsm.IsSupported)
        {
            Output<uint> r0 = default, r1 = default;
            Input<int> address = 2 * row;
            CudaAsm.EmitRef("{ .reg .u32 a; mov.u32 a, __shared_alloca0; add.u32 a, a, %2; ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0,%1}, [a]; }", ref r0, ref r1, ref address);
            return new FragmentB { R0 = r0.Value, R1 = r1.Value };
        }
        return new FragmentB { R0 = EmulateRow(shared, row, 0), R1 = EmulateRow(shared, row, 1) };
    }

    /// <summary><c>ldmatrix….x2.trans.shared.b16</c>: two matrices, transposed (a B fragment from a row-major K×N tile).</summary>
    public static FragmentB LoadMatrixX2Trans(ArrayView<ushort> shared, int row)
    {
        if (CudaAsm.IsSupported)
        {
            Output<uint> r0 = default, r1 = default;
            Input<int> address = 2 * row;
            CudaAsm.EmitRef("{ .reg .u32 a; mov.u32 a, __shared_alloca0; add.u32 a, a, %2; ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16 {%0,%1}, [a]; }", ref r0, ref r1, ref address);
            return new FragmentB { R0 = r0.Value, R1 = r1.Value };
        }
        return new FragmentB { R0 = EmulateColumn(shared, row, 0), R1 = EmulateColumn(shared, row, 1) };
    }

    /// <summary><c>ldmatrix….x1.shared.b16</c>: one matrix (lanes 0..7 give the rows).</summary>
    public static uint LoadMatrixX1(ArrayView<ushort> shared, int row)
    {
        if (CudaAsm.IsSupported)
        {
            Output<uint> r0 = default;
            Input<int> address = 2 * row;
            CudaAsm.EmitRef("{ .reg .u32 a; mov.u32 a, __shared_alloca0; add.u32 a, a, %1; ldmatrix.sync.aligned.m8n8.x1.shared.b16 {%0}, [a]; }", ref r0, ref address);
            return r0.Value;
        }
        return EmulateRow(shared, row, 0);
    }

    /// <summary><c>ldmatrix….x1.trans.shared.b16</c>: one matrix, transposed.</summary>
    public static uint LoadMatrixX1Trans(ArrayView<ushort> shared, int row)
    {
        if (CudaAsm.IsSupported)
        {
            Output<uint> r0 = default;
            Input<int> address = 2 * row;
            CudaAsm.EmitRef("{ .reg .u32 a; mov.u32 a, __shared_alloca0; add.u32 a, a, %1; ldmatrix.sync.aligned.m8n8.x1.trans.shared.b16 {%0}, [a]; }", ref r0, ref address);
            return r0.Value;
        }
        return EmulateColumn(shared, row, 0);
    }

    /// <summary>Lane L's register of matrix j, untransposed: row L / 4 (its address from lane 8j + L / 4), columns 2(L % 4), +1.</summary>
    private static uint EmulateRow(ArrayView<ushort> shared, int row, int matrix)
    {
        int lane = Warp.LaneIdx;
        int start = Warp.Shuffle(row, 8 * matrix + (lane >> 2));
        int col = 2 * (lane & 3);
        return Pack(shared[start + col], shared[start + col + 1]);
    }

    /// <summary>Lane L's register of matrix j, transposed: column L / 4 of rows 2(L % 4) and 2(L % 4) + 1.</summary>
    private static uint EmulateColumn(ArrayView<ushort> shared, int row, int matrix)
    {
        int lane = Warp.LaneIdx;
        int first = Warp.Shuffle(row, 8 * matrix + 2 * (lane & 3));
        int second = Warp.Shuffle(row, 8 * matrix + 2 * (lane & 3) + 1);
        int col = lane >> 2;
        return Pack(shared[first + col], shared[second + col]);
    }

    /// <summary>
    /// Copies 8 bf16 words (16 bytes) from <paramref name="source"/>[<paramref name="from"/>..] to
    /// <paramref name="shared"/>[<paramref name="to"/>..], zero-filling from word <paramref name="valid"/> on (0..8 words
    /// are read): <c>cp.async.cg.shared.global</c> with a source size, asynchronous until <see cref="WaitAsyncCopies"/>;
    /// elsewhere a plain copy. ILGPU gives a kernel no address of a buffer, so the caller passes the device address of
    /// <paramref name="source"/>'s element 0 (<paramref name="sourceAddress"/>, taken on the host); both ends must be
    /// 16-byte aligned.
    /// </summary>
    public static void CopyAsync16(ArrayView<ushort> shared, int to, ArrayView<ushort> source, long sourceAddress, long from, int valid)
    {
        if (CudaAsm.IsSupported)
        {
            Input<int> destination = 2 * to;
            Input<long> origin = sourceAddress + (valid > 0 ? 2 * from : 0);
            Input<int> bytes = 2 * valid;
            CudaAsm.EmitRef(
                "{ .reg .u32 s; .reg .u64 g; mov.u32 s, __shared_alloca0; add.u32 s, s, %0; cvta.to.global.u64 g, %1; " +
                "cp.async.cg.shared.global [s], [g], 16, %2; }",
                ref destination, ref origin, ref bytes);
            return;
        }
        for (int i = 0; i < 8; i++) shared[to + i] = i < valid ? source[from + i] : (ushort)0;
    }

    /// <summary><c>cp.async.commit_group</c>: closes the group of copies issued since the last commit (no-op when emulated).</summary>
    public static void CommitAsyncCopies()
    {
        if (CudaAsm.IsSupported) CudaAsm.Emit("cp.async.commit_group;");
    }

    /// <summary>
    /// <c>cp.async.wait_group N</c>: waits until at most <paramref name="pending"/> (0, 1 or 2) committed groups are still
    /// in flight (no-op when emulated: the copies were synchronous). A group barrier must follow before other threads read.
    /// </summary>
    public static void WaitAsyncCopies(int pending)
    {
        if (!CudaAsm.IsSupported) return;
        if (pending <= 0) CudaAsm.Emit("cp.async.wait_group 0;");
        else if (pending == 1) CudaAsm.Emit("cp.async.wait_group 1;");
        else CudaAsm.Emit("cp.async.wait_group 2;");
    }
}
