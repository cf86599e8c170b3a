// PruneVid.NET — PruneVid Stage 1 tests.
using System.Globalization;
using PruneVid.Kernels.Clustering;
using PruneVid.Kernels.Cpu;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Strategies.Stage1;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Strategies.Tests.Stage1;

/// <summary>
/// Stage 1 against the outputs of the official PruneVid code (jitter off, k = 7). The cases come from the folder named
/// by PRUNEVID_STAGE1_CASES (default ../shared/fixtures/prunevid-official).
/// </summary>
public sealed class OfficialFixtureTests(ITestOutputHelper output)
{
    private const float FeatureTolerance = 1e-5f;

    private static string CaseFolder =>
        Environment.GetEnvironmentVariable("PRUNEVID_STAGE1_CASES") is { Length: > 0 } folder ? folder : FixturePaths.Get("prunevid-official");

    /// <summary>Every prunevid-*.safetensors case with a features_in tensor.</summary>
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.GetFiles(CaseFolder, "prunevid-*.safetensors").Order(StringComparer.Ordinal))
            if (!Path.GetFileName(path).StartsWith("prunevid-dpcknn", StringComparison.Ordinal)) data.Add(Path.GetFileName(path));
        return data;
    }

    [Fact]
    public void CaseFolderHoldsStage1Cases() => Assert.NotEmpty(Cases());

    [Theory]
    [MemberData(nameof(Cases))]
    public void Stage1ReproducesTheOfficialOutput(string file)
    {
        using var st = SafeTensorsFile.Open(Path.Combine(CaseFolder, file));
        int T = Meta(st, "T"), gh = Meta(st, "gh"), gw = Meta(st, "gw"), C = Meta(st, "C");
        int k = st.Metadata.ContainsKey("k") ? Meta(st, "k") : 7;
        var settings = new Stage1Settings(MetaD(st, "tau"), MetaD(st, "cr"), MetaD(st, "tsr"), k);

        Stage1Result result = Stage1Algorithm.Run(st.ReadF32("features_in"), T, gh * gw, C, settings);

        Assert.Equal(Ints(st, "frame_labels"), result.FrameLabels);
        Assert.Equal(Ints(st, "frame_labels_refined"), result.RefinedFrameLabels);
        Assert.Equal(Ints(st, "window_sizes"), result.Segments.Select(s => s.Frames).ToArray());
        Assert.Equal(Ints(st, "static_sizes"), result.Segments.Select(s => s.StaticTokens).ToArray());
        Assert.Equal(Ints(st, "dynamic_sizes"), result.Segments.Select(s => s.DynamicTokens).ToArray());

        AssertFeatures(file, st.ReadF32("features_out"), result.Features, C);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReducerCreatedByNameReproducesTheOfficialOutput(string file)
    {
        using var st = SafeTensorsFile.Open(Path.Combine(CaseFolder, file));
        int T = Meta(st, "T"), gh = Meta(st, "gh"), gw = Meta(st, "gw"), C = Meta(st, "C");
        int k = st.Metadata.ContainsKey("k") ? Meta(st, "k") : 7;
        string parameters = $"tau={st.Metadata["tau"]},cluster_ratio={st.Metadata["cr"]},temporal_segment_ratio={st.Metadata["tsr"]},dpc_knn_k={k}";
        using var backend = new CpuBackend();
        var grid = new VideoGrid(T, gh, gw);
        var video = new VideoTokens(backend.FromF32(st.ReadF32("features_in"), T * gh * gw, C), grid, TestVideos.RasterPositions(grid));

        TokenReduction result = TokenReducerRegistry.Create("prunevid-stage1", parameters).Reduce(video, TestVideos.Context(C));

        Assert.Equal(Ints(st, "static_sizes"), result.Segments.Select(s => s.StaticTokens).ToArray());
        Assert.Equal(Ints(st, "dynamic_sizes"), result.Segments.Select(s => s.DynamicTokens).ToArray());
        AssertFeatures(file, st.ReadF32("features_out"), TestVideos.Host(result.Embeddings), C);
    }

    private void AssertFeatures(string file, float[] expected, float[] actual, int channels)
    {
        Assert.Equal(expected.Length / channels, actual.Length / channels);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = MathF.Max(worst, MathF.Abs(expected[i] - actual[i]));
        output.WriteLine($"{file}: {expected.Length / channels} rows, features_out max abs error {worst:E2}");
        Assert.True(worst <= FeatureTolerance, $"{file}: features_out max abs error {worst:E2} > {FeatureTolerance:E0}");
    }

    [Fact]
    public void DpcKnnReproducesTheOfficialLabels()
    {
        using var st = SafeTensorsFile.Open(Path.Combine(CaseFolder, "prunevid-dpcknn-60x12-m9-k5.safetensors"));
        long[] shape = st.Tensors["points"].Shape;
        DpcKnnResult result = DpcKnn.Cluster(st.ReadF32("points"), (int)shape[0], (int)shape[1], clusters: 9, k: 5);
        Assert.Equal(Ints(st, "labels"), result.Labels);
    }

    private static int Meta(SafeTensorsFile st, string key) => int.Parse(st.Metadata[key], CultureInfo.InvariantCulture);
    private static double MetaD(SafeTensorsFile st, string key) => double.Parse(st.Metadata[key], CultureInfo.InvariantCulture);
    private static int[] Ints(SafeTensorsFile st, string name) => st.ReadI64(name).Select(v => checked((int)v)).ToArray();
}
