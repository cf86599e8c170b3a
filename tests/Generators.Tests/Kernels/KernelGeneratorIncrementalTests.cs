// PruneVid.NET — generator tests.
using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PruneVid.Generators.Kernels;
using Xunit;

namespace PruneVid.Generators.Tests.Kernels;

/// <summary>The pipeline caches: unrelated edits leave every step Cached or Unchanged, and models hold no Roslyn objects.</summary>
public sealed class KernelGeneratorIncrementalTests
{
    private static readonly string[] s_steps =
    [
        KernelGenerator.TrackingNames.Parse,
        KernelGenerator.TrackingNames.Models,
        KernelGenerator.TrackingNames.Collected,
        KernelGenerator.TrackingNames.AssemblyName,
    ];

    [Fact]
    public void UnrelatedFileLeavesEveryStepCached()
    {
        CSharpCompilation first = KernelGeneratorHarness.Compile(SampleKernels.Scale, SampleKernels.Fill);
        var (driver, _, _) = KernelGeneratorHarness.Run(first);
        CSharpCompilation second = first.AddSyntaxTrees(CSharpSyntaxTree.ParseText("internal static class Unrelated { }", KernelGeneratorHarness.ParseOptions));
        var (after, _, _) = KernelGeneratorHarness.Run(second, driver);
        AssertAllSteps(after, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
    }

    [Fact]
    public void EditInsideAKernelFileThatKeepsTheModelIsUnchanged()
    {
        CSharpCompilation first = KernelGeneratorHarness.Compile(SampleKernels.Scale, SampleKernels.Fill);
        var (driver, _, _) = KernelGeneratorHarness.Run(first);
        SyntaxTree scale = first.SyntaxTrees.First();
        SyntaxTree edited = scale.WithChangedText(scale.GetText().Replace(0, 0, "// a comment\n"));
        var (after, _, _) = KernelGeneratorHarness.Run(first.ReplaceSyntaxTree(scale, edited), driver);
        AssertAllSteps(after, IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged);
    }

    [Fact]
    public void ChangingATunableModifiesTheModels()
    {
        CSharpCompilation first = KernelGeneratorHarness.Compile(SampleKernels.Scale);
        var (driver, _, _) = KernelGeneratorHarness.Run(first);
        SyntaxTree scale = first.SyntaxTrees.First();
        SyntaxTree edited = CSharpSyntaxTree.ParseText(SampleKernels.Scale.Replace("[Tunable(1, 4)]", "[Tunable(1, 2, 4)]"), KernelGeneratorHarness.ParseOptions, scale.FilePath);
        var (after, _, _) = KernelGeneratorHarness.Run(first.ReplaceSyntaxTree(scale, edited), driver);
        GeneratorRunResult result = after.GetRunResult().Results.Single();
        Assert.Contains(result.TrackedSteps[KernelGenerator.TrackingNames.Collected].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("UnrolledKernel__unroll_2", result.GeneratedSources.Single(s => s.HintName == "Sample.Ops.Scale.Kernels.g.cs").SourceText.ToString());
    }

    [Fact]
    public void StepOutputsHoldNoRoslynObjects()
    {
        var (driver, _, _) = KernelGeneratorHarness.Run(KernelGeneratorHarness.Compile(SampleKernels.Scale, SampleKernels.Fill, "public static partial class Bad { [PruneVid.Kernels.Dsl.Kernel] static void K() { } }"));
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        foreach (string step in s_steps.Append(KernelGenerator.TrackingNames.Diagnostics))
            foreach (IncrementalGeneratorRunStep run in result.TrackedSteps[step])
                foreach ((object value, _) in run.Outputs)
                    AssertNoRoslynObjects(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
    }

    private static void AssertAllSteps(GeneratorDriver driver, params IncrementalStepRunReason[] allowed)
    {
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        foreach (string step in s_steps)
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), $"step {step} was not tracked");
            foreach (IncrementalGeneratorRunStep run in result.TrackedSteps[step])
                foreach ((object _, IncrementalStepRunReason reason) in run.Outputs)
                    Assert.True(allowed.Contains(reason), $"step {step} reported {reason}");
        }
    }

    // Walks an output graph: symbols, compilations or syntax kept in a model would defeat caching and pin memory.
    private static void AssertNoRoslynObjects(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        if (!value.GetType().IsValueType && !seen.Add(value)) return;
        Assert.False(value is ISymbol or Compilation or SyntaxNode or SyntaxTree or SemanticModel or Location,
            $"{path} holds a {value.GetType().Name}");
        if (value is DiagnosticDescriptor) return; // static, immutable
        if (value is IEnumerable items and not string)
        {
            int i = 0;
            foreach (object? item in items) AssertNoRoslynObjects(item, $"{path}[{i++}]", seen);
        }
        foreach (FieldInfo field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            AssertNoRoslynObjects(field.GetValue(value), $"{path}.{field.Name}", seen);
    }
}
