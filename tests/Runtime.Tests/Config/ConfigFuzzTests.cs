// PruneVid.NET — model configuration tests: hostile config.json files.
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Errors;
using PruneVid.Runtime.Pipeline;
using PruneVid.Runtime.Tests.Checkpoint;
using PruneVid.Runtime.Tests.Errors;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Runtime.Tests.Config;

/// <summary>
/// Seeded mutations of a real config.json (missing fields, wrong types, negative/zero/huge numbers, huge arrays,
/// deep nesting, non-UTF-8 bytes, truncation): each one loads or fails with a <see cref="ConfigException"/> whose
/// message names the file in at most 500 characters, and loading never allocates in proportion to a number in the file.
/// </summary>
public sealed class ConfigFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20261201;
    private const int Mutations = 1200;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);

    private static readonly string[] HostileValues =
    [
        "null", "true", "\"x\"", "[]", "{}", "-1", "0", "1", "2.5", "-2147483648", "2147483647", "2147483648", "9007199254740993",
        "1e308", "1e400", "-1e400", "100000", "1000000000", "[1,2,3]", "[-1]", "[2147483647,2147483647,2147483647]", "\"2048\"",
    ];

    [Fact]
    public void EveryMutationLoadsOrFailsWithOneBoundedMessageNamingTheFile()
    {
        using var folder = new TempDirectory("prunevid-config-fuzz-", inMemory: true);
        string path = folder.File("config.json");
        var rng = new Random(Seed);
        JsonObject original = JsonNode.Parse(ConfigJson.Published3B)!.AsObject();
        List<string> fields = FieldPaths(original, "").ToList();
        var counts = new Dictionary<string, int>();
        int loaded = 0, rejected = 0;
        var clock = Stopwatch.StartNew();

        int done = 0;
        for (; done < Mutations && clock.Elapsed < Budget; done++)
        {
            var (kind, bytes) = Mutate(rng, original, fields);
            counts[kind] = counts.GetValueOrDefault(kind) + 1;
            File.WriteAllBytes(path, bytes);

            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                Qwen25VLConfig config = Qwen25VLConfig.Load(path);
                loaded++;
                // A config that loads is checked against an empty checkpoint: the block/layer count check comes
                // first, so a hostile depth or layer count costs nothing.
                var e = Assert.Throws<SafeTensorsFormatException>(() => WeightManifest.Validate(new InMemoryWeights(location: "empty"), config));
                UserMessagesTests.AssertClean(UserMessages.Describe(e));
            }
            catch (ConfigException e)
            {
                rejected++;
                string message = UserMessages.Describe(e);
                UserMessagesTests.AssertClean(message);
                Assert.Contains(path, message);
            }
            catch (Exception e)
            {
                Assert.Fail($"mutation {done} ({kind}) threw {e.GetType().Name}: {e.Message}");
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 64L * bytes.Length + (4 << 20), $"mutation {done} ({kind}) allocated {allocated:N0} bytes for a {bytes.Length:N0}-byte file");
        }

        output.WriteLine($"config.json fuzzing (seed {Seed}): {done} mutations in {clock.Elapsed.TotalSeconds:F1} s, {loaded} loaded, {rejected} rejected with ConfigException");
        foreach (var (kind, n) in counts.OrderBy(c => c.Key)) output.WriteLine($"  {kind}: {n}");
        Assert.True(done >= 1000, $"only {done} mutations ran within {Budget}");
        Assert.True(loaded > 0 && rejected > 0);
    }

    [Fact]
    public void Depth100000AgainstAFourBlockCheckpointIsOneSentenceNamingTheFiles()
    {
        using var folder = new TempDirectory("prunevid-depth-");
        string fixture = FixturePaths.Get("tiny-qwen25vl");
        string config = File.ReadAllText(Path.Combine(fixture, "config.json"));
        File.WriteAllText(folder.File("config.json"), ConfigJson.With(config, "vision_config.depth", "100000"));
        File.CreateSymbolicLink(folder.File("model.safetensors"), Path.Combine(fixture, "model.safetensors"));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.ThrowsAny<Exception>(() => VideoQaPipeline.Load(folder.Path, new PipelineOptions
        {
            Device = DeviceKind.Cpu, TokenizerDirectory = FixturePaths.Get("qwen-tokenizer"),
        }));
        string message = UserMessages.Describe(e);
        UserMessagesTests.AssertClean(message);
        Assert.Contains("config.json says 100000 vision blocks (vision_config.depth) but the checkpoint has 4", message);
        Assert.Contains(folder.File("model.safetensors"), message);
        Assert.Single(message.Split(". ")); // one sentence
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 400L << 20);
    }

    [Fact]
    public void TooManyTextLayersAreReportedBeforeTheTensorListIsBuilt()
    {
        using var weights = CheckpointWeights.Open(FixturePaths.Get("tiny-qwen25vl"));
        var real = Qwen25VLConfig.Load(FixturePaths.Get("tiny-qwen25vl"));
        var hostile = real with { Text = real.Text with { NumHiddenLayers = int.MaxValue } };
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<SafeTensorsFormatException>(() => WeightManifest.Validate(weights, hostile));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("config.json says 2147483647 text layers (num_hidden_layers) but the checkpoint has 3", e.Message);
    }

    [Fact]
    public void MissingTensorListsAreBounded()
    {
        var config = Qwen25VLConfig.Load(FixturePaths.Get("tiny-qwen25vl"));
        using var weights = new InMemoryWeights(location: "partial");
        // Blocks and layers are there (one tensor each), everything else is missing: hundreds of names.
        for (int b = 0; b < config.Vision.Depth; b++) weights.Add(WeightTensor.FromArray($"visual.blocks.{b}.norm1.weight", SafeTensorDType.BF16, [1], new byte[2]));
        for (int l = 0; l < config.Text.NumHiddenLayers; l++) weights.Add(WeightTensor.FromArray($"model.layers.{l}.input_layernorm.weight", SafeTensorDType.BF16, [1], new byte[2]));
        var e = Assert.Throws<SafeTensorsFormatException>(() => WeightManifest.Validate(weights, config));
        Assert.Contains("more", e.Message);
        Assert.True(e.Message.Length < 1000, e.Message);
        Assert.Matches(@"\d+ tensor\(s\) the model needs are missing: [^ ]+, [^ ]+, [^ ]+, [^ ]+, [^ ]+ … and \d+ more", e.Message);
    }

    private static (string Kind, byte[] Bytes) Mutate(Random rng, JsonObject original, List<string> fields)
    {
        string field = fields[rng.Next(fields.Count)];
        string text = original.ToJsonString();
        switch (rng.Next(8))
        {
            case 0: return ("remove field", Utf8(Edit(original, field, null, remove: true)));
            case 1: return ("hostile value", Utf8(Edit(original, field, HostileValues[rng.Next(HostileValues.Length)], remove: false)));
            case 2:
                return ("huge array", Utf8(Splice(original, field, "[" + string.Join(",", Enumerable.Repeat(rng.Next(-5, 100_000), rng.Next(5_000, 40_000))) + "]")));
            case 3:
            {
                int depth = rng.Next(50, 5000);
                return ("deep nesting", Utf8(Splice(original, field, new string('[', depth) + new string(']', depth))));
            }
            case 4:
            {
                byte[] bytes = Utf8(text);
                for (int i = rng.Next(1, 4); i > 0; i--) bytes[rng.Next(bytes.Length)] = (byte)rng.Next(0x80, 0x100);
                return ("non-UTF-8 bytes", bytes);
            }
            case 5: return ("truncated", Utf8(text[..rng.Next(text.Length)]));
            case 6:
            {
                byte[] bytes = Utf8(text);
                bytes[rng.Next(bytes.Length)] = (byte)rng.Next(0x20, 0x7F);
                return ("random character", bytes);
            }
            default:
                // Several hostile edits at once.
                string edited = text;
                for (int i = rng.Next(2, 5); i > 0; i--)
                    edited = Edit(JsonNode.Parse(edited)!.AsObject(), fields[rng.Next(fields.Count)], HostileValues[rng.Next(HostileValues.Length)], remove: false);
                return ("several values", Utf8(edited));
        }
    }

    /// <summary>Puts raw JSON text at <paramref name="path"/> without building it as nodes (huge arrays, deep nesting).</summary>
    private static string Splice(JsonObject original, string path, string rawJson)
    {
        const string hole = "\"__hole__\"";
        return Edit(original, path, hole, remove: false).Replace(hole, rawJson, StringComparison.Ordinal);
    }

    private static string Edit(JsonObject original, string path, string? valueJson, bool remove)
    {
        JsonObject root = original.DeepClone().AsObject();
        string[] parts = path.Split('.');
        JsonObject parent = root;
        foreach (string part in parts[..^1])
        {
            if (parent[part] is not JsonObject next) return root.ToJsonString(); // an earlier edit replaced the object
            parent = next;
        }
        if (remove) parent.Remove(parts[^1]);
        else parent[parts[^1]] = JsonNode.Parse(valueJson!, documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = 10_000 });
        return root.ToJsonString(new System.Text.Json.JsonSerializerOptions { MaxDepth = 10_000 });
    }

    private static IEnumerable<string> FieldPaths(JsonObject node, string prefix)
    {
        foreach (var (key, value) in node)
        {
            string path = prefix.Length == 0 ? key : prefix + "." + key;
            yield return path;
            if (value is JsonObject child)
                foreach (string nested in FieldPaths(child, path)) yield return nested;
        }
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
