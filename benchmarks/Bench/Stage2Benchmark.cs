// PruneVid.NET — PruneVid Stage 2 benchmark: the scoring op and prefill with and without the in-model selection.
using System.Globalization;
using System.Text.RegularExpressions;
using PruneVid.Compute;
using PruneVid.Kernels;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model.Text;
using PruneVid.Runtime.Pipeline;
using PruneVid.Strategies;

namespace PruneVid.Bench;

/// <summary>
/// <c>bench stage2 [--layers 4] [--selected-layer 1] [--steps 2] [--grid 12] [--alpha 0.4] [--device cpu] [--iterations 1]</c>:
/// a language model with Qwen2.5-VL-3B's layer shape (hidden 2048, 16 heads, 2 KV heads, head dim 128, MLP 11008) and
/// few layers, seeded random bf16 weights and random video embeddings (outputs are meaningless; only time counts).
/// Times (1) the Stage-2 scoring op alone — the rows after the video against the video columns, official variant —
/// and (2) the prefill of the same prompt without and with Stage 2 after <c>--selected-layer</c>; the prefill without
/// Stage 2 is the anchor, so the ratio is measured in the same run. Best of <c>--iterations</c> after a warm-up.
/// </summary>
public static class Stage2Benchmark
{
    public static int Run(string[] args)
    {
        int layers = BenchOptions.Int(args, "--layers", 4), selected = BenchOptions.Int(args, "--selected-layer", 1);
        int steps = BenchOptions.Int(args, "--steps", 2), side = BenchOptions.Int(args, "--grid", 12), iterations = BenchOptions.Int(args, "--iterations", 1);
        double alpha = double.Parse(BenchOptions.Text(args, "--alpha") ?? "0.4", CultureInfo.InvariantCulture);
        var device = BackendFactory.Parse(BenchOptions.Text(args, "--device") ?? "cpu");

        // The 3B config with fewer layers and a tiny vision tower (never run: the video embeddings are random).
        string json = Regex.Replace(SyntheticModel.ConfigJson("3b"), "\"num_hidden_layers\": \\d+", $"\"num_hidden_layers\": {layers}");
        json = Regex.Replace(json, "\"depth\": 32, \"hidden_act\": \"silu\", \"hidden_size\": 1280, \"intermediate_size\": 3420,\\s*\"num_heads\": 16",
            "\"depth\": 2, \"hidden_act\": \"silu\", \"hidden_size\": 64, \"intermediate_size\": 128, \"num_heads\": 4");
        json = json.Replace("\"fullatt_block_indexes\": [7,15,23,31]", "\"fullatt_block_indexes\": [1]");
        var config = Qwen25VLConfig.Parse(json, "synthetic 3b-layer");
        using var weights = SyntheticModel.RandomWeights(config, seed: 1);
        using ComputeBackend backend = BackendFactory.Create(device);
        using var text = new TextModel(backend, config, weights);
        var t = config.Text;

        int videoTokens = steps * side * side;
        int[] prefix = [151644, 8948, 198, 2610, 525, 264, 10950, 17847, 13, 151645, 198, 151644, 872, 198, config.VisionStartTokenId];
        int[] suffix = [config.VisionEndTokenId, 3838, 374, 12482, 304, 419, 2766, 30, 151645, 198, 151644, 77091, 198];
        int[] ids = [.. prefix, .. Enumerable.Repeat(config.VideoTokenId, videoTokens), .. suffix];
        var rng = new Random(2);
        float[] embedData = new float[(long)videoTokens * t.HiddenSize];
        for (long i = 0; i < embedData.LongLength; i++) embedData[i] = (float)(rng.NextDouble() * 2 - 1);
        using Tensor embeds = backend.FromF32(embedData, videoTokens, t.HiddenSize);
        var media = MediaItem.Video(steps, 2 * side, 2 * side, 2, 1.0, config.Vision.TokensPerSecond);
        var spans = InModelReduction.FindVideos(ids, config.VideoTokenId, [steps], [[]]);
        var context = new ReductionContext(new ReducerModelInfo(t.HiddenSize, layers));
        var hook = ((ILanguageModelReducer)TokenReducerRegistry.Create($"prunevid-stage2(alpha={alpha.ToString(CultureInfo.InvariantCulture)},selected_layer={selected})")).CreateHook(context);
        Console.WriteLine($"Stage 2 benchmark on {backend.Name} ({Environment.ProcessorCount} cores): 3B layer shape (hidden {t.HiddenSize}, {t.NumAttentionHeads}/{t.NumKeyValueHeads} heads x {t.HeadDim}), " +
                          $"{layers} layers, Stage 2 after layer {hook.LayerIndex}, alpha {alpha}; prompt {ids.Length} tokens ({videoTokens} video)");

        // (1) The scoring op: random pre-RoPE projections of the prompt, rows after the video, video columns.
        var shape = AttentionShape.Create(t.NumAttentionHeads, t.NumKeyValueHeads, t.HeadDim);
        using Tensor q = backend.FromF32(Random(ids.Length * t.QuerySize, 3), ids.Length, t.QuerySize);
        using Tensor k = backend.FromF32(Random(ids.Length * t.KeyValueSize, 4), ids.Length, t.KeyValueSize);
        using Tensor scores = backend.Allocate(DType.F32, videoTokens);
        var request = new AttentionScoreRequest(spans[0].End, ids.Length - spans[0].End, spans[0].Start, videoTokens, Causal: false);
        double scoreMs = ModelBenchmark.Time(backend, Math.Max(3, iterations), () => backend.Reduction.AttentionScores(q, k, shape, request, scores));

        // (2) Prefill without and with Stage 2.
        var generator = new TextGenerator(text);
        int kept = 0;
        double Prefill(InModelReduction? reduction) => ModelBenchmark.Time(backend, iterations, () =>
        {
            var (sequence, normed, _) = generator.Prefill(new TextPrompt(ids, [media], VideoEmbeds: embeds, Reduction: reduction), 1);
            kept = sequence.Cache.Length;
            normed.Dispose();
            sequence.Dispose();
        });
        double plainMs = Prefill(null);
        double stage2Ms = Prefill(new InModelReduction([hook], spans));

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  scoring op ({request.RowCount} rows x {videoTokens} video columns, softmax over {ids.Length} keys): {scoreMs:F2} ms ({scoreMs / plainMs * 100:F2}% of the plain prefill)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  prefill without Stage 2 (anchor): {plainMs:F0} ms, {ids.Length} rows in every layer"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  prefill with Stage 2:              {stage2Ms:F0} ms, {kept} rows after layer {hook.LayerIndex} — {plainMs / stage2Ms:F2}x the anchor"));
        return 0;
    }

    private static float[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
        return values;
    }
}
