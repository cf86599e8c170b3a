// PruneVid.NET — media input.
namespace PruneVid.Runtime.Media;

/// <summary>
/// Decoded RGB24 frames, packed frame after frame, each <see cref="Height"/> rows of <see cref="Width"/> pixels
/// of 3 bytes (R, G, B): the layout of an HF/torch uint8 <c>[T, H, W, 3]</c> array.
/// </summary>
public sealed class RgbFrames
{
    /// <summary>Wraps <paramref name="data"/> (not copied); its length must be count·height·width·3.</summary>
    public RgbFrames(byte[] data, int count, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (count <= 0 || height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(count), $"frames must have a positive count and size, got {count} x {height}x{width}");
        if (data.LongLength != (long)count * height * width * 3)
            throw new ArgumentException($"RGB24 data holds {data.LongLength} bytes, but {count} frames of {height}x{width} need {(long)count * height * width * 3}", nameof(data));
        Data = data;
        Count = count;
        Height = height;
        Width = width;
    }

    /// <summary>All pixels, [Count, Height, Width, 3].</summary>
    public byte[] Data { get; }

    /// <summary>Number of frames.</summary>
    public int Count { get; }

    /// <summary>Rows per frame.</summary>
    public int Height { get; }

    /// <summary>Pixels per row.</summary>
    public int Width { get; }

    /// <summary>Bytes per frame.</summary>
    public int FrameLength => Height * Width * 3;

    /// <summary>The pixels of frame <paramref name="index"/>.</summary>
    public Span<byte> Frame(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"frame index must be in 0..{Count - 1}");
        return Data.AsSpan(index * FrameLength, FrameLength);
    }
}
