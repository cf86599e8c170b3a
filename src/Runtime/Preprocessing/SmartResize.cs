// PruneVid.NET — vision preprocessing.
namespace PruneVid.Runtime.Preprocessing;

/// <summary>
/// qwen-vl-utils / HF <c>smart_resize</c>: the size closest to (height, width) whose sides are multiples of
/// <c>factor</c> (28 = patch 14 × merge 2) and whose area lies in [minPixels, maxPixels], keeping the aspect ratio.
/// All arithmetic in double, rounding half-to-even like Python's <c>round</c>.
/// </summary>
public static class SmartResize
{
    /// <summary>Largest aspect ratio accepted (qwen-vl-utils MAX_RATIO).</summary>
    public const double MaxAspectRatio = 200;

    /// <summary>The resized (height, width).</summary>
    /// <exception cref="ArgumentException">A side is not positive or the aspect ratio exceeds 200.</exception>
    public static (int Height, int Width) Compute(int height, int width, int factor, double minPixels, double maxPixels)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"image size must be positive, got {height}x{width}");
        if (factor <= 0) throw new ArgumentOutOfRangeException(nameof(factor), factor, "factor must be positive");
        if (minPixels > maxPixels) throw new ArgumentException($"min_pixels {minPixels} exceeds max_pixels {maxPixels}");
        double ratio = (double)Math.Max(height, width) / Math.Min(height, width);
        if (ratio > MaxAspectRatio)
            throw new ArgumentException($"aspect ratio of {height}x{width} is {ratio:F1}, above the supported {MaxAspectRatio}");

        long h = Math.Max(factor, RoundByFactor(height, factor));
        long w = Math.Max(factor, RoundByFactor(width, factor));
        if (h * w > maxPixels)
        {
            double beta = Math.Sqrt((double)height * width / maxPixels);
            h = Math.Max(factor, FloorByFactor(height / beta, factor));
            w = Math.Max(factor, FloorByFactor(width / beta, factor));
        }
        else if (h * w < minPixels)
        {
            double beta = Math.Sqrt((double)minPixels / ((double)height * width));
            h = CeilByFactor(height * beta, factor);
            w = CeilByFactor(width * beta, factor);
        }
        return ((int)h, (int)w);
    }

    internal static long RoundByFactor(double x, int factor) => (long)Math.Round(x / factor, MidpointRounding.ToEven) * factor;

    internal static long FloorByFactor(double x, int factor) => (long)Math.Floor(x / factor) * factor;

    internal static long CeilByFactor(double x, int factor) => (long)Math.Ceiling(x / factor) * factor;
}
