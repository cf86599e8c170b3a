// PruneVid.NET — source generators.
using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PruneVid.Generators.Common;

namespace PruneVid.Generators.Kernels;

/// <summary>
/// Turns every <c>[Kernel]</c> method into a typed launcher, compile-time specialised entry points for its tunables,
/// and one <c>KernelRegistry</c> per assembly. The pipeline is here; parsing is in <c>KernelGenerator.Parser.cs</c>,
/// code emission in <c>KernelGenerator.Emitter.cs</c>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class KernelGenerator : IIncrementalGenerator
{
    /// <summary>Metadata name of the kernel attribute.</summary>
    public const string KernelAttributeName = "PruneVid.Kernels.Dsl.KernelAttribute";

    /// <summary>Metadata name of the tunable attribute.</summary>
    public const string TunableAttributeName = "PruneVid.Kernels.Dsl.TunableAttribute";

    /// <summary>Names of the pipeline steps, for incremental-caching tests.</summary>
    public static class TrackingNames
    {
        /// <summary>Each [Kernel] method parsed into a model plus diagnostics.</summary>
        public const string Parse = "KernelParse";
        /// <summary>The diagnostics, one per item.</summary>
        public const string Diagnostics = "KernelDiagnostics";
        /// <summary>The usable models.</summary>
        public const string Models = "KernelModels";
        /// <summary>All models, sorted ordinally by name.</summary>
        public const string Collected = "KernelModelsCollected";
        /// <summary>The assembly name (namespace of the registry).</summary>
        public const string AssemblyName = "KernelAssemblyName";
    }

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<KernelParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KernelAttributeName,
                static (node, _) => node is MethodDeclarationSyntax,
                static (ctx, ct) => Parse(ctx, ct))
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValuesProvider<DiagnosticInfo> diagnostics = parsed
            .SelectMany(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (spc, diagnostic) => spc.ReportDiagnostic(diagnostic.ToDiagnostic()));

        IncrementalValueProvider<EquatableArray<KernelModel>> models = parsed
            .Where(static result => result.Model is not null)
            .Select(static (result, _) => result.Model!)
            .WithTrackingName(TrackingNames.Models)
            .Collect()
            .Select(static (all, _) => all.OrderBy(m => m.Name, StringComparer.Ordinal).ToEquatableArray())
            .WithTrackingName(TrackingNames.Collected);

        IncrementalValueProvider<string> assemblyName = context.CompilationProvider
            .Select(static (compilation, _) => compilation.AssemblyName ?? "Kernels")
            .WithTrackingName(TrackingNames.AssemblyName);

        context.RegisterSourceOutput(models.Combine(assemblyName), static (spc, input) => Emit(spc, input.Left, input.Right));
    }
}
