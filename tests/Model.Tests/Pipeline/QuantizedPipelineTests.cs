// PruneVid.NET — pipeline tests: PipelineOptions.Weights quantizes the language model at load.
using PruneVid.Runtime.Model;
using PruneVid.Runtime.Pipeline;
using PruneVid.Tests;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Model.Tests.Pipeline;

/// <summary>
/// The library API: a pipeline built with <see cref="PipelineOptions.Weights"/> = int8 answers the fixture's video
/// question, and its first greedy token is the bf16 reference's (int8 moves the tiny model's logits by about 1% of
/// their range, measured in QuantizeOnLoadTests, far less than the margin of that argmax).
/// </summary>
public sealed class QuantizedPipelineTests(PipelineFixture fixture, ITestOutputHelper output) : IClassFixture<PipelineFixture>
{
    [Fact]
    public void AnInt8PipelineAnswersWithTheReferenceFirstToken()
    {
        using var pipeline = VideoQaPipeline.Load(fixture.ModelDirectory, new PipelineOptions
        {
            Device = DeviceKind.Cpu,
            Strategy = "noop",
            TokenizerDirectory = fixture.TokenizerDirectory,
            Weights = WeightFormat.Int8,
        });
        Assert.Equal(WeightFormat.Int8, pipeline.Options.Weights);
        VideoQaResult result = pipeline.GenerateFromInputs(fixture.InputIds, fixture.Inputs, sampling: pipeline.DefaultSampling(4) with { EosTokenIds = [] });
        output.WriteLine($"int8 tokens [{string.Join(",", result.Tokens)}], bf16 reference [{string.Join(",", fixture.GreedyTokens.Take(4))}]");
        Assert.Equal(4, result.Tokens.Count);
        Assert.Equal(fixture.GreedyTokens[0], result.Tokens[0]);
    }
}
