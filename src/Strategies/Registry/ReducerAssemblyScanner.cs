// PruneVid.NET — reducer registry.
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace PruneVid.Strategies;

/// <summary>Tells from an assembly file's metadata, without loading it, whether it carries <see cref="ContainsTokenReducersAttribute"/>.</summary>
internal static class ReducerAssemblyScanner
{
    private const string MarkerNamespace = "PruneVid.Strategies";
    private const string MarkerName = nameof(ContainsTokenReducersAttribute);

    public static bool DeclaresReducers(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata) return false;
            MetadataReader md = pe.GetMetadataReader();
            if (!md.IsAssembly) return false;
            foreach (CustomAttributeHandle handle in md.GetAssemblyDefinition().GetCustomAttributes())
                if (IsMarker(md, md.GetCustomAttribute(handle).Constructor)) return true;
            return false;
        }
        catch (Exception ex) when (ex is IOException or BadImageFormatException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool IsMarker(MetadataReader md, EntityHandle constructor)
    {
        switch (constructor.Kind)
        {
            case HandleKind.MemberReference:
                EntityHandle parent = md.GetMemberReference((MemberReferenceHandle)constructor).Parent;
                if (parent.Kind != HandleKind.TypeReference) return false;
                TypeReference reference = md.GetTypeReference((TypeReferenceHandle)parent);
                return md.StringComparer.Equals(reference.Name, MarkerName) && md.StringComparer.Equals(reference.Namespace, MarkerNamespace);
            case HandleKind.MethodDefinition:
                TypeDefinition definition = md.GetTypeDefinition(md.GetMethodDefinition((MethodDefinitionHandle)constructor).GetDeclaringType());
                return md.StringComparer.Equals(definition.Name, MarkerName) && md.StringComparer.Equals(definition.Namespace, MarkerNamespace);
            default:
                return false;
        }
    }
}
