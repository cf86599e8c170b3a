// PruneVid.NET — preprocessing tests.
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Media;

namespace PruneVid.Runtime.Tests.Preprocessing;

/// <summary>Reads the tiny-qwen25vl reference tensors the input side is checked against.</summary>
internal static class TinyReference
{
    public static string Path => FixturePaths.Get("tiny-qwen25vl", "reference.safetensors");

    /// <summary>A U8 [T,H,W,3] tensor as frames.</summary>
    public static RgbFrames ReadFrames(SafeTensorsFile file, string name)
    {
        var info = file.GetInfo(name);
        if (info.DType != SafeTensorDType.U8 || info.Shape.Length != 4 || info.Shape[3] != 3)
            throw new InvalidOperationException($"{name} should be U8 [T,H,W,3], is {info}");
        return new RgbFrames(file.GetBytes(name).ToArray(), (int)info.Shape[0], (int)info.Shape[1], (int)info.Shape[2]);
    }
}
