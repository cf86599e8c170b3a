// PruneVid.NET — vision preprocessing.
namespace PruneVid.Runtime.Preprocessing;

/// <summary>
/// The 8-bit separable bicubic resampler shared by Pillow and PyTorch's uint8 antialiased path: Keys cubic
/// (a = −0.5) whose support widens by the scale when shrinking, weights computed in double and normalised per
/// output pixel, then quantised to fixed point; horizontal pass first into a uint8 intermediate, then vertical,
/// each output rounded (+½) and clamped to [0, 255]. An axis whose size does not change is copied.
/// The two libraries differ only in how many fractional bits the weights get (<see cref="Precision"/>).
/// </summary>
internal static class SeparableBicubic
{
    /// <summary>How weights are quantised.</summary>
    public enum Precision
    {
        /// <summary>Pillow: always 22 fractional bits (libImaging/Resample.c PRECISION_BITS).</summary>
        Pillow,

        /// <summary>PyTorch: the most bits (≤ 22) that keep the largest weight inside int16 (UpSampleKernel.cpp).</summary>
        TorchInt16,
    }

    public static byte[] Resize(ReadOnlySpan<byte> src, int height, int width, int channels, int outHeight, int outWidth, Precision precision)
    {
        if (channels <= 0 || height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"source size must be positive, got {height}x{width}x{channels}");
        if (src.Length != height * width * channels) throw new ArgumentException($"source holds {src.Length} bytes, expected {height}x{width}x{channels}");
        if (outHeight <= 0 || outWidth <= 0) throw new ArgumentOutOfRangeException(nameof(outHeight), $"output size must be positive, got {outHeight}x{outWidth}");
        byte[] input = src.ToArray();
        byte[] horizontal = width == outWidth ? input : ResampleRows(input, height, width, channels, outWidth, ComputeTaps(width, outWidth, precision));
        return height == outHeight ? horizontal : ResampleColumns(horizontal, height, outWidth, channels, outHeight, ComputeTaps(height, outHeight, precision));
    }

    /// <summary>Per output index: first source index, tap count, fixed-point weights (<c>MaxTaps</c> per output) and their fractional bits.</summary>
    internal sealed record Taps(int[] Start, int[] Count, int[] Coefficients, int MaxTaps, int Bits);

    internal static Taps ComputeTaps(int inSize, int outSize, Precision precision)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = 2.0 * filterScale;
        int maxTaps = (int)Math.Ceiling(support) * 2 + 1;
        var start = new int[outSize];
        var count = new int[outSize];
        var weights = new double[outSize * maxTaps];
        double maxWeight = 0;
        for (int i = 0; i < outSize; i++)
        {
            double center = (i + 0.5) * scale;
            int xmin = Math.Max((int)(center - support + 0.5), 0);
            int xsize = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            double total = 0;
            for (int j = 0; j < xsize; j++)
            {
                double w = Filter((j + xmin - center + 0.5) / filterScale);
                weights[i * maxTaps + j] = w;
                total += w;
            }
            for (int j = 0; j < xsize; j++)
            {
                if (total != 0) weights[i * maxTaps + j] /= total;
                maxWeight = Math.Max(maxWeight, weights[i * maxTaps + j]);
            }
            start[i] = xmin;
            count[i] = xsize;
        }

        int bits = 22;
        if (precision == Precision.TorchInt16)
            for (bits = 0; bits < 22; bits++)
                if ((int)(0.5 + maxWeight * (1 << (bits + 1))) >= 1 << 15) break;

        var coefficients = new int[weights.Length];
        for (int k = 0; k < weights.Length; k++)
        {
            double v = weights[k] * (1 << bits);
            coefficients[k] = v < 0 ? (int)(v - 0.5) : (int)(v + 0.5);
        }
        return new Taps(start, count, coefficients, maxTaps, bits);
    }

    /// <summary>Keys cubic convolution kernel with a = −0.5.</summary>
    internal static double Filter(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }

    private static byte Clip8(long acc, int bits) => (byte)Math.Clamp(acc >> bits, 0, 255);

    private static byte[] ResampleRows(byte[] src, int height, int width, int channels, int outWidth, Taps taps)
    {
        var dst = new byte[height * outWidth * channels];
        long half = 1L << (taps.Bits - 1);
        Parallel.For(0, height, y =>
        {
            int rowIn = y * width * channels, rowOut = y * outWidth * channels;
            for (int x = 0; x < outWidth; x++)
            {
                int s = taps.Start[x], n = taps.Count[x], k = x * taps.MaxTaps;
                for (int c = 0; c < channels; c++)
                {
                    long acc = half;
                    for (int j = 0; j < n; j++) acc += (long)src[rowIn + (s + j) * channels + c] * taps.Coefficients[k + j];
                    dst[rowOut + x * channels + c] = Clip8(acc, taps.Bits);
                }
            }
        });
        return dst;
    }

    private static byte[] ResampleColumns(byte[] src, int height, int width, int channels, int outHeight, Taps taps)
    {
        int stride = width * channels;
        var dst = new byte[outHeight * stride];
        long half = 1L << (taps.Bits - 1);
        Parallel.For(0, outHeight, y =>
        {
            int s = taps.Start[y], n = taps.Count[y], k = y * taps.MaxTaps;
            for (int i = 0; i < stride; i++)
            {
                long acc = half;
                for (int j = 0; j < n; j++) acc += (long)src[(s + j) * stride + i] * taps.Coefficients[k + j];
                dst[y * stride + i] = Clip8(acc, taps.Bits);
            }
        });
        return dst;
    }
}
