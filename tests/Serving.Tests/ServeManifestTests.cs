// PruneVid.NET — the Kubernetes serving example, checked field by field (no cluster is reachable here).
using PruneVid.Cli.Serve;
using YamlDotNet.RepresentationModel;

namespace PruneVid.Serving.Tests;

public sealed class ServeManifestTests
{
    private static Dictionary<string, YamlMappingNode> Load()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(FixturePaths.RepositoryRoot, "examples", "k8s", "serve.yaml"));
        yaml.Load(reader);
        var byKind = yaml.Documents.Select(d => (YamlMappingNode)d.RootNode).ToDictionary(d => Scalar(d, "kind"));
        Assert.Equal(["Deployment", "HorizontalPodAutoscaler", "Service"], byKind.Keys.Order());
        return byKind;
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

    private static YamlNode Container(YamlNode deployment) => Assert.Single(((YamlSequenceNode)At(deployment, "spec", "template", "spec", "containers")).Children);

    private static string[] Args(YamlNode container) => [.. ((YamlSequenceNode)At(container, "args")).Children.Select(a => ((YamlScalarNode)a).Value!)];

    [Fact]
    public void TheDeploymentRunsTheServerOnAllInterfacesWithOneGpuAndArgumentsTheCommandAccepts()
    {
        var deployment = Load()["Deployment"];
        Assert.Equal("apps/v1", Scalar(deployment, "apiVersion"));
        var container = Container(deployment);
        Assert.Equal(["prunevid"], ((YamlSequenceNode)At(container, "command")).Children.Select(c => ((YamlScalarNode)c).Value));
        string[] args = Args(container);
        Assert.Equal("serve", args[0]);
        Assert.Contains("--host=0.0.0.0", args); // the default 127.0.0.1 is unreachable from outside the pod
        var parse = ServeCommand.Create().Parse(args[1..]);
        Assert.Empty(parse.Errors);
        Assert.Equal("1", Scalar(container, "resources", "limits", "nvidia.com/gpu"));

        var port = Assert.Single(((YamlSequenceNode)At(container, "ports")).Children);
        Assert.Equal(args.Single(a => a.StartsWith("--port=", StringComparison.Ordinal))["--port=".Length..], Scalar(port, "containerPort"));
        Assert.Equal("http", Scalar(port, "name"));
        var labels = (YamlMappingNode)At(deployment, "spec", "template", "metadata", "labels");
        Assert.Equal(labels.Children, ((YamlMappingNode)At(deployment, "spec", "selector", "matchLabels")).Children);
    }

    [Fact]
    public void ReadinessIsHealthAndLivenessAnEndpointThatAnswersWhileTheModelLoads()
    {
        var container = Container(Load()["Deployment"]);
        Assert.Equal("/health", Scalar(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("http", Scalar(container, "readinessProbe", "httpGet", "port"));
        Assert.Equal("/metrics", Scalar(container, "livenessProbe", "httpGet", "path"));
        Assert.Equal("http", Scalar(container, "livenessProbe", "httpGet", "port"));
        // The startup probe covers a long model load: at least 10 minutes before liveness starts counting.
        int startupSeconds = int.Parse(Scalar(container, "startupProbe", "periodSeconds")) * int.Parse(Scalar(container, "startupProbe", "failureThreshold"));
        Assert.True(startupSeconds >= 600, $"the startup probe allows {startupSeconds} s");
    }

    [Fact]
    public void TheModelIsOnAReadOnlyVolume()
    {
        var deployment = Load()["Deployment"];
        var pod = At(deployment, "spec", "template", "spec");
        var container = Container(deployment);
        var volumes = ((YamlSequenceNode)At(pod, "volumes")).Children.ToDictionary(v => Scalar(v, "name"));
        var mount = Assert.Single(((YamlSequenceNode)At(container, "volumeMounts")).Children);
        Assert.Equal("/models", Scalar(mount, "mountPath"));
        Assert.Equal("true", Scalar(mount, "readOnly"));
        Assert.Equal("true", Scalar(volumes[Scalar(mount, "name")], "persistentVolumeClaim", "readOnly"));
        Assert.StartsWith("--model=/models/", Args(container).Single(a => a.StartsWith("--model=", StringComparison.Ordinal)));
    }

    [Fact]
    public void TheServiceSelectsThePodsAndTheAutoscalerScalesOnTheQueueDepthTheServerExports()
    {
        var all = Load();
        var deployment = all["Deployment"];
        var podLabels = (YamlMappingNode)At(deployment, "spec", "template", "metadata", "labels");
        var service = all["Service"];
        foreach (var (key, value) in ((YamlMappingNode)At(service, "spec", "selector")).Children)
            Assert.Equal(value, podLabels.Children[key]);
        var servicePort = Assert.Single(((YamlSequenceNode)At(service, "spec", "ports")).Children);
        Assert.Equal("http", Scalar(servicePort, "targetPort"));

        var hpa = all["HorizontalPodAutoscaler"];
        Assert.Equal("autoscaling/v2", Scalar(hpa, "apiVersion"));
        Assert.Equal("Deployment", Scalar(hpa, "spec", "scaleTargetRef", "kind"));
        Assert.Equal(Scalar(deployment, "metadata", "name"), Scalar(hpa, "spec", "scaleTargetRef", "name"));
        Assert.InRange(int.Parse(Scalar(hpa, "spec", "minReplicas")), 1, int.Parse(Scalar(hpa, "spec", "maxReplicas")));
        var metric = Assert.Single(((YamlSequenceNode)At(hpa, "spec", "metrics")).Children);
        Assert.Equal("Pods", Scalar(metric, "type"));
        string name = Scalar(metric, "pods", "metric", "name");
        Assert.Equal("AverageValue", Scalar(metric, "pods", "target", "type"));
        Assert.True(double.Parse(Scalar(metric, "pods", "target", "averageValue"), System.Globalization.CultureInfo.InvariantCulture) > 0);
        // The metric is one the server really exports, and Prometheus is told where to scrape it.
        Assert.Contains($"\n{name} 3", "\n" + new ServerMetrics().Render(queueDepth: 3, running: 0, ready: true));
        var annotations = At(deployment, "spec", "template", "metadata", "annotations");
        Assert.Equal("/metrics", Scalar(annotations, "prometheus.io/path"));
        Assert.Equal(Scalar(Assert.Single(((YamlSequenceNode)At(Container(deployment), "ports")).Children), "containerPort"),
            Scalar(annotations, "prometheus.io/port"));
    }
}
