// PruneVid.NET — prefix KV reuse: a prompt that shares a cached prefix prefills only its suffix and decodes exactly as a cold run.
using PruneVid.Compute;
using PruneVid.Kernels;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Runtime.Model.Text;
using PruneVid.Strategies;
using Xunit;

namespace PruneVid.Model.Tests.Text;

public sealed class PrefixCacheTests(TinyTextModel tiny) : IClassFixture<TinyTextModel>
{
    private const int NewTokens = 4;

    [Fact]
    public void AReusedPrefixGivesTheLogitsAndTokensOfAColdRunOnTheCpuBackend() =>
        ReusedPrefixMatchesColdRun(tiny.Model, tiny.InputIds, tiny.Video, tiny.VideoEmbeds);

    [Fact]
    public void AReusedPrefixGivesTheLogitsAndTokensOfAColdRunOnIlgpu()
    {
        var (config, weights, ids, video, features) = tiny.SmallVocabularyVariant();
        using var ilgpu = new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);
        using var model = new TextModel(ilgpu, config, weights);
        using Tensor embeds = ilgpu.FromF32(features, features.Length / config.Text.HiddenSize, config.Text.HiddenSize);
        ReusedPrefixMatchesColdRun(model, ids, video, embeds);
    }

    /// <summary>
    /// Asks a first question (a miss that fills the cache), then a follow-up with another suffix (a hit), and
    /// compares the follow-up's every logits row and token with a generator that has no cache.
    /// </summary>
    private static void ReusedPrefixMatchesColdRun(TextModel model, int[] ids, MediaItem video, Tensor embeds)
    {
        int prefix = PrefixCache.PrefixLength(ids, model.Placeholders);
        Assert.InRange(prefix, 2, ids.Length - 3);
        int[] followUp = FollowUp(ids, prefix);
        var cold = new TextGenerator(model);
        using var prefixes = new PrefixCache(64L << 20);
        var warm = new TextGenerator(model) { Prefixes = prefixes };

        var (expected, expectedLogits) = Run(cold, new TextPrompt(followUp, [video], null, embeds));
        var (first, _) = Run(warm, new TextPrompt(ids, [video], null, embeds));
        Assert.Equal(0, first.ReusedPrefix);
        Assert.Equal((0L, 1L, 1), (prefixes.Hits, prefixes.Misses, prefixes.Count));
        var (actual, actualLogits) = Run(warm, new TextPrompt(followUp, [video], null, embeds));
        Assert.Equal(prefix, actual.ReusedPrefix);
        Assert.Equal(1, prefixes.Hits);

        Assert.Equal(expected.Tokens, actual.Tokens);
        Assert.Equal(expectedLogits.Count, actualLogits.Count);
        for (int s = 0; s < expectedLogits.Count; s++) Assert.Equal(expectedLogits[s], actualLogits[s]);
    }

    [Fact]
    public void OtherVideoFeaturesMissAndInModelHooksNeitherUseNorFillTheCache()
    {
        using var prefixes = new PrefixCache(64L << 20);
        var warm = new TextGenerator(tiny.Model) { Prefixes = prefixes };
        Run(warm, tiny.Prompt);
        var b = tiny.Backend;
        var host = new float[tiny.VideoEmbeds.Length];
        b.CopyToHost(tiny.VideoEmbeds, host);
        host[0] += 1f;
        using Tensor other = b.FromF32(host, tiny.VideoEmbeds.Rows, tiny.VideoEmbeds.RowLength);
        var (result, _) = Run(warm, new TextPrompt(tiny.InputIds, [tiny.Video], null, other));
        Assert.Equal(0, result.ReusedPrefix);
        Assert.Equal((0L, 2L, 2), (prefixes.Hits, prefixes.Misses, prefixes.Count));

        var (hooked, _) = Run(warm, tiny.Prompt with { Reduction = FastVHook() });
        Assert.Equal(0, hooked.ReusedPrefix);
        Assert.Equal((0L, 2L, 2), (prefixes.Hits, prefixes.Misses, prefixes.Count));
    }

    [Fact]
    public void TheLeastRecentlyUsedPrefixIsEvictedWhenTheBytesRunOut()
    {
        int prefix = PrefixCache.PrefixLength(tiny.InputIds, tiny.Model.Placeholders);
        long oneEntry = 2L * tiny.Model.Config.NumHiddenLayers * prefix * tiny.Model.Config.KeyValueSize * sizeof(float);
        using var prefixes = new PrefixCache(oneEntry + oneEntry / 2);
        var warm = new TextGenerator(tiny.Model) { Prefixes = prefixes };
        var b = tiny.Backend;
        var host = new float[tiny.VideoEmbeds.Length];
        b.CopyToHost(tiny.VideoEmbeds, host);
        host[0] += 1f;
        using Tensor other = b.FromF32(host, tiny.VideoEmbeds.Rows, tiny.VideoEmbeds.RowLength);

        Run(warm, tiny.Prompt);                                                      // miss: A kept
        Run(warm, new TextPrompt(tiny.InputIds, [tiny.Video], null, other));         // miss: B evicts A
        Assert.Equal((1, oneEntry), (prefixes.Count, prefixes.BytesHeld));
        var (again, _) = Run(warm, tiny.Prompt);                                     // A again: a miss
        Assert.Equal(0, again.ReusedPrefix);
        var (hit, _) = Run(warm, tiny.Prompt);
        Assert.Equal(prefix, hit.ReusedPrefix);
    }

    private static int[] FollowUp(int[] ids, int prefix)
    {
        // Another question: the suffix's first two text tokens swapped and one more token before the end.
        int[] result = [.. ids[..prefix], ids[prefix + 1], ids[prefix], .. ids[(prefix + 2)..^1], ids[prefix], ids[^1]];
        Assert.NotEqual(ids, result);
        return result;
    }

    private static (GenerationResult Result, List<float[]> Logits) Run(TextGenerator generator, TextPrompt prompt)
    {
        var logits = new List<float[]>();
        var result = generator.Generate(prompt, new SamplingOptions { MaxNewTokens = NewTokens, EosTokenIds = [] }, onToken: null,
            stopRequested: null, onLogits: row => logits.Add((float[])row.Clone()));
        return (result, logits);
    }

    private InModelReduction FastVHook()
    {
        var context = new ReductionContext(new ReducerModelInfo(tiny.Config.Text.HiddenSize, tiny.Config.Text.NumHiddenLayers), null);
        var hook = ((ILanguageModelReducer)TokenReducerRegistry.Create("fastv(k=1,ratio=0.5)")).CreateHook(context);
        return new InModelReduction([hook], InModelReduction.FindVideos(tiny.InputIds, tiny.Config.VideoTokenId, [tiny.Video.Grid!.Value.T], [[]]));
    }
}
