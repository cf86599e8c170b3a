// PruneVid.NET — packaging tests: the NuGet packages, the .NET tool, and a user's reducer built against the packages.
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Xml.Linq;

namespace PruneVid.Serving.Tests;

/// <summary>
/// Packs the shipped projects into a temporary folder (from the build the tests already have), then installs the tool
/// from it and builds a throwaway project against it, restoring everything else from the normal feed and the local
/// package cache. The packages, the tool and the throwaway project live in a temporary folder that is deleted after.
/// </summary>
[Collection("serve")]
public sealed class PackagingTests : IDisposable
{
    private static readonly string[] s_projects = ["Kernels", "Strategies", "Runtime", "Cli"];
    private readonly string _work = Path.Combine(Path.GetTempPath(), "prunevid-pack-" + Guid.NewGuid().ToString("N")[..8]);
    private string Feed => Path.Combine(_work, "feed");

    [Fact]
    public void PacksCarryMetadataSymbolsAndTheGeneratorsAsAnAnalyzerThenTheToolInstallsAndAUserReducerIsFound()
    {
        foreach (string project in s_projects)
            Dotnet(FixturePaths.RepositoryRoot, "pack", $"src/{project}/PruneVid.{project}.csproj", "-c", Configuration, "--no-build", "-o", Feed);

        foreach (string id in s_projects.Select(p => $"PruneVid.{p}"))
        {
            string package = Path.Combine(Feed, $"{id}.{PackageVersion}.nupkg");
            Assert.True(File.Exists(package), $"{package} was not produced");
            Assert.True(File.Exists(Path.ChangeExtension(package, ".snupkg")), $"{id} has no symbol package");
            using var zip = ZipFile.OpenRead(package);
            var nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            string? Field(string name) => nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
            Assert.Equal(id, Field("id"));
            Assert.Equal("MIT", Field("license"));
            Assert.Equal("README.md", Field("readme"));
            Assert.False(string.IsNullOrWhiteSpace(Field("description")));
            Assert.Contains(zip.Entries, e => e.FullName == "README.md");
            if (id == "PruneVid.Strategies") Assert.Contains(zip.Entries, e => e.FullName == "analyzers/dotnet/cs/PruneVid.Generators.dll");
            if (id == "PruneVid.Cli") Assert.Contains(zip.Entries, e => e.FullName == "DotnetToolSettings.xml" || e.FullName.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal));
            Assert.DoesNotContain("PruneVid.Generators", nuspec.ToString(), StringComparison.Ordinal);   // not a dependency of its own
        }

        string tools = Path.Combine(_work, "tools");
        WriteNugetConfig(_work);
        Dotnet(_work, "tool", "install", "--tool-path", tools, "--add-source", Feed, "PruneVid.Cli", "--version", PackageVersion);
        string prunevid = Path.Combine(tools, OperatingSystem.IsWindows() ? "prunevid.exe" : "prunevid");
        Assert.Equal(PackageVersion, Run(prunevid, _work, "--version").Trim());
        string strategies = Run(prunevid, _work, "strategies");
        Assert.Contains("prunevid-stage1", strategies);
        Assert.Contains("noop", strategies);

        string user = Path.Combine(_work, "user-reducer");
        Directory.CreateDirectory(user);
        WriteNugetConfig(user);
        File.WriteAllText(Path.Combine(user, "UserReducer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
              <ItemGroup><PackageReference Include="PruneVid.Strategies" Version="{PackageVersion}" /></ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(user, "Program.cs"), """
            using PruneVid.Strategies;
            var reducer = TokenReducerRegistry.Create("keep-first", "count=3");
            Console.WriteLine(TokenReducerRegistry.TryGet("keep-first", out var d) ? $"found {d.Name} {((KeepFirst)reducer).Options.Count}" : "missing");
            public sealed class KeepFirstOptions { [Parameter(4, Min = 1, Max = 64, Description = "tokens kept")] public int Count { get; set; } = 4; }
            [TokenReducer("keep-first", Description = "Keeps the first tokens (a user's reducer)")]
            public sealed class KeepFirst : ITokenReducer<KeepFirstOptions>
            {
                public KeepFirstOptions Options { get; init; } = new();
                public TokenReduction Reduce(VideoTokens video, ReductionContext context) => throw new NotSupportedException();
            }
            """);
        Assert.Equal("found keep-first 3", Dotnet(user, "run", "-c", "Release").Trim().Split('\n')[^1].Trim());
    }

    private static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    private static string PackageVersion => "0.1.0";

    /// <summary>The feed beside the normal one; our packages unpack into a private folder, the rest comes from the user's cache.</summary>
    private void WriteNugetConfig(string folder)
    {
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{Path.Combine(_work, "packages")}" /></config>
              <packageSources><clear /><add key="local" value="{Feed}" /><add key="nuget.org" value="https://api.nuget.org/v3/index.json" /></packageSources>
              <fallbackPackageFolders><add key="cache" value="{cache}" /></fallbackPackageFolders>
            </configuration>
            """);
    }

    private static string Dotnet(string folder, params string[] args) => Run("dotnet", folder, args);

    private static string Run(string program, string folder, params string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        // The test host's MSBuild variables would steer the nested builds.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k == "VSTEST_HOST_DEBUG").ToList())
            start.Environment.Remove(key);
        start.Environment.Remove("NUGET_PACKAGES");   // nuget.config names the folders
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(4))) { process.Kill(entireProcessTree: true); Assert.Fail($"{program} {string.Join(' ', args)} did not finish"); }
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)} exited {process.ExitCode}:\n{stdout}\n{output}");
        return stdout;
    }

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
