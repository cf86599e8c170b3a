// PruneVid.NET — Clustering: the rows one output of RowMeans or StaticMask reads.
using System.Runtime.InteropServices;

namespace PruneVid.Compute;

/// <summary>
/// The rows <c>First + t·Stride</c> (t &lt; <see cref="Count"/>) of a tensor: a frame's tokens (stride 1), one token
/// position over a run of frames (stride = tokens per frame), or a single row (count 1).
/// </summary>
/// <param name="First">The first row.</param>
/// <param name="Count">Rows in the set (at least 1).</param>
/// <param name="Stride">Rows from one member to the next (0 or more).</param>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct RowSet(int First, int Count, int Stride);
