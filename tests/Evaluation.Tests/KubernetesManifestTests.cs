// PruneVid.NET — evaluation tests: the Kubernetes example, checked field by field (no cluster is reachable here).
using YamlDotNet.RepresentationModel;

namespace PruneVid.Evaluation.Tests;

public sealed class KubernetesManifestTests
{
    private static YamlMappingNode Load()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(FixturePaths.RepositoryRoot, "examples", "k8s", "eval-egoschema.yaml"));
        yaml.Load(reader);
        Assert.Single(yaml.Documents);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static YamlNode At(YamlNode node, params string[] path)
    {
        foreach (string key in path)
        {
            var map = Assert.IsType<YamlMappingNode>(node);
            Assert.True(map.Children.TryGetValue(new YamlScalarNode(key), out var next), $"missing field {key}");
            node = next;
        }
        return node;
    }

    private static string Scalar(YamlNode node, params string[] path) => Assert.IsType<YamlScalarNode>(At(node, path)).Value!;

    [Fact]
    public void ItIsAnIndexedJobWhoseShardCountMatchesItsCompletions()
    {
        var root = Load();
        Assert.Equal("batch/v1", Scalar(root, "apiVersion"));
        Assert.Equal("Job", Scalar(root, "kind"));
        var spec = At(root, "spec");
        Assert.Equal("Indexed", Scalar(spec, "completionMode"));
        int completions = int.Parse(Scalar(spec, "completions"));
        Assert.InRange(int.Parse(Scalar(spec, "parallelism")), 1, completions);
        Assert.True(int.Parse(Scalar(spec, "backoffLimitPerIndex")) >= 1);
        Assert.Equal("Never", Scalar(spec, "template", "spec", "restartPolicy")); // required by backoffLimitPerIndex

        var container = Assert.Single(((YamlSequenceNode)At(spec, "template", "spec", "containers")).Children);
        string[] args = [.. ((YamlSequenceNode)At(container, "args")).Children.Select(a => ((YamlScalarNode)a).Value!)];
        Assert.Equal(["prunevid"], ((YamlSequenceNode)At(container, "command")).Children.Select(c => ((YamlScalarNode)c).Value));
        Assert.Equal(["eval", "egoschema"], args[..2]);
        Assert.Contains($"--shard-count={completions}", args);
        Assert.DoesNotContain(args, a => a.StartsWith("--shard=", StringComparison.Ordinal)); // the index comes from JOB_COMPLETION_INDEX
        Assert.Equal("1", Scalar(container, "resources", "limits", "nvidia.com/gpu"));
    }

    [Fact]
    public void ModelAndDataAreReadOnlyAndResultsGoToTheWritableVolume()
    {
        var pod = At(Load(), "spec", "template", "spec");
        var container = ((YamlSequenceNode)At(pod, "containers")).Children[0];
        var volumes = ((YamlSequenceNode)At(pod, "volumes")).Children.ToDictionary(v => Scalar(v, "name"));
        var mounts = ((YamlSequenceNode)At(container, "volumeMounts")).Children.ToDictionary(m => Scalar(m, "mountPath"));
        foreach (var mount in mounts.Values) Assert.True(volumes.ContainsKey(Scalar(mount, "name")), $"mount of undeclared volume {Scalar(mount, "name")}");
        Assert.Equal("true", Scalar(mounts["/models"], "readOnly"));
        Assert.Equal("true", Scalar(mounts["/data"], "readOnly"));
        Assert.False(((YamlMappingNode)mounts["/results"]).Children.ContainsKey(new YamlScalarNode("readOnly")));

        string[] args = [.. ((YamlSequenceNode)At(container, "args")).Children.Select(a => ((YamlScalarNode)a).Value!)];
        string Value(string option) => args.Single(a => a.StartsWith(option + "=", StringComparison.Ordinal))[(option.Length + 1)..];
        Assert.StartsWith("/models/", Value("--model"));
        Assert.StartsWith("/data/", Value("--questions"));
        Assert.StartsWith("/data/", Value("--videos"));
        Assert.StartsWith("/results/", Value("--out"));
    }
}
