// PruneVid.NET — reducer registry tests.
using PruneVid.Kernels.Cpu;
using PruneVid.Strategies.Stage1;
using Xunit;

namespace PruneVid.Strategies.Tests.Registry;

/// <summary>Creating reducers by name: parameters, presets, and the errors for bad input.</summary>
public sealed class RegistryTests
{
    private static PruneVidStage1Options Stage1(string reducer, string? parameters = null) =>
        Assert.IsType<PruneVidStage1Reducer>(TokenReducerRegistry.Create(reducer, parameters)).Options;

    [Fact]
    public void ParametersListTheSeedDefaultsAndRanges()
    {
        TokenReducerDescriptor d = TokenReducerRegistry.Get("prunevid-stage1");
        Assert.Equal(["tau", "cluster_ratio", "temporal_segment_ratio", "dpc_knn_k", "verbose"], d.Parameters.Select(p => p.Name));
        ReducerParameter tau = d.Parameters[0];
        Assert.Equal((0.8, 0.6, 0.9), ((double)tau.Default, tau.Min, tau.Max));
        ReducerParameter k = d.Parameters[3];
        Assert.Equal((5, 3.0, 10.0), ((int)k.Default, k.Min, k.Max));
        Assert.Equal(ReducerParameterKind.Boolean, d.Parameters[4].Kind);
        Assert.False(string.IsNullOrEmpty(d.Description));
    }

    [Fact]
    public void DefaultsComeFromTheParameterAttributes()
    {
        PruneVidStage1Options o = Stage1("prunevid-stage1");
        Assert.Equal((0.8, 0.5, 0.25, 5, false), (o.Tau, o.ClusterRatio, o.TemporalSegmentRatio, o.DpcKnnK, o.Verbose));
    }

    [Fact]
    public void ParameterStringSetsValues()
    {
        PruneVidStage1Options o = Stage1("prunevid-stage1", " tau=0.85 , cluster_ratio=0.4,dpc_knn_k=7,verbose=true");
        Assert.Equal((0.85, 0.4, 0.25, 7, true), (o.Tau, o.ClusterRatio, o.TemporalSegmentRatio, o.DpcKnnK, o.Verbose));
    }

    [Theory]
    [InlineData("balanced", 0.8, 0.5, 0.25, 5)]
    [InlineData("aggressive", 0.85, 0.4, 0.2, 5)]
    [InlineData("conservative", 0.75, 0.6, 0.3, 5)]
    public void PresetsSelectTheSeedSettings(string preset, double tau, double cr, double tsr, int k)
    {
        PruneVidStage1Options o = Stage1("prunevid-stage1:" + preset);
        Assert.Equal((tau, cr, tsr, k), (o.Tau, o.ClusterRatio, o.TemporalSegmentRatio, o.DpcKnnK));
    }

    [Fact]
    public void ExplicitParametersOverrideThePreset()
    {
        PruneVidStage1Options o = Stage1("prunevid-stage1:aggressive", "tau=0.7");
        Assert.Equal((0.7, 0.4, 0.2), (o.Tau, o.ClusterRatio, o.TemporalSegmentRatio));
    }

    [Theory]
    [InlineData("prunevid-stage1", "prunevid-stage1", null)]
    [InlineData(" prunevid-stage1 : aggressive ", "prunevid-stage1", "aggressive")]
    public void SpecSplitsIntoNameAndPreset(string spec, string name, string? preset) =>
        Assert.Equal((name, preset), TokenReducerRegistry.ParseSpec(spec));

    [Fact]
    public void EmptyPresetIsRejected()
    {
        var e = Assert.Throws<TokenReducerConfigurationException>(() => TokenReducerRegistry.Create("prunevid-stage1:"));
        Assert.Contains("empty preset name", e.Message);
    }

    [Fact]
    public void UnknownParameterIsNamedWithTheValidOnes()
    {
        var e = Assert.Throws<TokenReducerConfigurationException>(() => TokenReducerRegistry.Create("prunevid-stage1", "tua=0.8"));
        Assert.Contains("unknown parameter 'tua'", e.Message);
        Assert.Contains("tau (double, default 0.8, range 0.6..0.9)", e.Message);
        Assert.Contains("dpc_knn_k", e.Message);
    }

    [Fact]
    public void OutOfRangeValueIsNamed()
    {
        var e = Assert.Throws<TokenReducerConfigurationException>(() => TokenReducerRegistry.Create("prunevid-stage1", "cluster_ratio=0.9"));
        Assert.Contains("'cluster_ratio' = 0.9 is out of range 0.3..0.7", e.Message);
    }

    [Theory]
    [InlineData("dpc_knn_k=5.5", "'dpc_knn_k' expects a int")]
    [InlineData("tau=high", "'tau' expects a double")]
    [InlineData("verbose=maybe", "'verbose' expects a bool")]
    [InlineData("tau", "'tau' is not of the form name=value")]
    [InlineData("tau=0.8,tau=0.7", "'tau' is given twice")]
    public void BadValuesAreNamed(string parameters, string expected)
    {
        var e = Assert.Throws<TokenReducerConfigurationException>(() => TokenReducerRegistry.Create("prunevid-stage1", parameters));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void UnknownPresetListsTheValidOnes()
    {
        var e = Assert.Throws<TokenReducerConfigurationException>(() => TokenReducerRegistry.Create("prunevid-stage1:fast"));
        Assert.Contains("unknown preset 'fast'", e.Message);
        Assert.Contains("aggressive, balanced, conservative", e.Message);
    }

    [Fact]
    public void UnknownReducerListsTheKnownOnes()
    {
        var e = Assert.Throws<TokenReducerConfigurationException>(() => TokenReducerRegistry.Create("prunevid-stage3"));
        Assert.Contains("unknown token reducer 'prunevid-stage3'", e.Message);
        Assert.Contains("noop", e.Message);
        Assert.Contains("prunevid-stage1", e.Message);
    }

    [Fact]
    public void ReducerWithoutParametersRejectsAny()
    {
        var e = Assert.Throws<TokenReducerConfigurationException>(() => TokenReducerRegistry.Create("noop", "x=1"));
        Assert.Contains("valid parameters: (none)", e.Message);
    }

    [Fact]
    public void ReducerFromAnUntouchedReferencedAssemblyIsCreatedByName()
    {
        // This test project references Strategies.External but never names one of its types, so the compiler drops
        // the reference: the registry must find the assembly on its own.
        ITokenReducer reducer = TokenReducerRegistry.Create("external-stride", "stride=3");
        Assert.Equal("Strategies.External", reducer.GetType().Assembly.GetName().Name);
        Assert.Equal("StrideReducer", reducer.GetType().Name);
        TokenReducerDescriptor d = TokenReducerRegistry.Get("external-stride");
        Assert.Equal(["stride"], d.Parameters.Select(p => p.Name));
        Assert.Equal(["half"], d.Presets.Select(p => p.Name));
        var e = Assert.Throws<TokenReducerConfigurationException>(() => TokenReducerRegistry.Create("external-stride", "stride=0"));
        Assert.Contains("out of range 1..64", e.Message);
    }

    [Fact]
    public void ExternalReducerRunsWithItsParameter()
    {
        using var backend = new CpuBackend();
        VideoTokens video = TestVideos.Random(backend, new VideoGrid(2, 2, 3), 4, seed: 1);
        TokenReduction r = TokenReducerRegistry.Create("external-stride", "stride=5").Reduce(video, TestVideos.Context(4));
        Assert.Equal(3, r.Count); // rows 0, 5, 10 of 12
        float[] input = TestVideos.Host(video.Embeddings), output = TestVideos.Host(r.Embeddings);
        Assert.Equal(input.AsSpan(10 * 4, 4).ToArray(), output.AsSpan(2 * 4, 4).ToArray());
        Assert.Equal(video.Positions[5], r.Positions[1]);
    }
}
