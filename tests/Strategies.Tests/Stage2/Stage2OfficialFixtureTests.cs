// PruneVid.NET — PruneVid Stage 2 tests.
using System.Globalization;
using PruneVid.Compute;
using PruneVid.Kernels;
using PruneVid.Kernels.Cpu;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Model.Text;
using PruneVid.Strategies.Stage2;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Strategies.Tests.Stage2;

/// <summary>
/// Stage 2 against the official <c>VTPWindowCache.process_attention</c> + <c>prompt_prefill</c> outputs. The cases come
/// from the folder named by PRUNEVID_STAGE2_CASES (default: the prunevid-stage2-official fixture folder).
/// </summary>
public sealed class Stage2OfficialFixtureTests(ITestOutputHelper output)
{
    private const float ScoreTolerance = 1e-5f;

    private static string CaseFolder =>
        Environment.GetEnvironmentVariable("PRUNEVID_STAGE2_CASES") is { Length: > 0 } folder ? folder : FixturePaths.Get("prunevid-stage2-official");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.GetFiles(CaseFolder, "prunevid-stage2-*.safetensors").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(path));
        return data;
    }

    [Fact]
    public void CaseFolderHoldsStage2Cases() => Assert.NotEmpty(Cases());

    [Theory]
    [MemberData(nameof(Cases))]
    public void Stage2ReproducesTheOfficialSelection(string file)
    {
        using var st = SafeTensorsFile.Open(Path.Combine(CaseFolder, file));
        int heads = Meta(st, "heads"), kvHeads = Meta(st, "kv_heads"), headDim = Meta(st, "head_dim"), videoStart = Meta(st, "video_start");
        double alpha = double.Parse(st.Metadata["alpha"], CultureInfo.InvariantCulture);
        int[] ids = Ints(st, "input_ids");
        int videoTokens = ids.Count(id => id == Meta(st, "video_token_id"));
        int rows = ids.Length;
        var segments = Segments(Ints(st, "static_sizes"), Ints(st, "dynamic_sizes"), Ints(st, "window_sizes"));
        Assert.Equal(videoTokens, segments.Sum(s => s.Tokens));

        using var backend = new CpuBackend();
        using Tensor q = backend.FromF32(st.ReadF32("q"), rows, heads * headDim);
        using Tensor k = backend.FromF32(st.ReadF32("k"), rows, kvHeads * headDim);
        using Tensor hidden = backend.Allocate(DType.F32, rows, 1);
        var span = new VideoSpan(videoStart, videoTokens, segments.Sum(s => s.Frames), segments);
        var state = new LanguageModelLayerState(0, hidden, q, k, AttentionShape.Create(heads, kvHeads, headDim), [span]);

        // The official map: pre-RoPE, all keys, no mask; max over heads and the rows after the video.
        float[] scores = AttentionScoring.Score(state, span, span.End, rows - span.End, causal: false, AttentionScoreHeads.Max);
        float[] expected = st.ReadF32("attention_scores");
        float worst = expected.Zip(scores, (a, b) => MathF.Abs(a - b)).Max();
        output.WriteLine($"{file}: {videoTokens} video tokens, attention_scores max abs error {worst:E2}");
        Assert.True(worst <= ScoreTolerance, $"{file}: attention_scores max abs error {worst:E2} > {ScoreTolerance:E0}");

        Assert.Equal(Ints(st, "selected"), Stage2Selection.Select(scores, segments, alpha));

        // The hook end to end: rows kept (the KV cache of layers 0..L is gathered to these) and their positions.
        // A hook returns null for "keep every row" (alpha 1.0 keeps all); compare the rows actually kept.
        int[]? keep = new PruneVidStage2Hook(0, alpha).Apply(state);
        int[] keepIndex = Ints(st, "keep_index");
        Assert.Equal(keepIndex, keep ?? [.. Enumerable.Range(0, rows)]);
        Assert.Equal(Ints(st, "position_ids_kept"), MRopePositions.GatherRows(Ints(st, "position_ids"), keepIndex));
        Assert.Equal(Meta(st, "kept_video_tokens"), keepIndex.Length - (rows - videoTokens));
    }

    /// <summary>The official Stage-1 metadata as segments: a static block, then window frames of dynamic tokens.</summary>
    private static TokenSegment[] Segments(int[] statics, int[] dynamics, int[] windows)
    {
        var segments = new TokenSegment[statics.Length];
        int frame = 0, output = 0;
        for (int s = 0; s < statics.Length; s++)
        {
            Assert.Equal(0, dynamics[s] % windows[s]);
            segments[s] = new TokenSegment(frame, windows[s], statics[s], dynamics[s] / windows[s], output);
            frame += windows[s];
            output += statics[s] + dynamics[s];
        }
        return segments;
    }

    private static int Meta(SafeTensorsFile st, string key) => int.Parse(st.Metadata[key], CultureInfo.InvariantCulture);
    private static int[] Ints(SafeTensorsFile st, string name) => st.ReadI64(name).Select(v => checked((int)v)).ToArray();
}
