// PruneVid.NET — vision preprocessing.
namespace PruneVid.Runtime.Preprocessing;

/// <summary>
/// Pillow's 8-bit <c>Image.resize(size, BICUBIC)</c> (libImaging/Resample.c), which qwen-vl-utils uses for still
/// images: the separable cubic of <see cref="SeparableBicubic"/> with 22-bit fixed-point weights.
/// </summary>
public static class PillowBicubic
{
    /// <summary>Resizes interleaved 8-bit pixels (<paramref name="channels"/> per pixel).</summary>
    public static byte[] Resize(ReadOnlySpan<byte> src, int height, int width, int channels, int outHeight, int outWidth) =>
        SeparableBicubic.Resize(src, height, width, channels, outHeight, outWidth, SeparableBicubic.Precision.Pillow);
}
