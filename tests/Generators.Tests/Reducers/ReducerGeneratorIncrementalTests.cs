// PruneVid.NET — reducer generator tests.
using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PruneVid.Generators.Reducers;
using Xunit;
using static PruneVid.Generators.Tests.Reducers.ReducerGeneratorHarness;

namespace PruneVid.Generators.Tests.Reducers;

/// <summary>The pipeline stays cached on unrelated edits, and its models hold no Roslyn symbols or trees.</summary>
public sealed class ReducerGeneratorIncrementalTests
{
    private const string Reducer = Usings + """
        public sealed class O { [Parameter(0.5, Min = 0, Max = 1)] public double Ratio { get; set; } }
        [TokenReducer("cached")]
        [TokenReducerPreset("half", "ratio=0.5")]
        public sealed class C : ITokenReducer<O> { public O Options { get; init; } = new(); KEEP }
        """;

    [Fact]
    public void UnrelatedEditLeavesEveryStepCached()
    {
        CSharpCompilation first = Compile("Sample", Reducer.Replace("KEEP", KeepAll), "public static class Other { }");
        GeneratorDriver driver = Driver(trackSteps: true).RunGenerators(first);

        SyntaxTree other = first.SyntaxTrees.Last();
        CSharpCompilation second = first.ReplaceSyntaxTree(other,
            CSharpSyntaxTree.ParseText("public static class Other { public static int X => 1; }", SourceOptions, path: other.FilePath));
        GeneratorRunResult run = driver.RunGenerators(second).GetRunResult().Results.Single();

        foreach (string step in new[] { TokenReducerGenerator.TrackingNames.Parsed, TokenReducerGenerator.TrackingNames.Reducers, TokenReducerGenerator.TrackingNames.Collected })
        {
            Assert.True(run.TrackedSteps.ContainsKey(step), $"step {step} not tracked");
            Assert.All(run.TrackedSteps[step].SelectMany(s => s.Outputs),
                o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        }
        Assert.All(run.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void EditingTheReducerReRunsTheModel()
    {
        CSharpCompilation first = Compile("Sample", Reducer.Replace("KEEP", KeepAll));
        GeneratorDriver driver = Driver(trackSteps: true).RunGenerators(first);
        SyntaxTree tree = first.SyntaxTrees.Single();
        CSharpCompilation second = first.ReplaceSyntaxTree(tree,
            CSharpSyntaxTree.ParseText(Reducer.Replace("KEEP", KeepAll).Replace("\"cached\"", "\"renamed\""), SourceOptions, path: tree.FilePath));

        GeneratorRunResult run = driver.RunGenerators(second).GetRunResult().Results.Single();

        Assert.Contains(run.TrackedSteps[TokenReducerGenerator.TrackingNames.Parsed].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("\"renamed\"", run.GeneratedSources.Single().SourceText.ToString());
    }

    [Fact]
    public void ModelsCaptureNoSymbolsOrSyntax()
    {
        GeneratorDriver driver = Driver(trackSteps: true).RunGenerators(Compile("Sample", Reducer.Replace("KEEP", KeepAll)));
        GeneratorRunResult run = driver.GetRunResult().Results.Single();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (object value in run.TrackedSteps[TokenReducerGenerator.TrackingNames.Parsed].SelectMany(s => s.Outputs).Select(o => o.Value))
            Walk(value, seen, "Parsed");
        Assert.NotEmpty(seen);
    }

    private static void Walk(object? value, HashSet<object> seen, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value is Enum) return;
        Assert.False(value is ISymbol or Compilation or SemanticModel or SyntaxNode or SyntaxTree,
            $"{path} holds a {value.GetType().Name}: the model would pin a compilation and defeat caching");
        if (!value.GetType().IsValueType && !seen.Add(value)) return;
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items) Walk(item, seen, $"{path}[{i++}]");
            return;
        }
        foreach (FieldInfo field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            Walk(field.GetValue(value), seen, $"{path}.{field.Name}");
    }
}
