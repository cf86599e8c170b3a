// PruneVid.NET — source generators.
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PruneVid.Generators.Common;

namespace PruneVid.Generators.Kernels;

public sealed partial class KernelGenerator
{
    // ILGPU's generated launchers stop at 14 kernel parameters (T1..T14), the index included.
    private const int MaxKernelParameters = 14;

    private static KernelParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var method = (IMethodSymbol)context.TargetSymbol;
        INamedTypeSymbol family = method.ContainingType;
        AttributeData attribute = context.Attributes[0];
        Location? location = method.Locations.FirstOrDefault();
        var diagnostics = new List<DiagnosticInfo>();

        if (!method.IsStatic)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.KernelNotStatic, location, method.Name));
        if (!IsTopLevelStaticPartial(family, cancellationToken))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FamilyNotStaticPartial, location, family.Name, method.Name));

        string? reference = null, benchmark = null, groupSizeTunable = null;
        int groupSize = 0;
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            switch (argument.Key)
            {
                case "Reference": reference = argument.Value.Value as string; break;
                case "Benchmark": benchmark = argument.Value.Value as string; break;
                case "GroupSizeTunable": groupSizeTunable = argument.Value.Value as string; break;
                case "GroupSize": groupSize = argument.Value.Value is int g ? g : 0; break;
            }
        }

        if (string.IsNullOrEmpty(reference))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingReference, location, method.Name));
        else if (!family.GetMembers(reference!).OfType<IMethodSymbol>().Any(m => m.IsStatic))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownReference, location, method.Name, reference!, family.Name));

        if (!string.IsNullOrEmpty(benchmark) && !family.GetMembers(benchmark!).OfType<IMethodSymbol>().Any(IsBenchmarkHook))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBenchmark, location, method.Name, benchmark!, family.Name));
        if (string.IsNullOrEmpty(benchmark)) benchmark = null;
        if (string.IsNullOrEmpty(groupSizeTunable)) groupSizeTunable = null;

        if (method.Parameters.Length > MaxKernelParameters)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooManyParameters, location, method.Name, method.Parameters.Length.ToString()));
        if (groupSize < 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GroupingMismatch, location, method.Name, $"GroupSize must be 0 (implicitly grouped) or positive, not {groupSize}"));

        bool implicitlyGrouped = groupSize == 0 && groupSizeTunable is null;
        var parameters = new List<KernelParameterModel>();
        for (int i = 0; i < method.Parameters.Length; i++)
        {
            IParameterSymbol parameter = method.Parameters[i];
            Location? parameterLocation = parameter.Locations.FirstOrDefault() ?? location;
            KernelParameterModel? model = ParseParameter(method, parameter, i, implicitlyGrouped, parameterLocation, diagnostics);
            if (model is not null) parameters.Add(model);
        }

        if (implicitlyGrouped && (method.Parameters.Length == 0 || !IsIndexType(method.Parameters[0].Type)))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GroupingMismatch, location, method.Name,
                "an implicitly grouped kernel (GroupSize = 0) needs an Index1D, Index2D or Index3D first parameter; set GroupSize or GroupSizeTunable for an explicitly grouped kernel"));
        if (groupSizeTunable is not null && !parameters.Any(p => p.Kind == KernelParameterKind.Tunable && p.Name == groupSizeTunable))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GroupingMismatch, location, method.Name,
                $"GroupSizeTunable names '{groupSizeTunable}', which is not a [Tunable] parameter"));

        if (diagnostics.Count > 0)
            return new KernelParseResult(null, diagnostics.ToEquatableArray());

        string ns = family.ContainingNamespace.IsGlobalNamespace ? "" : family.ContainingNamespace.ToDisplayString();
        string variant = method.Name.EndsWith("Kernel", System.StringComparison.Ordinal) ? method.Name.Substring(0, method.Name.Length - "Kernel".Length) : method.Name;
        var kernel = new KernelModel(ns, family.Name, method.Name, variant, reference!, benchmark, groupSize, groupSizeTunable, parameters.ToEquatableArray());
        return new KernelParseResult(kernel, EquatableArray<DiagnosticInfo>.Empty);
    }

    private static KernelParameterModel? ParseParameter(IMethodSymbol method, IParameterSymbol parameter, int index, bool implicitlyGrouped,
        Location? location, List<DiagnosticInfo> diagnostics)
    {
        ITypeSymbol type = parameter.Type;
        string typeName = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        AttributeData? tunable = parameter.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == TunableAttributeName);

        if (parameter.RefKind != RefKind.None)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedParameterType, location, parameter.Name, method.Name, parameter.RefKind.ToString().ToLowerInvariant() + " " + type.ToDisplayString()));
            return null;
        }

        if (tunable is not null)
        {
            if (!IsSpecializedInt(type))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidTunable, location, parameter.Name, method.Name,
                    $"[Tunable] needs type SpecializedValue<int>, not '{type.ToDisplayString()}'"));
                return null;
            }
            int[] values = tunable.ConstructorArguments.Length == 1 && tunable.ConstructorArguments[0].Kind == TypedConstantKind.Array
                ? tunable.ConstructorArguments[0].Values.Select(v => v.Value is int n ? n : 0).ToArray()
                : tunable.ConstructorArguments.Select(v => v.Value is int n ? n : 0).ToArray();
            if (values.Length == 0 || values.Distinct().Count() != values.Length)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidTunable, location, parameter.Name, method.Name,
                    "[Tunable] must declare at least one value and no value twice"));
                return null;
            }
            return new KernelParameterModel(parameter.Name, typeName, KernelParameterKind.Tunable, values.ToEquatableArray());
        }

        if (IsIndexType(type))
        {
            if (implicitlyGrouped && index == 0)
                return new KernelParameterModel(parameter.Name, typeName, KernelParameterKind.Index, EquatableArray<int>.Empty);
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GroupingMismatch, location, method.Name,
                $"index parameter '{parameter.Name}' is only allowed first, in an implicitly grouped kernel (GroupSize = 0)"));
            return null;
        }

        if (IsView(type))
            return new KernelParameterModel(parameter.Name, typeName, KernelParameterKind.View, EquatableArray<int>.Empty);

        bool specialized = type is INamedTypeSymbol { IsGenericType: true } named && IsIlgpu(named, "ILGPU.Runtime", "SpecializedValue");
        if (specialized || (type.IsUnmanagedType && !type.IsRefLikeType && type.TypeKind is TypeKind.Struct or TypeKind.Enum))
            return new KernelParameterModel(parameter.Name, typeName, KernelParameterKind.Value, EquatableArray<int>.Empty);

        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedParameterType, location, parameter.Name, method.Name, type.ToDisplayString()));
        return null;
    }

    private static bool IsTopLevelStaticPartial(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        if (type.ContainingType is not null || type.TypeKind != TypeKind.Class || !type.IsStatic) return false;
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
            if (reference.GetSyntax(cancellationToken) is ClassDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                return true;
        return false;
    }

    private static bool IsBenchmarkHook(IMethodSymbol method)
        => method.IsStatic && method.ReturnsVoid && method.Parameters.Length == 2
           && method.Parameters[0].Type.ToDisplayString() == "PruneVid.Kernels.KernelRuntime"
           && method.Parameters[1].Type.ToDisplayString() == "PruneVid.Kernels.KernelBenchmarkContext";

    private static bool IsIndexType(ITypeSymbol type)
        => type is INamedTypeSymbol named && (IsIlgpu(named, "ILGPU", "Index1D") || IsIlgpu(named, "ILGPU", "Index2D") || IsIlgpu(named, "ILGPU", "Index3D"));

    private static bool IsSpecializedInt(ITypeSymbol type)
        => type is INamedTypeSymbol { IsGenericType: true } named && IsIlgpu(named, "ILGPU.Runtime", "SpecializedValue")
           && named.TypeArguments[0].SpecialType == SpecialType.System_Int32;

    private static bool IsView(ITypeSymbol type)
    {
        if (type is not INamedTypeSymbol { IsGenericType: true } named) return false;
        bool view = IsIlgpu(named, "ILGPU", "ArrayView") || IsIlgpu(named, "ILGPU.Runtime", "ArrayView1D") || IsIlgpu(named, "ILGPU.Runtime", "ArrayView2D");
        return view && named.TypeArguments[0].IsUnmanagedType;
    }

    private static bool IsIlgpu(INamedTypeSymbol type, string ns, string name)
        => type.Name == name && type.ContainingNamespace.ToDisplayString() == ns;
}
