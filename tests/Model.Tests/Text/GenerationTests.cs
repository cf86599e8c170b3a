// PruneVid.NET — language model tests: the decoding loop.
using PruneVid.Runtime.Model.Text;
using Xunit;

namespace PruneVid.Model.Tests.Text;

/// <summary>Greedy generation on the tiny fixture: same tokens as HF, streamed, cancellable, and clear input errors.</summary>
public sealed class GenerationTests(TinyTextModel tiny) : IClassFixture<TinyTextModel>
{
    private int[] ReferenceTokens => tiny.Reference.ReadI64("greedy_new_tokens").Select(v => (int)v).ToArray();

    /// <summary>Greedy with the fixture's length and no stop ids (HF produced exactly these 12).</summary>
    private SamplingOptions Greedy => new() { MaxNewTokens = ReferenceTokens.Length };

    [Fact]
    public void GreedyStreamsTheReferenceContinuation()
    {
        var streamed = new List<int>();
        var result = new TextGenerator(tiny.Model).Generate(tiny.Prompt, Greedy, streamed.Add);
        Assert.Equal(ReferenceTokens, result.Tokens);
        Assert.Equal(ReferenceTokens, streamed);
        Assert.Equal(FinishReason.Length, result.Reason);
        Assert.Equal(tiny.Reference.ReadI64("rope_deltas")[0], result.RopeDelta);
    }

    [Fact]
    public void StopsAtAnEosIdAndIncludesIt()
    {
        int third = ReferenceTokens[2];
        var options = Greedy with { EosTokenIds = [third] };
        var result = new TextGenerator(tiny.Model).Generate(tiny.Prompt, options);
        int firstHit = Array.IndexOf(ReferenceTokens, third);
        Assert.Equal(ReferenceTokens[..(firstHit + 1)], result.Tokens);
        Assert.Equal(FinishReason.Eos, result.Reason);
    }

    [Fact]
    public void CancellationStopsBetweenSteps()
    {
        using var cts = new CancellationTokenSource();
        var seen = new List<int>();
        Assert.ThrowsAny<OperationCanceledException>(() => new TextGenerator(tiny.Model).Generate(tiny.Prompt, Greedy, t =>
        {
            seen.Add(t);
            if (seen.Count == 2) cts.Cancel();
        }, cts.Token));
        Assert.Equal(ReferenceTokens[..2], seen);
    }

    [Fact]
    public void SamplingWithAVanishingTemperatureIsGreedy()
    {
        // generation_config.json of the published checkpoints: do_sample with temperature 1e-6 (≈ greedy).
        var options = Greedy with { DoSample = true, Temperature = 1e-6, TopK = 50, TopP = 1.0, Seed = 1 };
        Assert.Equal(ReferenceTokens, new TextGenerator(tiny.Model).Generate(tiny.Prompt, options).Tokens);
    }

    [Fact]
    public void TokenOutsideTheVocabularyIsRejected()
    {
        int[] ids = [.. tiny.InputIds[..5], tiny.Config.Text.VocabSize + 3];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new TextGenerator(tiny.Model).Prefill(new TextPrompt(ids, []), 1));
        Assert.Contains("vocabulary", e.Message);
    }

    [Fact]
    public void PlaceholderAndEmbeddingCountsMustMatch()
    {
        // One placeholder fewer than the 540 video embeddings: the grid no longer fits, and embeddings would not either.
        int first = Array.IndexOf(tiny.InputIds, tiny.Config.VideoTokenId);
        int[] ids = [.. tiny.InputIds[..first], .. tiny.InputIds[(first + 1)..]];
        var items = new[] { MediaItem.FromOffsets(MediaKind.Video, tiny.Video.Offsets[1..].ToArray()) };
        var e = Assert.Throws<ArgumentException>(() => new TextGenerator(tiny.Model).Prefill(new TextPrompt(ids, items, null, tiny.VideoEmbeds), 1));
        Assert.Contains("539 video placeholder tokens but 540 video embeddings", e.Message);
    }

    [Fact]
    public void PromptLongerThanTheModelPositionsIsRejected()
    {
        int[] ids = Enumerable.Repeat(100, tiny.Config.Text.MaxPositionEmbeddings + 1).ToArray();
        var e = Assert.Throws<ArgumentException>(() => new TextGenerator(tiny.Model).Prefill(new TextPrompt(ids, []), 1));
        Assert.Contains("max_position_embeddings", e.Message);
    }
}
