// PruneVid.NET — language model tests: logit processors.
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model.Text;
using Xunit;

namespace PruneVid.Model.Tests.Text;

public sealed class SamplerTests
{
    [Fact]
    public void RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits()
    {
        float[] logits = [2f, -2f, 1f, 4f];
        Sampler.ApplyRepetitionPenalty(logits, [0, 1, 1], 2f);
        Assert.Equal(new[] { 1f, -4f, 1f, 4f }, logits);
    }

    [Fact]
    public void GreedyTakesTheLowestIndexOnTies()
    {
        var sampler = new Sampler(new SamplingOptions());
        Assert.Equal(1, sampler.Next(new float[] { 0f, 3f, 3f, -1f }, []));
    }

    [Fact]
    public void PenaltyCanChangeTheGreedyChoice()
    {
        var sampler = new Sampler(new SamplingOptions { RepetitionPenalty = 2.0 });
        Assert.Equal(2, sampler.Next(new float[] { 0f, 3f, 2f }, [1]));
    }

    [Fact]
    public void TopKKeepsTiesWithTheKthValue()
    {
        float[] logits = [1f, 5f, 3f, 3f, 0f];
        Sampler.ApplyTopK(logits, 2);
        Assert.Equal(new[] { float.NegativeInfinity, 5f, 3f, 3f, float.NegativeInfinity }, logits);
    }

    [Fact]
    public void TopPKeepsTheSmallestNucleus()
    {
        // Probabilities ≈ 0.6652, 0.2447, 0.0900: top_p 0.8 keeps the first two, top_p 0.5 only the first.
        float[] a = [2f, 1f, 0f];
        Sampler.ApplyTopP(a, 0.8);
        Assert.Equal(new[] { 2f, 1f, float.NegativeInfinity }, a);
        float[] b = [2f, 1f, 0f];
        Sampler.ApplyTopP(b, 0.5);
        Assert.Equal(new[] { 2f, float.NegativeInfinity, float.NegativeInfinity }, b);
    }

    [Fact]
    public void SamplingFollowsTheDistributionAndTheSeed()
    {
        var options = new SamplingOptions { DoSample = true, Temperature = 1.0, TopK = 0, Seed = 42 };
        int[] counts = new int[2];
        var sampler = new Sampler(options);
        for (int i = 0; i < 4000; i++) counts[sampler.Next(new float[] { 0f, MathF.Log(3f) }, [])]++;
        Assert.InRange(counts[1] / 4000.0, 0.72, 0.78); // p = 0.75
        var again = new Sampler(options);
        var first = new Sampler(options);
        for (int i = 0; i < 20; i++)
            Assert.Equal(first.Next(new float[] { 0f, 0f, 0f }, []), again.Next(new float[] { 0f, 0f, 0f }, []));
    }

    [Fact]
    public void InvalidSettingsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(new SamplingOptions { TopP = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(new SamplingOptions { DoSample = true, Temperature = 0 }));
    }

    [Fact]
    public void GenerationConfigSuppliesTheDefaults()
    {
        var config = Qwen25VLConfig.Load(FixturePaths.Get("tiny-qwen25vl"));
        var generation = GenerationConfig.Parse("""
            {"do_sample": true, "temperature": 1e-06, "repetition_penalty": 1.05, "eos_token_id": [151645, 151643], "top_k": 20}
            """, "generation_config.json");
        var options = SamplingOptions.FromGenerationConfig(config, generation);
        Assert.True(options.DoSample);
        Assert.Equal(1e-6, options.Temperature);
        Assert.Equal(1.05, options.RepetitionPenalty);
        Assert.Equal(20, options.TopK);
        Assert.Equal(1.0, options.TopP);
        Assert.Equal(new[] { 151645, 151643 }, options.EosTokenIds);
        Assert.Equal(config.EosTokenIds, SamplingOptions.FromGenerationConfig(config, null).EosTokenIds);
    }
}
