// PruneVid.NET — language model tests: reduction inside the model (hooks, KV gather, positions).
using PruneVid.Compute;
using PruneVid.Runtime.Model.Text;
using PruneVid.Strategies;
using PruneVid.Strategies.FastV;
using PruneVid.Strategies.Stage2;
using Xunit;

namespace PruneVid.Model.Tests.Text;

/// <summary>
/// PruneVid Stage 2 and FastV on the tiny checkpoint (3 layers, Cpu backend): what the hooks keep, what the KV cache
/// holds afterwards, where decoding continues, and that generation still works.
/// </summary>
public sealed class InModelReductionTests(TinyTextModel tiny) : IClassFixture<TinyTextModel>
{
    private const int NewTokens = 6;

    private int Frames => tiny.Video.Grid!.Value.T;

    private ReductionContext Context(List<string>? log = null) =>
        new(new ReducerModelInfo(tiny.Config.Text.HiddenSize, tiny.Config.Text.NumHiddenLayers), log is null ? null : log.Add);

    private ILanguageModelReductionHook Hook(string spec, List<string>? log = null) =>
        ((ILanguageModelReducer)TokenReducerRegistry.Create(spec)).CreateHook(Context(log));

    private TextPrompt WithHooks(params ILanguageModelReductionHook[] hooks) => tiny.Prompt with
    {
        Reduction = new InModelReduction(hooks, InModelReduction.FindVideos(tiny.InputIds, tiny.Config.VideoTokenId, [Frames], [[]])),
    };

    private VideoSpan Span => InModelReduction.FindVideos(tiny.InputIds, tiny.Config.VideoTokenId, [Frames], [[]])[0];

    [Fact]
    public void Stage2AtAlphaOneGeneratesTheSameGreedyTokensAsNoStage2()
    {
        var log = new List<string>();
        var greedy = new SamplingOptions { MaxNewTokens = NewTokens };
        var plain = new TextGenerator(tiny.Model).Generate(tiny.Prompt, greedy);
        var hooked = new TextGenerator(tiny.Model).Generate(WithHooks(Hook("prunevid-stage2(alpha=1.0,verbose=true)", log)), greedy);

        Assert.Equal(plain.Tokens, hooked.Tokens);
        // selected_layer 10 does not exist in a 3-layer model: clamped to the last layer, and said so.
        Assert.Contains(log, l => l.Contains("selected_layer 10 is past the model's 3 decoder layers; using layer 2"));
        Assert.Contains(log, l => l.StartsWith($"[Stage 2] Tokens: {Span.Length} -> {Span.Length} (0.0% reduction) at layer 2"));
        var outcome = Assert.Single(hooked.Reductions);
        Assert.Equal((2, Span.Length, Span.Length), (outcome.Layer, outcome.TokensBefore, outcome.TokensAfter));
    }

    [Fact]
    public void Stage2PrunesTheKvCacheOfLayersZeroToLToTheKeptRowsAndKeepsDecodingPositions()
    {
        var generator = new TextGenerator(tiny.Model);
        var (full, fullNormed, _) = generator.Prefill(tiny.Prompt, NewTokens);
        var (pruned, prunedNormed, _) = generator.Prefill(WithHooks(Hook("prunevid-stage2(alpha=0.4,selected_layer=1)")), NewTokens);
        using (full) using (pruned) using (fullNormed) using (prunedNormed)
        {
            InModelReductionResult result = pruned.Reduction!;
            int[] kept = [.. result.KeptRows];
            VideoSpan span = Span;

            // Without Stage-1 segments: one dynamic group per temporal step, floor(0.4 * tokens per frame) kept in each.
            int perFrame = span.Length / Frames, budget = (int)Math.Floor(0.4 * perFrame);
            int[] video = kept.Where(r => r >= span.Start && r < span.End).ToArray();
            for (int f = 0; f < Frames; f++)
                Assert.Equal(budget, video.Count(r => (r - span.Start) / perFrame == f));
            Assert.Equal(tiny.InputIds.Length - span.Length, kept.Length - video.Length); // every text row stays

            // Every layer's cache holds exactly the kept rows; layers 0..1 hold the unpruned run's rows, gathered.
            Assert.Equal(kept.Length, pruned.Cache.Length);
            Assert.Equal(kept.Length, prunedNormed.Rows);
            for (int layer = 0; layer <= 1; layer++)
            {
                Assert.Equal(Gather(Host(full.Cache.Keys(layer)), kept, tiny.Config.Text.KeyValueSize), Host(pruned.Cache.Keys(layer)));
                Assert.Equal(Gather(Host(full.Cache.Values(layer)), kept, tiny.Config.Text.KeyValueSize), Host(pruned.Cache.Values(layer)));
            }

            // Decoding continues where the unpruned prompt would (max position + 1), not at the pruned length.
            Assert.Equal(full.NextPosition, pruned.NextPosition);
            generator.Decode(pruned, prunedNormed, new SamplingOptions { MaxNewTokens = 2 }).ToList(); // one step
            Assert.Equal(full.NextPosition + 1, pruned.NextPosition);
            Assert.Equal(kept.Length + 1, pruned.Cache.Length);
        }
        var generated = generator.Generate(WithHooks(Hook("prunevid-stage2(alpha=0.4,selected_layer=1)")), new SamplingOptions { MaxNewTokens = NewTokens });
        Assert.Equal(NewTokens, generated.Tokens.Count);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.7)]
    public void FastVKeepsRoundedShareOfTheVideoTokens(double ratio)
    {
        var generator = new TextGenerator(tiny.Model);
        var (sequence, normed, _) = generator.Prefill(WithHooks(Hook($"fastv(k=2,ratio={ratio.ToString(System.Globalization.CultureInfo.InvariantCulture)})")), NewTokens);
        using (sequence) using (normed)
        {
            var outcome = Assert.Single(sequence.Reduction!.Outcomes);
            int n = Span.Length;
            Assert.Equal((int)Math.Round(n * (1 - ratio), MidpointRounding.ToEven), outcome.TokensAfter);
            Assert.Equal(1, outcome.Layer); // k = 2: layers 0 and 1 see every token
            Assert.Equal(tiny.InputIds.Length - n + outcome.TokensAfter, sequence.Cache.Length);
        }
    }

    [Fact]
    public void HooksActOnEveryVideoOfThePromptAndNeverOnTheText()
    {
        // Two copies of the fixture's video in one prompt, with text between them.
        VideoSpan span = Span;
        int[] ids = [.. tiny.InputIds[..span.End], .. tiny.InputIds[..5], .. tiny.InputIds[span.Start..]];
        using Tensor embeds = tiny.Backend.Allocate(DType.F32, 2 * span.Length, tiny.Config.Text.HiddenSize);
        tiny.Backend.Copy(tiny.VideoEmbeds, tiny.Backend.SliceRows(embeds, 0, span.Length));
        tiny.Backend.Copy(tiny.VideoEmbeds, tiny.Backend.SliceRows(embeds, span.Length, span.Length));
        var spans = InModelReduction.FindVideos(ids, tiny.Config.VideoTokenId, [Frames, Frames], [[], []]);
        Assert.Equal(2, spans.Count);
        var prompt = new TextPrompt(ids, [tiny.Video, tiny.Video], null, embeds,
            new InModelReduction([Hook("prunevid-stage2(selected_layer=0)")], spans));

        var (sequence, normed, _) = new TextGenerator(tiny.Model).Prefill(prompt, 1);
        using (sequence) using (normed)
        {
            int[] kept = [.. sequence.Reduction!.KeptRows];
            int budget = Frames * (int)Math.Floor(0.4 * (span.Length / Frames));
            foreach (VideoSpan v in spans) Assert.Equal(budget, kept.Count(r => r >= v.Start && r < v.End));
            Assert.Equal(ids.Length - 2 * span.Length + 2 * budget, kept.Length);
        }
    }

    [Fact]
    public void AnImageBeforeTheVideoIsNeverPruned()
    {
        // A 2x2-token image (its features: the first 4 video rows) in the system prompt, then the fixture's video.
        VideoSpan video = Span;
        int imagePad = tiny.Config.ImageTokenId;
        int[] ids = [.. tiny.InputIds[..3], imagePad, imagePad, imagePad, imagePad, .. tiny.InputIds[3..]];
        var image = MediaItem.Image(1, 4, 4, tiny.Config.Vision.SpatialMergeSize);
        Tensor imageEmbeds = tiny.Backend.SliceRows(tiny.VideoEmbeds, 0, 4);
        var spans = InModelReduction.FindVideos(ids, tiny.Config.VideoTokenId, [Frames], [[]]);
        var prompt = new TextPrompt(ids, [image, tiny.Video], imageEmbeds, tiny.VideoEmbeds,
            new InModelReduction([Hook("prunevid-stage2(selected_layer=1)")], spans));

        var (sequence, normed, _) = new TextGenerator(tiny.Model).Prefill(prompt, 1);
        using (sequence) using (normed)
        {
            int[] kept = [.. sequence.Reduction!.KeptRows];
            Assert.Equal([3, 4, 5, 6], kept.Where(r => ids[r] == imagePad));
            Assert.Equal(video.Start + 4, spans[0].Start);
            int budget = Frames * (int)Math.Floor(0.4 * (video.Length / Frames));
            Assert.Equal(ids.Length - video.Length + budget, kept.Length);
        }
    }

    [Fact]
    public void AHookThatDropsTextIsRejected()
    {
        var prompt = WithHooks(new DropRow(0));
        var error = Assert.Throws<InvalidOperationException>(() => new TextGenerator(tiny.Model).Prefill(prompt, 1));
        Assert.Contains("dropped row 0, which is not a video token", error.Message);
    }

    private sealed class DropRow(int row) : ILanguageModelReductionHook
    {
        public string Name => "drop-row";
        public int LayerIndex => 0;
        public HookAttentionInputs Inputs => HookAttentionInputs.None;
        public int[]? Apply(LanguageModelLayerState state) => [.. Enumerable.Range(0, state.SequenceLength).Where(r => r != row)];
    }

    private float[] Host(Tensor t)
    {
        var host = new float[t.Length];
        tiny.Backend.CopyToHost(t, host);
        return host;
    }

    private static float[] Gather(float[] rows, int[] kept, int width) =>
        kept.SelectMany(r => rows.AsSpan(r * width, width).ToArray()).ToArray();
}
