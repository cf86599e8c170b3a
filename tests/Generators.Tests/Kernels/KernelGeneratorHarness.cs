// PruneVid.NET — generator tests.
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PruneVid.Generators.Kernels;

namespace PruneVid.Generators.Tests.Kernels;

/// <summary>Runs <see cref="KernelGenerator"/> over in-memory sources with offline references (no restore at test time).</summary>
internal static class KernelGeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly MetadataReference[] s_references =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(ILGPU.Context).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(PruneVid.Kernels.Dsl.KernelAttribute).Assembly.Location),
    ];

    /// <summary>A library compilation of <paramref name="sources"/> named <c>Sample.Kernels</c>.</summary>
    public static CSharpCompilation Compile(params string[] sources)
        => CSharpCompilation.Create(
            "Sample.Kernels",
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Source{i}.cs")),
            s_references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));

    /// <summary>A driver that records every pipeline step, for incremental-caching checks.</summary>
    public static GeneratorDriver CreateDriver()
        => CSharpGeneratorDriver.Create(
            [new KernelGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns the advanced driver, the compilation with generated sources and the generator's diagnostics.</summary>
    public static (GeneratorDriver Driver, Compilation Output, ImmutableArray<Diagnostic> Diagnostics) Run(Compilation compilation, GeneratorDriver? driver = null)
    {
        driver = (driver ?? CreateDriver()).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return (driver, output, diagnostics);
    }

    /// <summary>Compiler errors of <paramref name="compilation"/> (generated code included).</summary>
    public static Diagnostic[] Errors(Compilation compilation)
        => compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
}
