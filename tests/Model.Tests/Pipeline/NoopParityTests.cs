// PruneVid.NET — the no-op reducer path must reproduce the unreduced language-model run bit for bit.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model.Text;
using PruneVid.Runtime.Model.Vision;
using PruneVid.Strategies;
using Xunit;

namespace PruneVid.Model.Tests.Pipeline;

public sealed class NoopParityTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>
{
    [Fact]
    public void NoopTokensAtTheirReturnedPositionsGiveExactlyTheUnreducedHiddenStates()
    {
        var config = Qwen25VLConfig.Load(fixture.ModelDirectory);
        using var weights = CheckpointWeights.Open(fixture.ModelDirectory, config);
        var cpu = new CpuBackend();
        using var vision = new VisionEncoder(cpu, config.Vision, weights);
        using var text = new TextModel(cpu, config, weights);
        var generator = new TextGenerator(text);
        var (t, h, w) = fixture.Inputs.Grids[0];
        using Tensor embeds = vision.Encode(fixture.Inputs.PixelValues, fixture.Inputs.Grids);

        // Unreduced: the grid's own positions.
        var grid = MediaItem.Video(t, h, w, 2, 1.0, config.Vision.TokensPerSecond);
        var (seqA, normedA, posA) = generator.Prefill(new TextPrompt(fixture.InputIds, [grid], VideoEmbeds: embeds), 1);

        // Through the reducer contract: noop output, positions as the reducer returns them.
        var positions = grid.Offsets.ToArray().Select(o => new TokenPosition(o.T, o.H, o.W)).ToArray();
        var reduction = TokenReducerRegistry.Create("noop").Reduce(new VideoTokens(embeds, new VideoGrid(t, h / 2, w / 2), positions),
            new ReductionContext(new ReducerModelInfo(config.Text.HiddenSize, config.Text.NumHiddenLayers)));
        var explicitItem = MediaItem.FromOffsets(MediaKind.Video, reduction.Positions);
        var (seqB, normedB, posB) = generator.Prefill(new TextPrompt(fixture.InputIds, [explicitItem], VideoEmbeds: reduction.Embeddings), 1);

        Assert.Equal(posA.Values, posB.Values);
        var a = new float[normedA.Length];
        var b = new float[normedB.Length];
        cpu.CopyToHost(normedA, a);
        cpu.CopyToHost(normedB, b);
        Assert.Equal(a, b); // exact: same embeddings, same positions, same arithmetic
        using Tensor logitsA = text.Logits(cpu.SliceRows(normedA, normedA.Rows - 1, 1));
        using Tensor logitsB = text.Logits(cpu.SliceRows(normedB, normedB.Rows - 1, 1));
        var la = new float[logitsA.Length];
        var lb = new float[logitsB.Length];
        cpu.CopyToHost(logitsA, la);
        cpu.CopyToHost(logitsB, lb);
        Assert.Equal(la, lb);
        seqA.Dispose(); seqB.Dispose(); normedA.Dispose(); normedB.Dispose();
    }
}
