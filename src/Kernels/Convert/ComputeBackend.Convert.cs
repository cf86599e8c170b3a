// PruneVid.NET — Convert: the validated entries of ConvertToF32 and ConvertToBf16.
namespace PruneVid.Compute;

public abstract partial class ComputeBackend
{
    /// <summary>Widens BF16 <paramref name="source"/> into F32 <paramref name="destination"/> of the same length (exact), where both live.</summary>
    public void ConvertToF32(Tensor source, Tensor destination)
    {
        const string op = "ConvertToF32";
        Require(source, DType.BF16, op, nameof(source));
        Require(destination, DType.F32, op, nameof(destination));
        SameLength(source, destination, op, nameof(destination));
        if (source.Length > 0) ConvertToF32Core(source, destination, Extent(source.Length, source, op));
    }

    /// <summary>Widens <paramref name="count"/> BF16 values into an F32 tensor of the same length (both non-empty).</summary>
    private protected abstract void ConvertToF32Core(Tensor source, Tensor destination, int count);

    /// <summary>
    /// Rounds F32 <paramref name="source"/> into BF16 <paramref name="destination"/> of the same length (nearest, ties
    /// to even), where both live.
    /// </summary>
    public void ConvertToBf16(Tensor source, Tensor destination)
    {
        const string op = "ConvertToBf16";
        Require(source, DType.F32, op, nameof(source));
        Require(destination, DType.BF16, op, nameof(destination));
        SameLength(source, destination, op, nameof(destination));
        if (source.Length > 0) ConvertToBf16Core(source, destination, Extent(source.Length, source, op));
    }

    /// <summary>Rounds <paramref name="count"/> F32 values into a BF16 tensor of the same length (both non-empty).</summary>
    private protected abstract void ConvertToBf16Core(Tensor source, Tensor destination, int count);
}
