// PruneVid.NET — reducer generator tests.
using Microsoft.CodeAnalysis;
using Xunit;
using static PruneVid.Generators.Tests.Reducers.ReducerGeneratorHarness;

namespace PruneVid.Generators.Tests.Reducers;

/// <summary>The emitted registration compared with a reviewed baseline (Baselines/*.txt).</summary>
public sealed class ReducerGeneratorSnapshotTests
{
    private const string Plain = Usings + """
        namespace Sample;

        [TokenReducer("zeta-keep", Description = "keeps \"all\" tokens")]
        public sealed class ZetaReducer : ITokenReducer
        {
            KEEP
        }
        """;

    private const string WithOptions = Usings + """
        namespace Sample.Deep;

        public class BaseOptions
        {
            [Parameter("fast", Description = "mode name")]
            public string Mode { get; set; } = "fast";
        }

        public sealed class AlphaOptions : BaseOptions
        {
            [Parameter(0.5, Min = 0.1, Max = 0.9, Description = "share kept")]
            public double KeepRatio { get; set; }

            [Parameter(3, Min = 1, Max = 8)]
            public int HTTPRetries { get; init; }

            [Parameter(7, Name = "big")]
            public long Large { get; set; }

            [Parameter(0.25f)]
            public float Scale { get; set; }

            [Parameter(true)]
            public bool On { get; set; }

            public int NotAParameter { get; set; }
        }

        [TokenReducer("alpha", Description = "alpha reducer")]
        [TokenReducerPreset("strong", "keep_ratio=0.2,big=9", Description = "keeps less")]
        [TokenReducerPreset("mild", "keep_ratio=0.8")]
        public sealed class AlphaReducer : ITokenReducer<AlphaOptions>
        {
            public AlphaOptions Options { get; init; } = new();
            KEEP
        }
        """;

    [Fact]
    public void RegistrationMatchesTheBaseline()
    {
        // Sources given in reverse name order: the output must still be sorted by name.
        var (result, output) = Run(Compile("Sample", Plain.Replace("KEEP", KeepAll), WithOptions.Replace("KEEP", KeepAll)));

        Assert.Empty(result.Diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        GeneratedSourceResult source = Assert.Single(result.GeneratedSources);
        Assert.Equal("TokenReducerRegistration.g.cs", source.HintName);
        string baseline = File.ReadAllText(Path.Combine(FixturePaths.RepositoryRoot, "tests", "Generators.Tests", "Reducers", "Baselines", "AlphaAndZeta.g.cs.txt"));
        Assert.Equal(baseline.ReplaceLineEndings("\n"), source.SourceText.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void OutputDoesNotDependOnSourceOrder()
    {
        string a = Plain.Replace("KEEP", KeepAll), b = WithOptions.Replace("KEEP", KeepAll);
        string first = Run(Compile("Sample", a, b)).Result.GeneratedSources.Single().SourceText.ToString();
        string second = Run(Compile("Sample", b, a)).Result.GeneratedSources.Single().SourceText.ToString();
        Assert.Equal(first, second);
    }

    [Fact]
    public void NothingIsEmittedWithoutReducers()
    {
        var (result, _) = Run(Compile("Sample", Usings + "public sealed class NotAReducer { }"));
        Assert.Empty(result.GeneratedSources);
        Assert.Empty(result.Diagnostics);
    }
}
