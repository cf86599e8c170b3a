// PruneVid.NET — reducer generator tests.
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PruneVid.Compute;
using PruneVid.Generators.Reducers;
using PruneVid.Strategies;

namespace PruneVid.Generators.Tests.Reducers;

/// <summary>Compiles sources offline (Basic.Reference.Assemblies) against the real Strategies contract and runs the generator.</summary>
internal static class ReducerGeneratorHarness
{
    private static readonly ImmutableArray<MetadataReference> s_references =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(TokenReducerAttribute).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Tensor).Assembly.Location),
    ];

    public static readonly CSharpParseOptions SourceOptions = new(LanguageVersion.Latest);

    public static CSharpCompilation Compile(string assemblyName, params string[] sources) =>
        CSharpCompilation.Create(assemblyName,
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, SourceOptions, path: $"Source{i}.cs")),
            s_references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver(bool trackSteps = false) =>
        CSharpGeneratorDriver.Create([new TokenReducerGenerator().AsSourceGenerator()], parseOptions: SourceOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator; returns its result and the compilation with the generated source added.</summary>
    public static (GeneratorRunResult Result, Compilation Output) Run(CSharpCompilation compilation)
    {
        GeneratorDriver driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return (driver.GetRunResult().Results.Single(), output);
    }

    /// <summary>Generator diagnostics plus compile errors of the output (the generated code must compile).</summary>
    public static (ImmutableArray<Diagnostic> Generator, ImmutableArray<Diagnostic> CompileErrors) Diagnostics(params string[] sources)
    {
        var (result, output) = Run(Compile("Sample", sources));
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
        return (result.Diagnostics, errors);
    }

    public const string Usings = "using System;\nusing PruneVid.Strategies;\n\n";

    /// <summary>A minimal Reduce body (keeps everything), so samples stay short.</summary>
    public const string KeepAll =
        "public TokenReduction Reduce(VideoTokens video, ReductionContext context) => new(video.Embeddings, video.Positions, TokenProvenance.Identity(video.Count));";
}
