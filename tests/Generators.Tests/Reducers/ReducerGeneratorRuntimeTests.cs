// PruneVid.NET — reducer generator tests.
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using PruneVid.Strategies;
using Xunit;
using static PruneVid.Generators.Tests.Reducers.ReducerGeneratorHarness;

namespace PruneVid.Generators.Tests.Reducers;

/// <summary>
/// End to end: an attributed reducer compiled here, loaded as an assembly, is found by the registry and created by
/// name with parameters and presets, with no registration code anywhere.
/// </summary>
public sealed class ReducerGeneratorRuntimeTests
{
    private const string Source = Usings + """
        namespace Compiled;

        public sealed class CountOptions
        {
            [Parameter(4, Min = 1, Max = 100)] public int Keep { get; set; }
            [Parameter("first")] public string Mode { get; set; } = "";
            [BudgetKnob(BudgetKnobKind.Increasing, Low = 0.01, High = 1.0)]
            [Parameter(0.5, Min = 0.3, Max = 0.7)] public double Share { get; set; }
        }

        [TokenReducer("compiled-at-test-time", Description = "built by the runtime test")]
        [TokenReducerPreset("tiny", "keep=1,mode=last")]
        public sealed class CountReducer : ITokenReducer<CountOptions>
        {
            public CountOptions Options { get; init; } = new();
            KEEP
        }
        """;

    [Fact]
    public void CompiledReducerIsCreatedByName()
    {
        var (_, output) = Run(Compile("Compiled.Reducers", Source.Replace("KEEP", KeepAll)));
        using var image = new MemoryStream();
        var emit = output.Emit(image);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        image.Position = 0;
        AssemblyLoadContext.Default.LoadFromStream(image);

        TokenReducerDescriptor descriptor = TokenReducerRegistry.Get("compiled-at-test-time");
        Assert.Equal("built by the runtime test", descriptor.Description);
        Assert.Equal(["keep", "mode", "share"], descriptor.Parameters.Select(p => p.Name));
        Assert.Equal(new ReducerBudgetKnob("share", BudgetKnobKind.Increasing, 0.01, 1.0), descriptor.Budget);
        dynamic searched = descriptor.CreateWithKnob("keep=9", null, 0.05); // inside the search range, outside the listed one
        Assert.Equal(0.05, (double)searched.Options.Share);
        Assert.Equal(9, (int)searched.Options.Keep);

        dynamic reducer = TokenReducerRegistry.Create("compiled-at-test-time", "keep=9");
        Assert.Equal(9, (int)reducer.Options.Keep);
        Assert.Equal("first", (string)reducer.Options.Mode);

        dynamic preset = TokenReducerRegistry.Create("compiled-at-test-time:tiny");
        Assert.Equal(1, (int)preset.Options.Keep);
        Assert.Equal("last", (string)preset.Options.Mode);

        var error = Assert.Throws<TokenReducerConfigurationException>(() => TokenReducerRegistry.Create("compiled-at-test-time", "keep=0"));
        Assert.Contains("'keep' = 0 is out of range 1..100", error.Message);
    }
}
