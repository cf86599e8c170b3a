// PruneVid.NET — the demo's tiny random model is a valid model folder that the pipeline loads and runs.
using PruneVid.Tools.Demo;
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Pipeline;
using Xunit;

namespace PruneVid.Model.Tests.Pipeline;

public sealed class TinyDemoModelTests
{
    [Fact]
    public void TheTinyModelFolderLoadsAndAnswersWithEveryRegisteredReducer()
    {
        string dir = Path.Combine(Path.GetTempPath(), "prunevid-tiny-" + Guid.NewGuid().ToString("N"));
        try
        {
            TinyModelFolder.Create(dir, seed: 7);
            Assert.Throws<IOException>(() => TinyModelFolder.Create(dir)); // never overwrites
            using var pipeline = VideoQaPipeline.Load(dir, new PipelineOptions { Device = DeviceKind.Cpu });
            Assert.NotEqual(151656, pipeline.Config.VideoTokenId); // special ids come from its own config

            // 4 frames of 56x84 gradient: a 2x2x3 token grid per frame pair.
            var data = new byte[4 * 56 * 84 * 3];
            for (int i = 0; i < data.Length; i++) data[i] = (byte)(i * 7 % 251);
            var frames = new RgbFrames(data, 4, 56, 84);
            foreach (var d in PruneVid.Strategies.TokenReducerRegistry.All)
            {
                using var p = pipeline.WithStrategy(d.Name);
                var r = p.GenerateFromFrames(frames, 2.0, "What moves?", p.DefaultSampling(3) with { EosTokenIds = [] });
                Assert.Equal(3, r.Tokens.Count);
                Assert.InRange(r.Compression.PromptVisualTokens, 1, r.Compression.VisualTokensBefore);
                Assert.Equal(r.Compression.PromptVisualTokens, r.PromptIds.Count(id => id == pipeline.Config.VideoTokenId));
            }
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
