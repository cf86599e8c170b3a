// PruneVid.NET — language model tests: the bf16 KV cache (rows rounded from the f32 projections).
using PruneVid.Compute;
using PruneVid.Kernels;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Runtime.Model.Text;
using PruneVid.Strategies;
using PruneVid.Tools.Parity;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Model.Tests.Text;

/// <summary>
/// The BF16 KV cache: what it stores, how reducers and prefix reuse treat it, and the model's decode on ILGPU with it
/// against the Cpu backend (with the same bf16 cache: the same numbers; with the f32 cache: within bf16 rounding).
/// </summary>
public sealed class Bf16KvCacheTests(TinyTextModel tiny, ITestOutputHelper output) : IClassFixture<TinyTextModel>
{
    private const int NewTokens = 4;

    [Fact]
    public void PendingRowsAreWrittenInF32AndStoredRoundedToBf16()
    {
        var backend = new CpuBackend();
        using var cache = new KvCache(backend, layers: 2, kvWidth: 3, capacity: 8, DType.BF16);
        float[] keys = [1.00390625f, 1.01171875f, -2.5f, 1e-3f, 3.14159f, -0f]; // two ties to even, then plain values
        for (int l = 0; l < 2; l++)
        {
            Tensor pending = cache.PendingKeys(l, 2);
            Assert.Equal(DType.F32, pending.DType);
            backend.CopyFromHost(keys.Select(x => x + l).ToArray(), pending);
            backend.CopyFromHost(keys.Select(x => -x).ToArray(), cache.PendingValues(l, 2));
            cache.StorePending(l, 2);
        }
        cache.Commit(2);
        Assert.Equal(DType.BF16, cache.Keys(0).DType);
        Assert.Equal(keys.Select(x => Bf16.ToSingle(Bf16.FromSingle(x))), Host(backend, cache.Keys(0)));
        Assert.Equal(keys.Select(x => Bf16.ToSingle(Bf16.FromSingle(x + 1))), Host(backend, cache.Keys(1)));
        Assert.Equal(keys.Select(x => Bf16.ToSingle(Bf16.FromSingle(-x))), Host(backend, cache.Values(1)));
        Assert.Equal(1f, Host(backend, cache.Keys(0))[0]);     // 1 + 2⁻⁸: a tie, rounded to the even 1
        Assert.Equal(1.015625f, Host(backend, cache.Keys(0))[1]); // 1 + 3·2⁻⁸: a tie, rounded up to the even 1 + 2⁻⁶
        Assert.Equal(2L * 2 * 2 * 3 * sizeof(ushort), cache.Bytes(2));

        // Prefix copies keep the dtype; a cache of another dtype cannot take the rows.
        using KvCache copy = cache.CopyPrefix(1);
        Assert.Equal(DType.BF16, copy.DType);
        Assert.Equal(Host(backend, cache.Keys(1))[..3], Host(backend, copy.Keys(1)));
        using var f32 = new KvCache(backend, 2, 3, 8);
        Assert.Contains("holds BF16 rows", Assert.Throws<ArgumentException>(() => f32.Append(cache, 1)).Message);
        Assert.Throws<ArgumentException>(() => new KvCache(backend, 2, 3, 8, DType.I32));
    }

    [Fact]
    public void KeepPendingCompactsTheBf16RowsOfTheLayersThatWroteThem()
    {
        var backend = new CpuBackend();
        using var cache = new KvCache(backend, layers: 2, kvWidth: 3, capacity: 8, DType.BF16);
        for (int l = 0; l < 2; l++)
        {
            backend.CopyFromHost(Enumerable.Range(0, 15).Select(i => (float)(100 * l + i)).ToArray(), cache.PendingKeys(l, 5));
            backend.CopyFromHost(Enumerable.Range(0, 15).Select(i => (float)(-100 * l - i)).ToArray(), cache.PendingValues(l, 5));
            cache.StorePending(l, 5);
        }
        cache.KeepPending(5, [1, 3, 4], throughLayer: 0);
        cache.Commit(3);
        Assert.Equal(new float[] { 3, 4, 5, 9, 10, 11, 12, 13, 14 }, Host(backend, cache.Keys(0)));
        Assert.Equal(new float[] { -3, -4, -5, -9, -10, -11, -12, -13, -14 }, Host(backend, cache.Values(0)));
        Assert.Equal(Enumerable.Range(0, 9).Select(i => (float)(100 + i)), Host(backend, cache.Keys(1)));
    }

    [Fact]
    public void DecodeOnIlgpuWithABf16CacheMatchesTheCpuBackend()
    {
        var (config, weights, ids, video, features) = tiny.SmallVocabularyVariant();
        using var cpuF32 = new TextModel(tiny.Backend, config, weights);
        using var cpuBf16 = new TextModel(tiny.Backend, config, weights) { KvCacheDType = DType.BF16 };
        using var ilgpu = new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);
        using var model = new TextModel(ilgpu, config, weights) { KvCacheDType = DType.BF16 };
        Assert.Equal(DType.F32, cpuF32.KvCacheDType); // neither the Cpu backend nor the CPU accelerator prefers bf16
        Assert.Equal(DType.F32, ilgpu.PreferredKvCacheDType);

        var (tokens, logits) = Run(model, ids, video, features);
        var (sameTokens, sameLogits) = Run(cpuBf16, ids, video, features);
        var (f32Tokens, f32Logits) = Run(cpuF32, ids, video, features);
        output.WriteLine($"greedy tokens: ilgpu bf16 [{string.Join(",", tokens)}], cpu bf16 [{string.Join(",", sameTokens)}], cpu f32 [{string.Join(",", f32Tokens)}]");

        // Same bf16 rows on both backends: only the f32 summation order differs (the bound of the f32 ILGPU parity test).
        Assert.Equal(sameTokens, tokens);
        for (int s = 0; s < logits.Count; s++)
        {
            double maxAbs = TensorComparison.MaxAbsError(sameLogits[s], logits[s]), cosine = TensorComparison.Cosine(sameLogits[s], logits[s]);
            output.WriteLine($"step {s} vs cpu bf16: max abs {maxAbs:E2}, cosine {cosine:F8}");
            Assert.True(maxAbs <= 1e-4 && cosine >= 0.999999, $"step {s}: max abs {maxAbs}, cosine {cosine}");
        }
        // Against the f32 cache: keys and values carry bf16's 2⁻⁹ relative rounding into the attention.
        Assert.Equal(f32Tokens, tokens);
        for (int s = 0; s < logits.Count; s++)
        {
            double maxAbs = TensorComparison.MaxAbsError(f32Logits[s], logits[s]), cosine = TensorComparison.Cosine(f32Logits[s], logits[s]);
            output.WriteLine($"step {s} vs cpu f32: max abs {maxAbs:E2}, cosine {cosine:F8}");
            Assert.True(maxAbs <= Bf16LogitsMaxAbs && cosine >= 0.99999, $"step {s}: max abs {maxAbs}, cosine {cosine}");
        }
    }

    /// <summary>
    /// Largest logit difference a bf16 cache may make on the tiny model (3 layers): measured 1.5–2.0·10⁻² over the
    /// four steps (cosine ≥ 0.9999995), bounded at 2.5× that, well above the 10⁻⁴ of a summation-order difference.
    /// </summary>
    private const double Bf16LogitsMaxAbs = 5e-2;

    [Fact]
    public void AReusedBf16PrefixDecodesExactlyAsAColdRunOnIlgpu()
    {
        var (config, weights, ids, video, features) = tiny.SmallVocabularyVariant();
        using var ilgpu = new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);
        using var model = new TextModel(ilgpu, config, weights) { KvCacheDType = DType.BF16 };
        using Tensor embeds = ilgpu.FromF32(features, features.Length / config.Text.HiddenSize, config.Text.HiddenSize);
        int prefix = PrefixCache.PrefixLength(ids, model.Placeholders);
        int[] followUp = [.. ids[..prefix], ids[prefix + 1], ids[prefix], .. ids[(prefix + 2)..]];
        using var prefixes = new PrefixCache(64L << 20);
        var warm = new TextGenerator(model) { Prefixes = prefixes };
        var (expected, expectedLogits) = Generate(new TextGenerator(model), new TextPrompt(followUp, [video], null, embeds));
        Generate(warm, new TextPrompt(ids, [video], null, embeds));
        var (actual, actualLogits) = Generate(warm, new TextPrompt(followUp, [video], null, embeds));
        Assert.Equal(prefix, actual.ReusedPrefix);
        Assert.Equal(2L * config.Text.NumHiddenLayers * prefix * config.Text.KeyValueSize * sizeof(ushort), prefixes.BytesHeld); // 2 bytes a value
        Assert.Equal(expected.Tokens, actual.Tokens);
        for (int s = 0; s < expectedLogits.Count; s++) Assert.Equal(expectedLogits[s], actualLogits[s]);
    }

    [Fact]
    public void FastVPrunesABf16CacheAndDecodingContinues()
    {
        using var model = new TextModel(tiny.Backend, tiny.Config, tiny.Weights) { KvCacheDType = DType.BF16 };
        var generator = new TextGenerator(model);
        ILanguageModelReductionHook hook = FastV();
        var reduction = new InModelReduction([hook], InModelReduction.FindVideos(tiny.InputIds, tiny.Config.VideoTokenId, [tiny.Video.Grid!.Value.T], [[]]));
        var (full, fullNormed, _) = generator.Prefill(tiny.Prompt, NewTokens);
        var (pruned, prunedNormed, _) = generator.Prefill(tiny.Prompt with { Reduction = reduction }, NewTokens);
        using (full) using (pruned) using (fullNormed) using (prunedNormed)
        {
            int[] kept = [.. pruned.Reduction!.KeptRows];
            Assert.True(kept.Length < full.Cache.Length);
            Assert.Equal(kept.Length, pruned.Cache.Length);
            int width = tiny.Config.Text.KeyValueSize;
            // The layers up to the hook's hold the unpruned run's bf16 rows, gathered.
            for (int layer = 0; layer <= hook.LayerIndex; layer++)
            {
                float[] rows = Host(tiny.Backend, full.Cache.Keys(layer));
                Assert.Equal(kept.SelectMany(r => rows.AsSpan(r * width, width).ToArray()), Host(tiny.Backend, pruned.Cache.Keys(layer)));
            }
            Assert.NotEmpty(generator.Decode(pruned, prunedNormed, new SamplingOptions { MaxNewTokens = 2 }).ToList());
        }
    }

    private ILanguageModelReductionHook FastV()
    {
        var context = new ReductionContext(new ReducerModelInfo(tiny.Config.Text.HiddenSize, tiny.Config.Text.NumHiddenLayers), null);
        return ((ILanguageModelReducer)TokenReducerRegistry.Create("fastv(k=1,ratio=0.5)")).CreateHook(context);
    }

    private static (int[] Tokens, List<float[]> Logits) Run(TextModel model, int[] ids, MediaItem video, float[] features)
    {
        using Tensor embeds = model.Backend.FromF32(features, features.Length / model.Config.HiddenSize, model.Config.HiddenSize);
        var (result, logits) = Generate(new TextGenerator(model), new TextPrompt(ids, [video], null, embeds));
        return ([.. result.Tokens], logits);
    }

    private static (GenerationResult Result, List<float[]> Logits) Generate(TextGenerator generator, TextPrompt prompt)
    {
        var logits = new List<float[]>();
        var result = generator.Generate(prompt, new SamplingOptions { MaxNewTokens = NewTokens, EosTokenIds = [] }, onToken: null,
            stopRequested: null, onLogits: row => logits.Add((float[])row.Clone()));
        return (result, logits);
    }

    /// <summary>A tensor's values as f32 on the host (bf16 widened first).</summary>
    private static float[] Host(ComputeBackend b, Tensor t)
    {
        var host = new float[t.Length];
        if (t.DType == DType.F32) b.CopyToHost(t, host);
        else
        {
            using Tensor wide = b.Allocate(DType.F32, t.Rows, t.RowLength);
            b.ConvertToF32(t, wide);
            b.CopyToHost(wide, host);
        }
        return host;
    }
}
