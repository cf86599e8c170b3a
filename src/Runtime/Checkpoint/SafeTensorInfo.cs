// PruneVid.NET — checkpoint loading.
namespace PruneVid.Runtime.Checkpoint;

/// <summary>
/// One tensor entry of a safetensors header. <paramref name="DataOffset"/> is the absolute byte offset of the data
/// inside the file (the header's <c>data_offsets[0]</c> plus 8 plus the header length); lengths are <c>long</c> so
/// tensors over 2 GiB are described exactly.
/// </summary>
public sealed record SafeTensorInfo(string Name, SafeTensorDType DType, long[] Shape, long DataOffset, long ByteLength)
{
    /// <summary>Product of the shape (1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Shape) n *= d;
            return n;
        }
    }

    /// <summary>"name DTYPE [d0,d1,…]".</summary>
    public override string ToString() => $"{Name} {DType} [{string.Join(",", Shape)}]";
}
