// PruneVid.NET — device layer: the KV cache's element type a backend prefers.
namespace PruneVid.Compute;

public abstract partial class ComputeBackend
{
    /// <summary>
    /// The element type a model's KV cache takes on this backend unless told otherwise: F32 here (bit-for-bit the
    /// reference's numerics); a backend whose decode attention reads BF16 rows may prefer those (half the bytes).
    /// </summary>
    public virtual DType PreferredKvCacheDType => DType.F32;
}
