// PruneVid.NET — Convert: the validated entry of ConvertToF32.
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
}
