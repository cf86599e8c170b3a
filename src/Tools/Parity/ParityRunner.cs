// PruneVid.NET — parity against reference activations.
using System.Diagnostics;
using System.Text.Json;
using PruneVid.Compute;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model.Text;

namespace PruneVid.Tools.Parity;

/// <summary>
/// Runs the model on the inputs stored in a reference file (<c>input_ids</c>, <c>pixel_values_videos</c> +
/// <c>video_grid_thw</c>, or <c>pixel_values</c> + <c>image_grid_thw</c>) and compares every named tensor the file
/// holds: <c>vision.patch_embed</c>, <c>vision.block{i}</c>, <c>video_embeds</c>, <c>position_ids</c>,
/// <c>rope_deltas</c>, <c>text.hidden{i}</c>, <c>logits_last8</c>, <c>logits_argmax</c>, <c>greedy_new_tokens</c>.
/// Everything model-specific (special ids, widths, tied or untied head) comes from the model's config.
/// </summary>
public static class ParityRunner
{
    /// <summary>The file beside the reference tensors that may hold <c>second_per_grid_ts</c>.</summary>
    public const string ReferenceJsonName = "reference.json";

    /// <summary>Loads the model from <paramref name="modelDir"/> onto <paramref name="backend"/> and compares.</summary>
    public static ParityReport Run(ComputeBackend backend, string modelDir, string referencePath, ParityOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        options ??= new ParityOptions();
        Qwen25VLConfig config = Qwen25VLConfig.Load(modelDir);
        using CheckpointWeights weights = CheckpointWeights.Open(modelDir, config);
        using SafeTensorsFile reference = SafeTensorsFile.Open(referencePath);
        IReadOnlyList<double> secondsPerGrid = options.SecondsPerGrid ?? ReadSecondsPerGrid(referencePath);
        using IVisionStage? vision = options.CreateVision?.Invoke(backend, config, weights);
        using var model = new TextModel(backend, config, weights);
        return Compare(model, config, vision, reference, secondsPerGrid, options);
    }

    /// <summary>Compares with an already loaded model (tests reuse one model for several runs).</summary>
    public static ParityReport Compare(TextModel model, Qwen25VLConfig config, IVisionStage? vision, SafeTensorsFile reference,
        IReadOnlyList<double> secondsPerGrid, ParityOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(reference);
        var b = model.Backend;
        var tol = options.Tolerances;
        var results = new List<ParityResult>();
        var skipped = new List<string>();
        void Report(ParityResult result)
        {
            results.Add(result);
            options.OnResult?.Invoke(result);
        }
        bool Has(string name) => reference.Tensors.ContainsKey(name);

        // Named intermediates are copied to the host as they appear (a tensor is only valid during the callback).
        var observed = new Dictionary<string, float[]>(StringComparer.Ordinal);
        void Observe(string name, Tensor t)
        {
            if (!Has(name)) return;
            var host = new float[t.Length];
            b.CopyToHost(t, host);
            observed[name] = host;
        }

        var stopwatch = Stopwatch.StartNew();
        int[] ids = ToInt(reference.ReadI64(Require(reference, "input_ids")));
        var media = new List<MediaItem>();
        Tensor? imageEmbeds = null, videoEmbeds = null;
        try
        {
            var imageGrids = Grids(reference, "image_grid_thw");
            var videoGrids = Grids(reference, "video_grid_thw");
            int merge = config.Vision.SpatialMergeSize;
            media.AddRange(imageGrids.Select(g => MediaItem.Image(g.T, g.H, g.W, merge)));
            for (int v = 0; v < videoGrids.Count; v++)
            {
                double spg = secondsPerGrid.Count == 0 ? 1.0 : secondsPerGrid[Math.Min(v, secondsPerGrid.Count - 1)];
                var g = videoGrids[v];
                media.Add(MediaItem.Video(g.T, g.H, g.W, merge, spg, config.Vision.TokensPerSecond));
            }

            imageEmbeds = VisionFeatures(b, reference, vision, "pixel_values", imageGrids, "image_embeds", null, skipped);
            videoEmbeds = VisionFeatures(b, reference, vision, "pixel_values_videos", videoGrids, "video_embeds", Observe, skipped);
            foreach (string name in VisionOrder(observed.Keys)) Report(CompareFloat(reference, name, observed[name], tol.VisionMaxAbs, tol.MinCosine));
            if (Has("video_embeds") && observed.ContainsKey("video_embeds"))
                Report(CompareFloat(reference, "video_embeds", observed["video_embeds"], tol.VisionMaxAbs, tol.MinCosine));

            int greedyCount = Has("greedy_new_tokens") ? checked((int)reference.Tensors["greedy_new_tokens"].ElementCount) : 0;
            var generator = new TextGenerator(model);
            var (sequence, normed, positions) = generator.Prefill(new TextPrompt(ids, media, imageEmbeds, videoEmbeds), greedyCount, Observe);
            using (sequence)
            using (normed)
            {
                if (Has("position_ids")) Report(CompareIds(reference, "position_ids", positions.Values.Select(p => (long)p).ToArray(), 1.0));
                if (Has("rope_deltas")) Report(CompareIds(reference, "rope_deltas", [positions.RopeDelta], 1.0));
                for (int i = 0; observed.ContainsKey($"text.hidden{i}"); i++)
                    Report(CompareFloat(reference, $"text.hidden{i}", observed[$"text.hidden{i}"], tol.HiddenMaxAbs, tol.MinCosine));
                foreach (string name in reference.Tensors.Keys.Where(n => n.StartsWith("text.hidden", StringComparison.Ordinal) && !observed.ContainsKey(n)))
                    Report(new ParityResult(name, false, double.NaN, double.NaN, double.NaN, "the model produced no such tensor (layer count differs?)"));

                if (Has("logits_last8")) Report(CompareLastLogits(model, normed, reference, "logits_last8", tol));
                if (Has("logits_argmax"))
                {
                    if (options.CompareAllPositionArgMax)
                        Report(CompareIds(reference, "logits_argmax", model.ArgMaxTokens(normed).Select(t => (long)t).ToArray(), tol.ArgMaxAgreement));
                    else skipped.Add("logits_argmax");
                }
                if (greedyCount > 0)
                    Report(CompareIds(reference, "greedy_new_tokens", Greedy(generator, sequence, normed, greedyCount, config.EosTokenIds), 1.0));
            }
        }
        finally
        {
            imageEmbeds?.Dispose();
            videoEmbeds?.Dispose();
        }
        return new ParityReport(results, stopwatch.Elapsed) { Skipped = skipped };
    }

    /// <summary><c>second_per_grid_ts</c> from <c>reference.json</c> beside the file (a number or a list); [] when absent (1.0 each).</summary>
    public static IReadOnlyList<double> ReadSecondsPerGrid(string referencePath)
    {
        string json = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(referencePath)) ?? ".", ReferenceJsonName);
        if (!File.Exists(json)) return [];
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
        if (!doc.RootElement.TryGetProperty("second_per_grid_ts", out JsonElement spg)) return [];
        return spg.ValueKind switch
        {
            JsonValueKind.Number => [spg.GetDouble()],
            JsonValueKind.Array => spg.EnumerateArray().Select(e => e.GetDouble()).ToArray(),
            _ => throw new InvalidDataException($"{json}: second_per_grid_ts must be a number or a list of numbers"),
        };
    }

    /// <summary>Greedy continuation through the generator's decode loop, the path users' greedy decoding takes.</summary>
    private static long[] Greedy(TextGenerator generator, TextSequence sequence, Tensor prefillNormed, int count, IReadOnlyList<int> eos)
    {
        var greedy = new SamplingOptions { MaxNewTokens = count, EosTokenIds = eos };
        return [.. generator.Decode(sequence, prefillNormed, greedy).Select(t => (long)t.Token)];
    }

    private static ParityResult CompareLastLogits(TextModel model, Tensor normed, SafeTensorsFile reference, string name, ParityTolerances tol)
    {
        float[] expected = reference.ReadF32(name);
        int vocab = model.Config.VocabSize;
        int rows = expected.Length / vocab;
        if (expected.Length % vocab != 0 || rows > normed.Rows)
            return new ParityResult(name, false, double.NaN, double.NaN, double.NaN, $"reference has {expected.Length} values, not rows of vocab {vocab} within {normed.Rows} positions");
        using Tensor logits = model.Logits(model.Backend.SliceRows(normed, normed.Rows - rows, rows));
        var actual = new float[logits.Length];
        model.Backend.CopyToHost(logits, actual);
        double maxAbs = TensorComparison.MaxAbsError(expected, actual), cosine = TensorComparison.Cosine(expected, actual);
        double agree = TensorComparison.MatchFraction(TensorComparison.RowArgMax(expected, vocab), TensorComparison.RowArgMax(actual, vocab));
        bool pass = maxAbs <= tol.LogitsMaxAbs && cosine >= tol.MinCosine && agree == 1.0;
        return new ParityResult(name, pass, maxAbs, cosine, double.NaN,
            $"max_abs ≤ {tol.LogitsMaxAbs:G3}, cosine ≥ {tol.MinCosine}, argmax equal in {agree:P0} of rows (need all)");
    }

    private static ParityResult CompareFloat(SafeTensorsFile reference, string name, float[] actual, double maxAbsBound, double minCosine)
    {
        float[] expected = reference.ReadF32(name);
        if (expected.Length != actual.Length)
            return new ParityResult(name, false, double.NaN, double.NaN, double.NaN, $"reference has {expected.Length} values, ours {actual.Length}");
        double maxAbs = TensorComparison.MaxAbsError(expected, actual), cosine = TensorComparison.Cosine(expected, actual);
        return new ParityResult(name, maxAbs <= maxAbsBound && cosine >= minCosine, maxAbs, cosine, double.NaN, $"max_abs ≤ {maxAbsBound:G3}, cosine ≥ {minCosine}");
    }

    private static ParityResult CompareIds(SafeTensorsFile reference, string name, long[] actual, double minFraction)
    {
        long[] expected = reference.ReadI64(name);
        if (expected.Length != actual.Length)
            return new ParityResult(name, false, double.NaN, double.NaN, 0, $"reference has {expected.Length} ids, ours {actual.Length}: [{string.Join(",", actual.Take(16))}]");
        double fraction = TensorComparison.MatchFraction(expected, actual);
        string bound = minFraction >= 1.0 ? "must be identical" : $"≥ {minFraction:P0} equal";
        if (fraction < 1.0 && expected.Length <= 32) bound += $"; reference [{string.Join(",", expected)}] ours [{string.Join(",", actual)}]";
        return new ParityResult(name, fraction >= minFraction, double.NaN, double.NaN, fraction, bound);
    }

    private static Tensor? VisionFeatures(ComputeBackend b, SafeTensorsFile reference, IVisionStage? vision, string pixelsName,
        IReadOnlyList<(int T, int H, int W)> grids, string embedsName, Action<string, Tensor>? observe, List<string> skipped)
    {
        if (grids.Count == 0) return null;
        if (vision is not null && reference.Tensors.TryGetValue(pixelsName, out var info))
        {
            using Tensor pixels = b.FromF32(reference.ReadF32(pixelsName), (int)info.Shape[0], (int)info.Shape[1]);
            return vision.Encode(pixels, grids, observe, embedsName);
        }
        if (!reference.Tensors.TryGetValue(embedsName, out var embeds))
            throw new InvalidDataException($"{reference.FilePath}: has grids for {embedsName} but neither a vision tower to run nor '{embedsName}'");
        skipped.AddRange(reference.Tensors.Keys.Where(n => n.StartsWith("vision.", StringComparison.Ordinal) || (vision is null && n == embedsName)));
        return b.FromF32(reference.ReadF32(embedsName), (int)embeds.Shape[0], (int)embeds.Shape[1]);
    }

    private static IReadOnlyList<(int T, int H, int W)> Grids(SafeTensorsFile reference, string name)
    {
        if (!reference.Tensors.ContainsKey(name)) return [];
        long[] g = reference.ReadI64(name);
        if (g.Length % 3 != 0) throw new InvalidDataException($"{reference.FilePath}: '{name}' must be [items, 3]");
        return Enumerable.Range(0, g.Length / 3).Select(i => ((int)g[3 * i], (int)g[3 * i + 1], (int)g[3 * i + 2])).ToArray();
    }

    private static IEnumerable<string> VisionOrder(IEnumerable<string> names)
    {
        var list = names.Where(n => n.StartsWith("vision.", StringComparison.Ordinal)).ToList();
        int Key(string n) => n == "vision.patch_embed" ? -1 : int.TryParse(n.AsSpan("vision.block".Length), out int i) ? i : int.MaxValue;
        return list.OrderBy(Key).ThenBy(n => n, StringComparer.Ordinal);
    }

    private static string Require(SafeTensorsFile file, string name) =>
        file.Tensors.ContainsKey(name) ? name : throw new InvalidDataException($"{file.FilePath}: the reference has no '{name}'");

    private static int[] ToInt(long[] values) => values.Select(v => checked((int)v)).ToArray();
}
