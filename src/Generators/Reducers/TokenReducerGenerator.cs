// PruneVid.NET — reducer registry generator.
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using PruneVid.Generators.Common;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PruneVid.Generators.Reducers;

/// <summary>
/// Finds every <c>[TokenReducer]</c> class of the compilation and emits one module initializer that registers them
/// (with their parameters and presets) in <c>TokenReducerRegistry</c>. Parsing is in <c>.Parser.cs</c>, emission in
/// <c>.Emitter.cs</c>; the pipeline below only carries equatable models so unrelated edits hit the cache.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class TokenReducerGenerator : IIncrementalGenerator
{
    /// <summary>Metadata name of the attribute that marks a reducer.</summary>
    public const string AttributeName = "PruneVid.Strategies.TokenReducerAttribute";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(AttributeName,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => Parser.Parse(ctx, ct))
            .WithTrackingName(TrackingNames.Parsed);

        IncrementalValuesProvider<DiagnosticInfo> diagnostics = parsed
            .SelectMany(static (result, _) => result.Diagnostics.ToImmutableArray())
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (spc, diagnostic) => spc.ReportDiagnostic(diagnostic.ToDiagnostic()));

        IncrementalValueProvider<ImmutableArray<ReducerSpec>> reducers = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.Reducers)
            .Collect()
            .WithTrackingName(TrackingNames.Collected);

        context.RegisterSourceOutput(reducers, static (spc, specs) => Emitter.Emit(spc, specs));
    }

    /// <summary>Names of the pipeline steps (asserted by the incremental tests).</summary>
    public static class TrackingNames
    {
        /// <summary>Each attributed class parsed to a model.</summary>
        public const string Parsed = "TokenReducer.Parsed";
        /// <summary>Diagnostics of each class.</summary>
        public const string Diagnostics = "TokenReducer.Diagnostics";
        /// <summary>Valid reducer models.</summary>
        public const string Reducers = "TokenReducer.Reducers";
        /// <summary>All valid models of the compilation.</summary>
        public const string Collected = "TokenReducer.Collected";
    }
}
