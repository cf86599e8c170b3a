// PruneVid.NET — generator tests.
using Microsoft.CodeAnalysis;
using Xunit;

namespace PruneVid.Generators.Tests.Kernels;

/// <summary>
/// The emitted source of the sample families, compared exactly with checked-in baselines. After an intended change
/// to the emitter, run the tests once with PRUNEVID_UPDATE_BASELINES=1 and review the diff of Kernels/Baselines.
/// </summary>
public sealed class KernelGeneratorSnapshotTests
{
    private const string UpdateVariable = "PRUNEVID_UPDATE_BASELINES";

    public static TheoryData<string> GeneratedFiles() => new("Sample.Ops.Scale.Kernels.g.cs", "Fill.Kernels.g.cs", "KernelRegistry.g.cs");

    [Theory]
    [MemberData(nameof(GeneratedFiles))]
    public void EmittedSourceMatchesBaseline(string hintName)
    {
        var (driver, output, diagnostics) = KernelGeneratorHarness.Run(KernelGeneratorHarness.Compile(SampleKernels.Scale, SampleKernels.Fill));
        Assert.Empty(diagnostics);
        Assert.Empty(KernelGeneratorHarness.Errors(output));

        GeneratedSourceResult generated = driver.GetRunResult().Results.Single().GeneratedSources.Single(s => s.HintName == hintName);
        string actual = generated.SourceText.ToString();
        string baseline = Path.Combine(FixturePaths.RepositoryRoot, "tests", "Generators.Tests", "Kernels", "Baselines", hintName + ".txt");

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(baseline, actual);
            return;
        }
        Assert.True(File.Exists(baseline), $"baseline {baseline} is missing; run the tests with {UpdateVariable}=1 to create it");
        string expected = File.ReadAllText(baseline).Replace("\r\n", "\n");
        if (expected != actual)
            Assert.Fail($"{hintName} differs from {baseline} (first difference at character {FirstDifference(expected, actual)}). " +
                        $"If the change is intended, rerun with {UpdateVariable}=1 and review the baseline diff.\n--- actual ---\n{actual}");
    }

    [Fact]
    public void AssemblyWithoutKernelsGetsNoRegistry()
    {
        var (driver, _, diagnostics) = KernelGeneratorHarness.Run(KernelGeneratorHarness.Compile("public static class Plain { public static void M() { } }"));
        Assert.Empty(diagnostics);
        Assert.Empty(driver.GetRunResult().Results.Single().GeneratedSources);
    }

    private static int FirstDifference(string a, string b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
            if (a[i] != b[i]) return i;
        return n;
    }
}
