// PruneVid.NET — peer reducer tests.
using System.Globalization;
using PruneVid.Kernels.Cpu;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Model.Text;
using PruneVid.Strategies.Peers;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Strategies.Tests.Peers;

/// <summary>
/// EVS and FastVID against the outputs of their official code (vLLM <c>evs.py</c>, FastVID's Qwen2.5-VL
/// <c>modeling_qwen2_5_vl.py</c>). Every case in the folder named by PRUNEVID_PEER_CASES (default: the
/// peers-official reference fixtures) is run, dispatched on its <c>method</c> metadata. Indices, counts, segments,
/// budgets and positions must match exactly, copied rows bit for bit, merged rows within 1e-5, the frame features
/// and similarities within 1e-6.
/// </summary>
public sealed class PeerFixtureTests(ITestOutputHelper output)
{
    private const float MergedTolerance = 1e-5f, FeatureTolerance = 1e-6f;

    private static string CaseFolder =>
        Environment.GetEnvironmentVariable("PRUNEVID_PEER_CASES") is { Length: > 0 } folder ? folder : FixturePaths.Get("peers-official");

    private static string[] Files() => Directory.GetFiles(CaseFolder, "*.safetensors").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (string file in Files()) data.Add(file);
        return data;
    }

    [Fact]
    public void CaseFolderHoldsEveryMethod()
    {
        var methods = Files().Select(Method).ToHashSet();
        Assert.Contains("vllm_evs", methods);
        Assert.Contains("fastvid_qwen25vl", methods);
        Assert.Contains("fastvid_frame_attention", methods);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReproducesTheOfficialOutput(string file)
    {
        using var st = SafeTensorsFile.Open(Path.Combine(CaseFolder, file));
        switch (st.Metadata["method"])
        {
            case "vllm_evs": Evs(file, st); break;
            case "fastvid_qwen25vl": FastVid(file, st); break;
            case "fastvid_frame_attention": FrameSaliencyFixture.AssertReproduced(st, output); break;
            default: Assert.Fail($"{file}: unknown method '{st.Metadata["method"]}'"); break;
        }
    }

    private void Evs(string file, SafeTensorsFile st)
    {
        int T = Meta(st, "T"), h = Meta(st, "h_merged"), w = Meta(st, "w_merged"), C = Meta(st, "C");
        double q = MetaD(st, "q"); // the metadata text: the F64 tensor read as f32 would round 0.9
        float[] embeds = st.ReadF32("video_embeds");
        int[] expected = st.ReadI32("kept_indices");

        Assert.Equal(Meta(st, "retain_num"), EvsRetention.RetainCount(T, h * w, q));
        double[] d = EvsRetention.Dissimilarity(embeds, T, h * w, C);
        AssertClose(file, "dissimilarity", st.ReadF32("dissimilarity"), d.Select(v => (float)v).ToArray(), FeatureTolerance);
        Assert.Equal(expected, EvsRetention.KeptIndices(embeds, T, h * w, C, q));
        byte[] mask = st.GetBytes("retention_mask").ToArray();
        Assert.Equal(expected, Enumerable.Range(0, mask.Length).Where(i => mask[i] == 1).ToArray());

        // Through the registry, as a user runs it: rows copied bit for bit, original positions kept.
        TokenReduction result = Reduce("evs", $"pruning_rate={st.Metadata["q"]}", embeds, T, h, w, C, secondsPerGrid: 1, saliency: null);
        Assert.Equal(st.ReadF32("kept_embeds"), TestVideos.Host(result.Embeddings));
        Assert.Equal(Triples(st.ReadI32("kept_pos_thw")), result.Positions);
        output.WriteLine($"{file}: kept {result.Count} of {T * h * w}");
    }

    private void FastVid(string file, SafeTensorsFile st)
    {
        int T = Meta(st, "T"), h = Meta(st, "h_merged"), w = Meta(st, "w_merged"), C = Meta(st, "C");
        var settings = new FastVidSettings(MetaD(st, "fastvid_retention_ratio"), Meta(st, "fastvid_DySeg_c"), MetaD(st, "fastvid_DySeg_tau"),
            MetaD(st, "fastvid_DySeg_ignore"), MetaD(st, "fastvid_STPrune_d"), Meta(st, "fastvid_DTM_p"), MetaD(st, "fastvid_DTM_beta"));
        float[] embeds = st.ReadF32("video_embeds"), saliency = st.ReadF32("frame_attn_weights");

        FastVidResult r = FastVidAlgorithm.Run(embeds, saliency, T, h * w, C, settings);

        AssertClose(file, "frame_global_features", st.ReadF32("frame_global_features"), r.FrameFeatures, FeatureTolerance);
        AssertClose(file, "frame_similarity", st.ReadF32("frame_similarity"), r.FrameSimilarity, FeatureTolerance);
        Assert.Equal(st.ReadI32("cut_indices"), r.Cuts);
        Assert.Equal(st.ReadI32("segment_sizes"), r.SegmentSizes);
        Assert.Equal(st.ReadI32("segment_starts"), r.SegmentStarts);
        Assert.Equal(st.ReadI32("inner_segment_sizes"), r.InnerSegmentSizes);
        Assert.Equal(st.ReadI32("inner_segment_count"), r.InnerSegmentCounts);
        Assert.Equal(st.ReadI32("frame_salient_num"), r.SalientPerStep);
        Assert.Equal(st.ReadI32("frame_context_num"), r.ContextPerStep);
        Assert.Equal(st.ReadI32("salient_indices"), r.SalientIndices);
        Assert.Equal(st.ReadI32("anchor_indices"), r.AnchorIndices);
        Assert.Equal(st.ReadI32("anchor_merge_counts"), r.AnchorMergeCounts);
        Assert.Equal(st.ReadI32("kept_video_indices"), r.KeptIndices);
        Assert.Equal(st.GetBytes("kept_is_anchor").ToArray().Select(b => b == 1).ToArray(), r.KeptIsAnchor);

        // Through the registry with the saliency as a vision signal: rows and positions.
        string parameters = string.Create(CultureInfo.InvariantCulture,
            $"retention_ratio={settings.RetentionRatio},dyseg_c={settings.C},dyseg_tau={settings.Tau},dyseg_ignore={settings.Ignore},stprune_d={settings.D},dtm_p={settings.P},dtm_beta={settings.Beta}");
        TokenReduction result = Reduce("fastvid", parameters, embeds, T, h, w, C, MetaD(st, "second_per_grid_t"), saliency);
        AssertRows(file, st.ReadF32("output_video_embeds"), TestVideos.Host(result.Embeddings), C, r.KeptIndices, r);
        Assert.Equal(Triples(st.ReadI32("kept_video_pos_thw")), result.Positions);
        output.WriteLine($"{file}: segments [{string.Join(",", r.SegmentSizes)}], kept {result.Count} of {T * h * w}, {r.AnchorIndices.Length} anchors");
    }

    /// <summary>Salient rows and unmerged anchors are copies (exact); merged anchors within <see cref="MergedTolerance"/>.</summary>
    private void AssertRows(string file, float[] expected, float[] actual, int C, int[] kept, FastVidResult r)
    {
        Assert.Equal(expected.Length, actual.Length);
        var mergeCount = r.AnchorIndices.Zip(r.AnchorMergeCounts).ToDictionary(p => p.First, p => p.Second);
        float worst = 0;
        for (int i = 0; i < kept.Length; i++)
        {
            bool merged = mergeCount.TryGetValue(kept[i], out int cnt) && cnt > 0;
            for (int c = 0; c < C; c++)
            {
                float e = expected[i * C + c], a = actual[i * C + c];
                if (!merged) Assert.True(BitConverter.SingleToInt32Bits(e) == BitConverter.SingleToInt32Bits(a), $"{file}: copied row {i} (token {kept[i]}) differs at channel {c}: {a} vs {e}");
                else worst = MathF.Max(worst, MathF.Abs(e - a));
            }
        }
        output.WriteLine($"{file}: merged rows max abs error {worst:E2}");
        Assert.True(worst <= MergedTolerance, $"{file}: merged rows max abs error {worst:E2} > {MergedTolerance:E0}");
    }

    private static TokenReduction Reduce(string name, string parameters, float[] embeds, int T, int h, int w, int C, double secondsPerGrid, float[]? saliency)
    {
        using var backend = new CpuBackend();
        var grid = new VideoGrid(T, h, w);
        var item = MediaItem.Video(T, 2 * h, 2 * w, 2, secondsPerGrid, tokensPerSecond: 2);
        var positions = item.Offsets.ToArray().Select(o => new TokenPosition(o.T, o.H, o.W)).ToArray();
        VisionSignals? signals = saliency is null ? null
            : new VisionSignals(new Dictionary<VisionSignalRequest, float[]> { [VisionSignalRequest.LastBlockSaliency] = saliency });
        var video = new VideoTokens(backend.FromF32(embeds, T * h * w, C), grid, positions, signals);
        return TokenReducerRegistry.Create(name, parameters).Reduce(video, TestVideos.Context(C));
    }

    private void AssertClose(string file, string name, float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = MathF.Max(worst, MathF.Abs(expected[i] - actual[i]));
        output.WriteLine($"{file}: {name} max abs error {worst:E2}");
        Assert.True(worst <= tolerance, $"{file}: {name} max abs error {worst:E2} > {tolerance:E0}");
    }

    private static TokenPosition[] Triples(int[] flat) => Enumerable.Range(0, flat.Length / 3).Select(i => new TokenPosition(flat[3 * i], flat[3 * i + 1], flat[3 * i + 2])).ToArray();

    private static string Method(string file)
    {
        using var st = SafeTensorsFile.Open(Path.Combine(CaseFolder, file));
        return st.Metadata["method"];
    }

    private static int Meta(SafeTensorsFile st, string key) => int.Parse(st.Metadata[key], CultureInfo.InvariantCulture);
    private static double MetaD(SafeTensorsFile st, string key) => double.Parse(st.Metadata[key], CultureInfo.InvariantCulture);
}
