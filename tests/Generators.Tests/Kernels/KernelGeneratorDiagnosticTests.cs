// PruneVid.NET — generator tests.
using Microsoft.CodeAnalysis;
using Xunit;

namespace PruneVid.Generators.Tests.Kernels;

/// <summary>One test per diagnostic id: each misuse is reported once, at the kernel, and no launcher is emitted for it.</summary>
public sealed class KernelGeneratorDiagnosticTests
{
    private const string Usings = """
        using System;
        using ILGPU;
        using ILGPU.Runtime;
        using PruneVid.Kernels;
        using PruneVid.Kernels.Dsl;

        """;

    private static Diagnostic Single(string id, string members, string classModifiers = "public static partial")
    {
        string source = Usings + $$"""
            namespace Sample;

            {{classModifiers}} class Ops
            {
                public static void Reference() { }

            {{members}}
            }
            """;
        var (driver, _, diagnostics) = KernelGeneratorHarness.Run(KernelGeneratorHarness.Compile(source));
        Diagnostic diagnostic = Assert.Single(diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        // Reported at the kernel (or its parameter): the line holding the kernel's name.
        FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
        Assert.Equal("Source0.cs", span.Path);
        Assert.Contains(" Kernel(", source.Split('\n')[span.StartLinePosition.Line]);
        Assert.DoesNotContain(driver.GetRunResult().Results.Single().GeneratedSources, s => s.HintName.Contains("Ops"));
        return diagnostic;
    }

    [Fact]
    public void PVK0001KernelNotStatic()
    {
        Diagnostic d = Single("PVK0001", """
                [Kernel(Reference = nameof(Reference))]
                internal void Kernel(Index1D i, ArrayView<float> x) { }
            """);
        Assert.Contains("'Kernel' must be static", d.GetMessage());
    }

    [Fact]
    public void PVK0002FamilyNotStaticPartial()
    {
        Diagnostic d = Single("PVK0002", """
                [Kernel(Reference = nameof(Reference))]
                internal static void Kernel(Index1D i, ArrayView<float> x) { }
            """, "public static");
        Assert.Contains("'Ops'", d.GetMessage());
    }

    [Fact]
    public void PVK0003UnsupportedParameterType()
    {
        Diagnostic d = Single("PVK0003", """
                [Kernel(Reference = nameof(Reference))]
                internal static void Kernel(Index1D i, float[] x) { }
            """);
        Assert.Contains("'x'", d.GetMessage());
        Assert.Contains("float[]", d.GetMessage());
    }

    [Fact]
    public void PVK0003ByReferenceParameter()
        => Single("PVK0003", """
                [Kernel(Reference = nameof(Reference))]
                internal static void Kernel(Index1D i, ref float x) { }
            """);

    [Fact]
    public void PVK0004TooManyParameters()
    {
        string parameters = string.Join(", ", Enumerable.Range(0, 14).Select(i => $"int p{i}"));
        Diagnostic d = Single("PVK0004", $$"""
                [Kernel(Reference = nameof(Reference))]
                internal static void Kernel(Index1D i, {{parameters}}) { }
            """);
        Assert.Contains("15 parameters", d.GetMessage());
    }

    [Fact]
    public void PVK0005MissingReference()
        => Single("PVK0005", """
                [Kernel]
                internal static void Kernel(Index1D i, ArrayView<float> x) { }
            """);

    [Fact]
    public void PVK0006UnknownReference()
    {
        Diagnostic d = Single("PVK0006", """
                [Kernel(Reference = "Oracle")]
                internal static void Kernel(Index1D i, ArrayView<float> x) { }
            """);
        Assert.Contains("'Oracle'", d.GetMessage());
    }

    [Fact]
    public void PVK0007TunableOnPlainInt()
    {
        Diagnostic d = Single("PVK0007", """
                [Kernel(Reference = nameof(Reference))]
                internal static void Kernel(Index1D i, ArrayView<float> x, [Tunable(1, 2)] int tile) { }
            """);
        Assert.Contains("SpecializedValue<int>", d.GetMessage());
    }

    [Fact]
    public void PVK0007TunableWithRepeatedValues()
        => Single("PVK0007", """
                [Kernel(Reference = nameof(Reference))]
                internal static void Kernel(Index1D i, ArrayView<float> x, [Tunable(2, 2)] SpecializedValue<int> tile) { }
            """);

    [Fact]
    public void PVK0008ImplicitKernelWithoutIndex()
    {
        Diagnostic d = Single("PVK0008", """
                [Kernel(Reference = nameof(Reference))]
                internal static void Kernel(ArrayView<float> x) { }
            """);
        Assert.Contains("Index1D", d.GetMessage());
    }

    [Fact]
    public void PVK0008ExplicitKernelWithIndex()
        => Single("PVK0008", """
                [Kernel(Reference = nameof(Reference), GroupSize = 32)]
                internal static void Kernel(Index1D i, ArrayView<float> x) { }
            """);

    [Fact]
    public void PVK0008GroupSizeTunableNotATunable()
        => Single("PVK0008", """
                [Kernel(Reference = nameof(Reference), GroupSizeTunable = "threads")]
                internal static void Kernel(ArrayView<float> x, int threads) { }
            """);

    [Fact]
    public void PVK0009UnknownBenchmark()
    {
        Diagnostic d = Single("PVK0009", """
                [Kernel(Reference = nameof(Reference), Benchmark = "Measure")]
                internal static void Kernel(Index1D i, ArrayView<float> x) { }

                public static void Measure(int wrongSignature) { }
            """);
        Assert.Contains("'Measure'", d.GetMessage());
    }

    [Fact]
    public void DiagnosticIdsAreListedInTheReleaseNotes()
    {
        string unshipped = File.ReadAllText(Path.Combine(FixturePaths.RepositoryRoot, "src", "Generators", "Kernels", "AnalyzerReleases.Unshipped.md"));
        foreach (string id in Enumerable.Range(1, 9).Select(i => $"PVK{i:D4}"))
            Assert.Contains(id + " ", unshipped);
    }
}
