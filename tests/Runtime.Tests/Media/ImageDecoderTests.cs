// PruneVid.NET — media tests.
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Preprocessing;
using Xunit;

namespace PruneVid.Runtime.Tests.Media;

public class ImageDecoderTests : IDisposable
{
    private readonly TestMedia _media = new();
    private readonly VideoDecoder _decoder = new();

    [Fact]
    public async Task PngDecodesToItsExactRgbValues()
    {
        string path = Path.Combine(_media.Folder, "teal.png");
        TestMedia.Ffmpeg($"-f lavfi -i color=c=0x336699:s=50x30,format=rgb24 -frames:v 1 \"{path}\"");
        var image = await _decoder.DecodeImageAsync(path);
        Assert.Equal((1, 30, 50), (image.Count, image.Height, image.Width));
        Assert.Equal(new byte[] { 0x33, 0x66, 0x99 }, image.Frame(0)[..3].ToArray());
        Assert.Equal(new byte[] { 0x33, 0x66, 0x99 }, image.Frame(0)[^3..].ToArray());
    }

    [Fact]
    public async Task TransparentPixelsAreCompositedOntoWhite()
    {
        string path = Path.Combine(_media.Folder, "clear.png");
        TestMedia.Ffmpeg($"-f lavfi -i color=c=black@0.0:s=8x8,format=rgba -frames:v 1 \"{path}\"");
        var image = await _decoder.DecodeImageAsync(path);
        Assert.All(image.Data, v => Assert.Equal(255, v));
    }

    [Fact]
    public async Task ImageBecomesOneTemporalPatchOfPixelRows()
    {
        string path = Path.Combine(_media.Folder, "photo.jpg");
        TestMedia.Ffmpeg($"-f lavfi -i testsrc=s=100x60 -frames:v 1 \"{path}\"");
        var image = await _decoder.DecodeImageAsync(path);
        var processed = new VisionPreprocessor().PreprocessImage(image);
        // smart_resize(60, 100) with 3136..12845056: round(60/28)=2 → 56, round(100/28)=4 → 112.
        Assert.Equal((1, 4, 8), processed.Grid);
        Assert.Equal((56, 112), (processed.Height, processed.Width));
        Assert.Equal(8, processed.TokenCount);
        Assert.Equal(32 * 1176, processed.PixelValues.Length);
    }

    [Fact]
    public async Task MissingImageIsNamed()
    {
        string path = Path.Combine(_media.Folder, "none.png");
        var ex = await Assert.ThrowsAsync<FileNotFoundException>(() => _decoder.DecodeImageAsync(path));
        Assert.Contains(path, ex.Message);
    }

    public void Dispose() => _media.Dispose();
}
