// PruneVid.NET — reducer registry.
using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace PruneVid.Strategies;

/// <summary>
/// Every reducer known to the process. Generated code registers each assembly's reducers from a module initializer.
/// Module initializers only run when something in their assembly is first touched, so on first use the registry
/// also looks at the loaded assemblies and the application's other assemblies (the trusted-platform list that
/// deps.json produces), and for each one marked <see cref="ContainsTokenReducersAttribute"/> loads it and runs its
/// module initializer: a referenced user assembly is found without any registration code, even if none of its types
/// is ever mentioned. Assemblies loaded later (plug-ins) are picked up on the next lookup.
/// </summary>
public static class TokenReducerRegistry
{
    // Public key tokens of framework assemblies: never carry reducers, and walking them would load the whole BCL.
    private static readonly HashSet<string> s_frameworkKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "b77a5c561934e089", "b03f5f7f11d50a3a", "cc7b13ffcd2ddd51", "7cec85d7bea7798e", "31bf3856ad364e35", "adb9793829ddae60",
    };

    private static readonly object s_lock = new();
    private static readonly Dictionary<string, TokenReducerDescriptor> s_byName = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, string> s_conflicts = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, bool> s_visited = new(StringComparer.Ordinal);
    private static readonly ConcurrentQueue<Assembly> s_pending = new();
    private static readonly Lazy<bool> s_discovered = new(DiscoverAll, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Adds a reducer (called by generated module initializers). Registering the same type twice is harmless.</summary>
    public static void Register(TokenReducerDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        lock (s_lock)
        {
            if (s_byName.TryGetValue(descriptor.Name, out TokenReducerDescriptor? existing))
            {
                // Throwing from a module initializer would make the whole assembly unusable; report it on lookup instead.
                if (existing.ReducerType != descriptor.ReducerType)
                    s_conflicts[descriptor.Name] = $"reducer name '{descriptor.Name}' is declared twice: by {existing.ReducerType.AssemblyQualifiedName} and by {descriptor.ReducerType.AssemblyQualifiedName}";
                return;
            }
            s_byName.Add(descriptor.Name, descriptor);
        }
    }

    /// <summary>All reducers, sorted by name (ordinal).</summary>
    public static IReadOnlyList<TokenReducerDescriptor> All
    {
        get
        {
            EnsureDiscovered();
            lock (s_lock) return s_byName.Values.OrderBy(d => d.Name, StringComparer.Ordinal).ToArray();
        }
    }

    /// <summary>Looks a reducer up by name.</summary>
    public static bool TryGet(string name, out TokenReducerDescriptor descriptor)
    {
        EnsureDiscovered();
        lock (s_lock)
        {
            if (s_conflicts.TryGetValue(name, out string? conflict)) throw new TokenReducerConfigurationException(conflict);
            return s_byName.TryGetValue(name, out descriptor!);
        }
    }

    /// <summary>The reducer called <paramref name="name"/>; the error lists the known names.</summary>
    public static TokenReducerDescriptor Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (TryGet(name, out TokenReducerDescriptor descriptor)) return descriptor;
        throw new TokenReducerConfigurationException(
            $"unknown token reducer '{name}'; known reducers: {string.Join(", ", All.Select(d => d.Name))}");
    }

    /// <summary>
    /// Creates the reducer a strategy spec names (<see cref="StrategySpec"/>: <c>name</c>, <c>name:preset</c>,
    /// <c>name(k=v)</c> or a chain <c>a+b</c>, which gives a <see cref="ReducerChain"/>) with an optional parameter
    /// string applied on top (e.g. <c>"tau=0.8,cluster_ratio=0.5"</c>).
    /// </summary>
    public static ITokenReducer Create(string reducer, string? parameters = null) => StrategySpec.Parse(reducer).Create(parameters);

    /// <summary>Splits <c>name</c> or <c>name:preset</c> into its parts (the preset is null when absent).</summary>
    public static (string Name, string? Preset) ParseSpec(string reducer)
    {
        ArgumentNullException.ThrowIfNull(reducer);
        string name = reducer.Trim();
        int colon = name.IndexOf(':');
        if (colon < 0) return (name, null);
        string preset = name[(colon + 1)..].Trim();
        if (preset.Length == 0) throw new TokenReducerConfigurationException($"'{reducer}': empty preset name after ':'");
        return (name[..colon].Trim(), preset);
    }

    /// <summary>Runs the registration of <paramref name="assembly"/> if it declares reducers (safe to call repeatedly).</summary>
    public static void RegisterAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        if (assembly.IsDefined(typeof(ContainsTokenReducersAttribute), inherit: false))
            RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
    }

    private static void EnsureDiscovered()
    {
        _ = s_discovered.Value;
        while (s_pending.TryDequeue(out Assembly? loaded)) Visit(loaded, followReferences: false);
    }

    private static bool DiscoverAll()
    {
        AppDomain.CurrentDomain.AssemblyLoad += (_, e) => s_pending.Enqueue(e.LoadedAssembly);
        foreach (Assembly assembly in AppDomain.CurrentDomain.GetAssemblies()) Visit(assembly, followReferences: false);

        // The compiler drops references to assemblies whose types are never used, so an untouched reducer assembly
        // is neither loaded nor referenced: find it among the application's assemblies (deps.json → TPA list) by
        // peeking at its metadata, and load only the ones that declare reducers.
        string[] applicationAssemblies = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        if (applicationAssemblies.Length > 0)
        {
            string runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location) ?? "";
            foreach (string path in applicationAssemblies)
            {
                if (runtimeDirectory.Length > 0 && path.StartsWith(runtimeDirectory, StringComparison.Ordinal)) continue;
                if (!ReducerAssemblyScanner.DeclaresReducers(path)) continue;
                try { Visit(Assembly.Load(AssemblyName.GetAssemblyName(path)), followReferences: false); }
                catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException) { }
            }
        }
        else if (Assembly.GetEntryAssembly() is { } entry)
        {
            Visit(entry, followReferences: true); // single-file hosts have no TPA list: walk references instead
        }
        return true;
    }

    private static void Visit(Assembly assembly, bool followReferences)
    {
        if (assembly.IsDynamic || IsFramework(assembly.GetName())) return;
        if (!s_visited.TryAdd(assembly.FullName ?? assembly.GetName().Name ?? "", true)) return;
        RegisterAssembly(assembly);
        if (!followReferences) return;
        foreach (AssemblyName reference in assembly.GetReferencedAssemblies())
        {
            if (IsFramework(reference) || s_visited.ContainsKey(reference.FullName)) continue;
            Assembly loaded;
            try { loaded = Assembly.Load(reference); }
            catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException) { continue; }
            Visit(loaded, followReferences: true);
        }
    }

    private static bool IsFramework(AssemblyName name)
    {
        byte[]? token = name.GetPublicKeyToken();
        return token is { Length: > 0 } && s_frameworkKeys.Contains(Convert.ToHexString(token));
    }
}
