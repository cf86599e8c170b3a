// PruneVid.NET — PruneVid Stage 1 tests.
using System.Globalization;
using PruneVid.Kernels.Clustering;
using PruneVid.Strategies.Stage1;
using Xunit;

namespace PruneVid.Strategies.Tests.Stage1;

/// <summary>
/// Stage 1 against the outputs of the official PruneVid code (jitter off, k = 7). The cases come from the folder named
/// by PRUNEVID_STAGE1_CASES (default ../shared/fixtures/prunevid-official).
/// </summary>
public sealed class OfficialFixtureTests
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
        var st = TempSafeTensors.Open(Path.Combine(CaseFolder, file));
        int T = Meta(st, "T"), gh = Meta(st, "gh"), gw = Meta(st, "gw"), C = Meta(st, "C");
        int k = st.Metadata.ContainsKey("k") ? Meta(st, "k") : 7;
        var settings = new Stage1Settings(MetaD(st, "tau"), MetaD(st, "cr"), MetaD(st, "tsr"), k);

        Stage1Result result = Stage1Algorithm.Run(st.ReadF32("features_in"), T, gh * gw, C, settings);

        Assert.Equal(Ints(st, "frame_labels"), result.FrameLabels);
        Assert.Equal(Ints(st, "frame_labels_refined"), result.RefinedFrameLabels);
        Assert.Equal(Ints(st, "window_sizes"), result.Segments.Select(s => s.Frames).ToArray());
        Assert.Equal(Ints(st, "static_sizes"), result.Segments.Select(s => s.StaticTokens).ToArray());
        Assert.Equal(Ints(st, "dynamic_sizes"), result.Segments.Select(s => s.DynamicTokens).ToArray());

        float[] expected = st.ReadF32("features_out");
        Assert.Equal(expected.Length / C, result.Rows);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = MathF.Max(worst, MathF.Abs(expected[i] - result.Features[i]));
        Assert.True(worst <= FeatureTolerance, $"{file}: features_out max abs error {worst:E2} > {FeatureTolerance:E0}");
    }

    [Fact]
    public void DpcKnnReproducesTheOfficialLabels()
    {
        var st = TempSafeTensors.Open(Path.Combine(CaseFolder, "prunevid-dpcknn-60x12-m9-k5.safetensors"));
        int[] shape = st.Shape("points");
        DpcKnnResult result = DpcKnn.Cluster(st.ReadF32("points"), shape[0], shape[1], clusters: 9, k: 5);
        Assert.Equal(Ints(st, "labels"), result.Labels);
    }

    private static int Meta(TempSafeTensors st, string key) => int.Parse(st.Metadata[key], CultureInfo.InvariantCulture);
    private static double MetaD(TempSafeTensors st, string key) => double.Parse(st.Metadata[key], CultureInfo.InvariantCulture);
    private static int[] Ints(TempSafeTensors st, string name) => st.ReadI64(name).Select(v => checked((int)v)).ToArray();
}
