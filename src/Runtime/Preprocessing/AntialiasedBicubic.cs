// PruneVid.NET — vision preprocessing.
namespace PruneVid.Runtime.Preprocessing;

/// <summary>
/// torchvision <c>resize(uint8 frames, BICUBIC, antialias=True)</c> on the CPU, as the HF video processor runs it:
/// torchvision hands uint8 bicubic to PyTorch's native uint8 antialiased kernel (not the float path), which
/// is the separable cubic of <see cref="SeparableBicubic"/> with int16 weights and a uint8 intermediate.
/// </summary>
public static class AntialiasedBicubic
{
    /// <summary>Resizes interleaved 8-bit pixels (<paramref name="channels"/> per pixel).</summary>
    public static byte[] Resize(ReadOnlySpan<byte> src, int height, int width, int channels, int outHeight, int outWidth) =>
        SeparableBicubic.Resize(src, height, width, channels, outHeight, outWidth, SeparableBicubic.Precision.TorchInt16);
}
