// PruneVid.NET — PruneVid Stage 1 tests.
using System.Diagnostics;
using System.Globalization;
using PruneVid.Compute;
using PruneVid.Kernels;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Strategies.Stage1;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Strategies.Tests.Stage1;

/// <summary>One ILGPU backend on the CPU accelerator for all Stage-1 backend tests (kernels compile once).</summary>
public sealed class IlgpuCpuBackendFixture : IDisposable
{
    /// <summary>The backend.</summary>
    public IlgpuBackend Backend { get; } = new(KernelRuntime.CreateCpu(), ownsRuntime: true);

    /// <inheritdoc />
    public void Dispose() => Backend.Dispose();
}

/// <summary>
/// Stage 1 on a backend (<see cref="Stage1OnBackend"/>) against the official fixtures and against the host oracle
/// <see cref="Stage1Algorithm"/>, on the Cpu backend and on ILGPU's CPU accelerator, and its transfer budget.
/// </summary>
public sealed class Stage1OnBackendTests(IlgpuCpuBackendFixture ilgpu, ITestOutputHelper output) : IClassFixture<IlgpuCpuBackendFixture>
{
    private const float FeatureTolerance = 1e-5f;

    public static TheoryData<string, string> CasesOnBackends()
    {
        var data = new TheoryData<string, string>();
        foreach (string file in OfficialFixtureTests.Cases())
            foreach (string backend in new[] { "cpu", "ilgpu-cpu" }) data.Add(file, backend);
        return data;
    }

    [Theory]
    [MemberData(nameof(CasesOnBackends))]
    public void ReproducesTheOfficialOutputAndTheHostAlgorithm(string file, string backendName)
    {
        using var st = SafeTensorsFile.Open(Path.Combine(FixturePaths.Get("prunevid-official"), file));
        int T = Meta(st, "T"), P = Meta(st, "gh") * Meta(st, "gw"), C = Meta(st, "C");
        int k = st.Metadata.ContainsKey("k") ? Meta(st, "k") : 7;
        var settings = new Stage1Settings(MetaD(st, "tau"), MetaD(st, "cr"), MetaD(st, "tsr"), k);
        float[] features = st.ReadF32("features_in");
        Stage1Result host = Stage1Algorithm.Run(features, T, P, C, settings);

        using var cpu = new CpuBackend();
        ComputeBackend backend = backendName == "cpu" ? cpu : ilgpu.Backend;
        using Tensor x = backend.FromF32(features, T * P, C);
        Stage1OnBackendResult result = Stage1OnBackend.Run(backend, x, T, P, settings);
        using Tensor merged = result.Features;
        float[] actual = new float[merged.Length];
        if (actual.Length > 0) backend.CopyToHost(merged, actual);

        Assert.Equal(Ints(st, "frame_labels"), result.FrameLabels);
        Assert.Equal(Ints(st, "frame_labels_refined"), result.RefinedFrameLabels);
        Assert.Equal(Ints(st, "window_sizes"), result.Segments.Select(s => s.Frames).ToArray());
        Assert.Equal(Ints(st, "static_sizes"), result.Segments.Select(s => s.StaticTokens).ToArray());
        Assert.Equal(Ints(st, "dynamic_sizes"), result.Segments.Select(s => s.DynamicTokens).ToArray());
        Assert.Equal(host.Segments, result.Segments);
        Assert.Equal(host.Representatives, result.Representatives);
        Assert.Equal(host.Provenance.Count, result.Provenance.Count);
        for (int r = 0; r < host.Rows; r++) Assert.Equal(host.Provenance[r], result.Provenance[r]);

        float[] expected = st.ReadF32("features_out");
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0, fromHost = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = MathF.Max(worst, MathF.Abs(expected[i] - actual[i]));
            fromHost = MathF.Max(fromHost, MathF.Abs(host.Features[i] - actual[i]));
        }
        output.WriteLine($"{file} on {backendName}: {result.Rows} rows, max abs error {worst:E2} (official), {fromHost:E2} (host)");
        Assert.True(worst <= FeatureTolerance, $"{file}: max abs error {worst:E2} > {FeatureTolerance:E0}");
        if (backendName == "cpu") Assert.Equal(host.Features, actual); // the Cpu backend runs the references themselves
        else Assert.True(fromHost <= FeatureTolerance, $"{file}: {fromHost:E2} from the host algorithm");
    }

    [Theory]
    [MemberData(nameof(CasesOnBackends))]
    public void ReducerCreatedByNameReproducesTheOfficialOutputOnItsBackend(string file, string backendName)
    {
        using var st = SafeTensorsFile.Open(Path.Combine(FixturePaths.Get("prunevid-official"), file));
        int T = Meta(st, "T"), gh = Meta(st, "gh"), gw = Meta(st, "gw"), C = Meta(st, "C");
        int k = st.Metadata.ContainsKey("k") ? Meta(st, "k") : 7;
        string parameters = $"tau={st.Metadata["tau"]},cluster_ratio={st.Metadata["cr"]},temporal_segment_ratio={st.Metadata["tsr"]},dpc_knn_k={k}";
        using var cpu = new CpuBackend();
        ComputeBackend backend = backendName == "cpu" ? cpu : ilgpu.Backend;
        var grid = new VideoGrid(T, gh, gw);
        using Tensor x = backend.FromF32(st.ReadF32("features_in"), T * gh * gw, C);
        var video = new VideoTokens(x, grid, TestVideos.RasterPositions(grid));

        TokenReduction result = TokenReducerRegistry.Create("prunevid-stage1", parameters).Reduce(video, TestVideos.Context(C));

        Assert.Same(backend, result.Embeddings.Backend); // the merged features stay where the embeddings were
        Assert.Equal(Ints(st, "static_sizes"), result.Segments.Select(s => s.StaticTokens).ToArray());
        Assert.Equal(Ints(st, "dynamic_sizes"), result.Segments.Select(s => s.DynamicTokens).ToArray());
        float[] expected = st.ReadF32("features_out"), actual = TestVideos.Host(result.Embeddings);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(MathF.Abs(expected[i] - actual[i]) <= FeatureTolerance, $"{file}: element {i}");
        result.Embeddings.Dispose();
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    public void Bf16EmbeddingsAreReducedAsTheirF32Values(string backendName)
    {
        const int T = 6, h = 5, w = 6, C = 12;
        ushort[] bf16 = new ushort[T * h * w * C];
        Bf16.FromSingle(SceneVideo(T, h * w, C, seed: 4), bf16);
        float[] widened = new float[bf16.Length];
        Bf16.ToSingle(bf16, widened);
        Stage1Result host = Stage1Algorithm.Run(widened, T, h * w, C, new Stage1Settings(0.8, 0.5, 0.25, 5));
        using var cpu = new CpuBackend();
        ComputeBackend backend = backendName == "cpu" ? cpu : ilgpu.Backend;
        var grid = new VideoGrid(T, h, w);
        using Tensor x = backend.FromBf16(bf16, T * h * w, C);

        TokenReduction result = TokenReducerRegistry.Create("prunevid-stage1", "dpc_knn_k=5")
            .Reduce(new VideoTokens(x, grid, TestVideos.RasterPositions(grid)), TestVideos.Context(C));

        Assert.Equal(host.Segments, result.Segments);
        float[] actual = TestVideos.Host(result.Embeddings);
        Assert.Equal(host.Features.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++) Assert.True(MathF.Abs(host.Features[i] - actual[i]) <= 1e-5f, $"element {i}");
        result.Embeddings.Dispose();
    }

    [Theory]
    [InlineData(4, 6, 6, 16, 1)]
    [InlineData(12, 8, 8, 24, 2)]
    [InlineData(16, 7, 9, 5, 3)]
    public void SyntheticVideosMatchTheHostAlgorithmOnIlgpu(int T, int h, int w, int C, int seed)
    {
        int P = h * w;
        float[] features = SceneVideo(T, P, C, seed);
        var settings = new Stage1Settings(0.8, 0.5, 0.25, 5);
        Stage1Result host = Stage1Algorithm.Run(features, T, P, C, settings);
        foreach (ComputeBackend backend in new ComputeBackend[] { new CpuBackend(), ilgpu.Backend })
        {
            using Tensor x = backend.FromF32(features, T * P, C);
            Stage1OnBackendResult result = Stage1OnBackend.Run(backend, x, T, P, settings);
            using Tensor merged = result.Features;
            float[] actual = new float[merged.Length];
            backend.CopyToHost(merged, actual);
            Assert.Equal(host.FrameLabels, result.FrameLabels);
            Assert.Equal(host.Segments, result.Segments);
            Assert.Equal(host.Representatives, result.Representatives);
            for (int r = 0; r < host.Rows; r++) Assert.Equal(host.Provenance[r], result.Provenance[r]);
            for (int i = 0; i < actual.Length; i++) Assert.True(MathF.Abs(host.Features[i] - actual[i]) <= 1e-5f, $"{backend.Name}: element {i}");
            if (backend is CpuBackend) backend.Dispose();
        }
    }

    /// <summary>
    /// Transfers and waits of one Stage-1 call do not grow with the number of segments and groups: a small clip and
    /// one with many more segments (hence groups) give the same counts.
    /// </summary>
    [Fact]
    public void TransfersPerCallDoNotDependOnTheNumberOfGroups()
    {
        var settings = new Stage1Settings(0.8, 0.5, 0.25, 5);
        (CounterSnapshot small, int smallGroups) = Measure(4, 6, 16, settings);
        (CounterSnapshot large, int largeGroups) = Measure(32, 36, 16, settings);
        output.WriteLine($"small ({smallGroups} segments): {small}");
        output.WriteLine($"large ({largeGroups} segments): {large}");
        Assert.True(largeGroups >= 4 * smallGroups, $"the large clip should have many more segments ({smallGroups} vs {largeGroups})");
        Assert.Equal(small.HostToDevice, large.HostToDevice);
        Assert.Equal(small.DeviceToHost, large.DeviceToHost);
        Assert.Equal(small.Synchronizations, large.Synchronizations);
        Assert.Equal(small.Launches, large.Launches);
        Assert.True(small.HostToDevice + small.DeviceToHost <= 8, $"transfers per call: {small}");
        Assert.True(small.Synchronizations <= 1, $"waits per call: {small}");
    }

    /// <summary>
    /// 16 frames × 8×8 tokens × 256 channels (the benchmark's frame count; the full 16×16×3584 benchmark shape takes
    /// minutes on the CPU accelerator) gives the same counts as small clips.
    /// </summary>
    [Fact]
    public void BenchmarkLikeShapeHasTheSameTransferBudget()
    {
        var settings = new Stage1Settings(0.8, 0.5, 0.25, 5);
        (CounterSnapshot small, _) = Measure(4, 6, 16, settings);
        var clock = Stopwatch.StartNew();
        (CounterSnapshot bench, int segments) = Measure(16, 64, 256, settings);
        output.WriteLine($"16x8x8x256 ({segments} segments, {clock.Elapsed.TotalSeconds:F1} s): {bench}");
        Assert.Equal(small.HostToDevice, bench.HostToDevice);
        Assert.Equal(small.DeviceToHost, bench.DeviceToHost);
        Assert.Equal(small.Synchronizations, bench.Synchronizations);
        Assert.Equal(small.Launches, bench.Launches);
    }

    private (CounterSnapshot Counters, int Segments) Measure(int T, int P, int C, Stage1Settings settings)
    {
        IlgpuBackend backend = ilgpu.Backend;
        using Tensor x = backend.FromF32(SceneVideo(T, P, C, seed: T), T * P, C);
        CounterSnapshot before = backend.Counters.Snapshot();
        Stage1OnBackendResult result = Stage1OnBackend.Run(backend, x, T, P, settings);
        CounterSnapshot delta = backend.Counters.Snapshot() - before;
        result.Features.Dispose();
        return (delta, result.Segments.Count);
    }

    // Scenes of two frames: a shared random scene per pair, half the positions static (tiny noise), half moving.
    private static float[] SceneVideo(int T, int P, int C, int seed)
    {
        var random = new Random(seed);
        float[] data = new float[T * P * C];
        float[] scene = new float[P * C];
        for (int t = 0; t < T; t++)
        {
            if (t % 2 == 0) for (int i = 0; i < scene.Length; i++) scene[i] = (float)(random.NextDouble() * 2 - 1);
            for (int p = 0; p < P; p++)
                for (int c = 0; c < C; c++)
                {
                    float noise = (float)(random.NextDouble() * 2 - 1) * (p % 2 == 0 ? 0.05f : 1f);
                    data[(t * P + p) * C + c] = scene[p * C + c] + noise;
                }
        }
        return data;
    }

    private static int Meta(SafeTensorsFile st, string key) => int.Parse(st.Metadata[key], CultureInfo.InvariantCulture);
    private static double MetaD(SafeTensorsFile st, string key) => double.Parse(st.Metadata[key], CultureInfo.InvariantCulture);
    private static int[] Ints(SafeTensorsFile st, string name) => st.ReadI64(name).Select(v => checked((int)v)).ToArray();
}
