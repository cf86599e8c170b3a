// PruneVid.NET — reducer generator tests.
using Microsoft.CodeAnalysis;
using Xunit;
using static PruneVid.Generators.Tests.Reducers.ReducerGeneratorHarness;

namespace PruneVid.Generators.Tests.Reducers;

/// <summary>Every PVR diagnostic, reported once, at the offending declaration, and nothing emitted for the bad class.</summary>
public sealed class ReducerGeneratorDiagnosticTests
{
    private static Diagnostic Single(string id, params string[] sources)
    {
        var (generator, _) = Diagnostics(sources.Select(s => Usings + s.Replace("KEEP", KeepAll)).ToArray());
        Diagnostic d = Assert.Single(generator);
        Assert.Equal(id, d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.StartsWith("Source", d.Location.GetLineSpan().Path); // reported in the sample, not at no location
        return d;
    }

    [Fact]
    public void PVR0001DuplicateName()
    {
        Diagnostic d = Single("PVR0001",
            """[TokenReducer("same")] public sealed class A : ITokenReducer { KEEP }""",
            """[TokenReducer("same")] public sealed class B : ITokenReducer { KEEP }""");
        Assert.Contains("'same' is already used by 'A'", d.GetMessage());
    }

    [Fact]
    public void PVR0002NoParameterlessConstructor()
    {
        Diagnostic d = Single("PVR0002", """[TokenReducer("ctor")] public sealed class C : ITokenReducer { public C(int x) { } KEEP }""");
        Assert.Contains("'C' must have a public parameterless constructor", d.GetMessage());
    }

    [Fact]
    public void PVR0002OptionsWithoutParameterlessConstructor()
    {
        // The interface constraint (new()) already rejects such options in C#; the generator names the type too.
        var (generator, _) = Diagnostics(Usings + """
            public sealed class O { public O(int x) { } }
            [TokenReducer("opts")] public sealed class C : ITokenReducer<O> { public O Options { get; init; } = new(1); KEEP }
            """.Replace("KEEP", KeepAll));
        Assert.Contains(generator, d => d.Id == "PVR0002" && d.GetMessage().Contains("'O'"));
    }

    [Fact]
    public void PVR0003NotPublic()
    {
        Diagnostic d = Single("PVR0003", """[TokenReducer("hidden")] internal sealed class H : ITokenReducer { KEEP }""");
        Assert.Contains("'H' must be public", d.GetMessage());
    }

    [Fact]
    public void PVR0003NestedInNonPublicType()
    {
        Single("PVR0003", """internal static class Outer { [TokenReducer("nested")] public sealed class N : ITokenReducer { KEEP } }""");
    }

    [Fact]
    public void PVR0004UnsupportedParameterType()
    {
        Diagnostic d = Single("PVR0004", """
            public sealed class O { [Parameter(1)] public TimeSpan Wait { get; set; } }
            [TokenReducer("typed")] public sealed class C : ITokenReducer<O> { public O Options { get; init; } = new(); KEEP }
            """);
        Assert.Contains("'O.Wait' has type 'System.TimeSpan'", d.GetMessage());
    }

    [Fact]
    public void PVR0005NotAReducer()
    {
        Diagnostic d = Single("PVR0005", """[TokenReducer("plain")] public sealed class P { }""");
        Assert.Contains("'P'", d.GetMessage());
    }

    [Fact]
    public void PVR0005AbstractReducer()
    {
        Single("PVR0005", """[TokenReducer("abstract")] public abstract class P : ITokenReducer { KEEP }""");
    }

    [Theory]
    [InlineData("Bad Name")]
    [InlineData("")]
    [InlineData("x:y")]
    public void PVR0006InvalidName(string name)
    {
        Diagnostic d = Single("PVR0006", $$"""[TokenReducer("{{name}}")] public sealed class C : ITokenReducer { KEEP }""");
        Assert.Contains($"'{name}' is not a valid token reducer name", d.GetMessage());
    }

    [Fact]
    public void PVR0007DefaultOfTheWrongType()
    {
        Diagnostic d = Single("PVR0007", """
            public sealed class O { [Parameter(0.5)] public int Count { get; set; } }
            [TokenReducer("dflt")] public sealed class C : ITokenReducer<O> { public O Options { get; init; } = new(); KEEP }
            """);
        Assert.Contains("Default value 0.5 of parameter 'count' does not fit type 'int'", d.GetMessage());
    }

    [Fact]
    public void PVR0007DefaultOutOfRange()
    {
        Single("PVR0007", """
            public sealed class O { [Parameter(2.0, Min = 0, Max = 1)] public double Ratio { get; set; } }
            [TokenReducer("range")] public sealed class C : ITokenReducer<O> { public O Options { get; init; } = new(); KEEP }
            """);
    }

    [Theory]
    [InlineData("rate=0.5", "unknown parameter 'rate' (valid: ratio)")]
    [InlineData("ratio=2", "value '2' does not fit parameter 'ratio'")]
    [InlineData("ratio", "'ratio' is not of the form name=value")]
    public void PVR0008InvalidPreset(string preset, string message)
    {
        Diagnostic d = Single("PVR0008", $$"""
            public sealed class O { [Parameter(0.5, Min = 0, Max = 1)] public double Ratio { get; set; } }
            [TokenReducer("preset")]
            [TokenReducerPreset("p", "{{preset}}")]
            public sealed class C : ITokenReducer<O> { public O Options { get; init; } = new(); KEEP }
            """);
        Assert.Contains(message, d.GetMessage());
    }

    [Fact]
    public void PVR0009ParameterNotSettable()
    {
        Diagnostic d = Single("PVR0009", """
            public sealed class O { [Parameter(1)] public int Fixed { get; } = 1; }
            [TokenReducer("getter")] public sealed class C : ITokenReducer<O> { public O Options { get; init; } = new(); KEEP }
            """);
        Assert.Contains("'O.Fixed'", d.GetMessage());
    }

    [Fact]
    public void PVR0010DuplicateParameterName()
    {
        Diagnostic d = Single("PVR0010", """
            public sealed class O
            {
                [Parameter(1, Name = "n")] public int First { get; set; }
                [Parameter(2, Name = "n")] public int Second { get; set; }
            }
            [TokenReducer("twice")] public sealed class C : ITokenReducer<O> { public O Options { get; init; } = new(); KEEP }
            """);
        Assert.Contains("'n'", d.GetMessage());
    }

    [Theory]
    [InlineData("[BudgetKnob(BudgetKnobKind.KeptShare)] public double Share { get; set; }", "must also carry [Parameter]")]
    [InlineData("[BudgetKnob(BudgetKnobKind.KeptShare), Parameter(3)] public int Count { get; set; }", "must be a double or float parameter, not int")]
    [InlineData("[BudgetKnob(BudgetKnobKind.DroppedShare), Parameter(2.0, Min = 0, Max = 4)] public double Rate { get; set; }", "a share knob needs a range inside [0, 1]")]
    [InlineData("[BudgetKnob(BudgetKnobKind.Increasing), Parameter(0.5)] public double Open { get; set; }", "needs a finite range Low < High")]
    [InlineData("[BudgetKnob(BudgetKnobKind.Decreasing, Low = 0.9, High = 0.1), Parameter(0.5)] public double Backwards { get; set; }", "needs a finite range Low < High")]
    [InlineData("[BudgetKnob(BudgetKnobKind.KeptShare), Parameter(0.5, Min = 0, Max = 1)] public double A { get; set; }\n" +
                "[BudgetKnob(BudgetKnobKind.Increasing), Parameter(0.5, Min = 0, Max = 1)] public double B { get; set; }", "at most one")]
    public void PVR0011_InvalidBudgetKnob(string property, string message)
    {
        Diagnostic d = Single("PVR0011", $$"""
            public sealed class O { {{property}} }
            [TokenReducer("budgeted")] public sealed class C : ITokenReducer<O> { public O Options { get; init; } = new(); KEEP }
            """);
        Assert.Contains(message, d.GetMessage());
    }

    [Fact]
    public void AValidBudgetKnobHasNoDiagnostics()
    {
        var (generator, errors) = Diagnostics(Usings + """
            public sealed class O { [BudgetKnob(BudgetKnobKind.Increasing, Low = 0.01, High = 1), Parameter(0.5, Min = 0.3, Max = 0.7)] public double Ratio { get; set; } }
            [TokenReducer("budgeted")] public sealed class C : ITokenReducer<O> { public O Options { get; init; } = new(); KEEP }
            """.Replace("KEEP", KeepAll));
        Assert.Empty(generator);
        Assert.Empty(errors);
    }

    [Fact]
    public void ValidReducerHasNoDiagnosticsAndCompiles()
    {
        var (generator, errors) = Diagnostics(Usings + """[TokenReducer("fine")] public sealed class F : ITokenReducer { KEEP }""".Replace("KEEP", KeepAll));
        Assert.Empty(generator);
        Assert.Empty(errors);
    }
}
