// PruneVid.NET — model configuration tests.
using PruneVid.Runtime.Config;
using Xunit;

namespace PruneVid.Runtime.Tests.Config;

/// <summary>The fixture's flat hub layout; expected values are the ones printed in the fixture's config.json / README.</summary>
public sealed class Qwen25VLConfigTests
{
    [Fact]
    public void FlatFixtureConfigReadsEveryField()
    {
        Qwen25VLConfig config = Qwen25VLConfig.Load(FixturePaths.Get("tiny-qwen25vl"));

        TextConfig t = config.Text;
        Assert.Equal((64, 128, 3, 4, 2, 16), (t.HiddenSize, t.IntermediateSize, t.NumHiddenLayers, t.NumAttentionHeads, t.NumKeyValueHeads, t.HeadDim));
        Assert.Equal(1_000_000.0, t.RopeTheta);
        Assert.Equal([2, 3, 3], t.MropeSection);
        Assert.Equal(1e-6, t.RmsNormEps);
        Assert.Equal(151936, t.VocabSize);
        Assert.True(t.TieWordEmbeddings);
        Assert.Equal(32768, t.MaxPositionEmbeddings);
        Assert.Equal("silu", t.HiddenAct);

        VisionConfig v = config.Vision;
        Assert.Equal((4, 64, 128, 4, 14, 2, 2, 112), (v.Depth, v.HiddenSize, v.IntermediateSize, v.NumHeads, v.PatchSize, v.TemporalPatchSize, v.SpatialMergeSize, v.WindowSize));
        Assert.Equal([1, 3], v.FullAttBlockIndexes);
        Assert.Equal((64, 2, 3, "silu"), (v.OutHiddenSize, v.TokensPerSecond, v.InChannels, v.HiddenAct));

        Assert.Equal(151643, config.BosTokenId);
        Assert.Equal([151645], config.EosTokenIds);
        Assert.Equal((151652, 151653, 151655, 151656), (config.VisionStartTokenId, config.VisionEndTokenId, config.ImageTokenId, config.VideoTokenId));
    }
}
