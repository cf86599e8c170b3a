// PruneVid.NET — evaluation tests: one encoding, many strategies, the same answers as the one-shot pipeline.
using System.Text.Json;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Pipeline;

namespace PruneVid.Evaluation.Tests;

/// <summary>The tiny fixture model and its reference clip, loaded once for the class.</summary>
public sealed class TinyModelFixture : IDisposable
{
    public TinyModelFixture()
    {
        using var reference = SafeTensorsFile.Open(FixturePaths.Get("tiny-qwen25vl", "reference.safetensors"));
        var shape = reference.Tensors["frames_u8"].Shape;
        Frames = new RgbFrames(reference.GetBytes("frames_u8").ToArray(), (int)shape[0], (int)shape[1], (int)shape[2]);
        using var json = JsonDocument.Parse(File.ReadAllText(FixturePaths.Get("tiny-qwen25vl", "reference.json")));
        Question = json.RootElement.GetProperty("question").GetString()!;
        Fps = json.RootElement.GetProperty("frames_fps").GetDouble();
        Pipeline = VideoQaPipeline.Load(FixturePaths.Get("tiny-qwen25vl"), new PipelineOptions
        {
            Device = DeviceKind.Cpu, Strategy = "noop", TokenizerDirectory = FixturePaths.Get("qwen-tokenizer"),
        });
    }

    public VideoQaPipeline Pipeline { get; }
    public RgbFrames Frames { get; }
    public double Fps { get; }
    public string Question { get; }

    public void Dispose() => Pipeline.Dispose();
}

public sealed class EncodedPipelineTests(TinyModelFixture model) : IClassFixture<TinyModelFixture>
{
    private readonly VideoQaPipeline _pipeline = model.Pipeline;
    private readonly RgbFrames _frames = model.Frames;
    private readonly double _fps = model.Fps;
    private readonly string _question = model.Question;

    [Theory]
    [InlineData("noop")]
    [InlineData("prunevid-stage1")]
    [InlineData("prunevid-stage1:aggressive")]
    public void AnswersFromOneEncodingEqualTheOneShotPipeline(string strategy)
    {
        var sampling = _pipeline.DefaultSampling(6) with { DoSample = false, RepetitionPenalty = 1.0 };
        using var oneShot = _pipeline.WithStrategy(strategy);
        var expected = oneShot.GenerateFromFrames(_frames, _fps, _question, sampling);
        using var encoded = _pipeline.EncodeFrames(_frames, _fps);
        // Another strategy first: the encoding must come out of a reduction unchanged.
        _ = _pipeline.Answer(encoded, _question, "prunevid-stage1:conservative", sampling);
        var answer = _pipeline.Answer(encoded, _question, strategy, sampling);
        Assert.Equal(expected.Tokens, answer.Tokens);
        Assert.Equal(expected.PromptIds, answer.PromptIds);
        Assert.Equal(expected.Compression.PromptVisualTokens, answer.Compression.PromptVisualTokens);
        Assert.Equal(strategy, answer.Compression.Strategy);
    }

    [Theory]
    [InlineData("prunevid")]                                  // Stage 1 → Stage 2 inside the model
    [InlineData("fastv")]                                     // in-model only
    [InlineData("fastvid")]                                   // needs the last vision block's saliency
    [InlineData("evs+prunevid-stage2(alpha=0.5)")]
    public void ChainsInModelStagesAndVisionSignalsWorkOnOneEncoding(string strategy)
    {
        var sampling = _pipeline.DefaultSampling(4) with { DoSample = false, RepetitionPenalty = 1.0 };
        using var oneShot = _pipeline.WithStrategy(strategy);
        var expected = oneShot.GenerateFromFrames(_frames, _fps, _question, sampling);
        using var encoded = _pipeline.EncodeFrames(_frames, _fps, ["noop", strategy]);
        var answer = _pipeline.Answer(encoded, _question, strategy, sampling);
        Assert.Equal(expected.Tokens, answer.Tokens);
        Assert.Equal(expected.PromptIds, answer.PromptIds);
        Assert.Equal(expected.Compression.Stages.Select(s => (s.Stage, s.TokensAfter)), answer.Compression.Stages.Select(s => (s.Stage, s.TokensAfter)));
        Assert.Equal(expected.Compression.VisualTokensKept, answer.Compression.VisualTokensKept);
    }

    [Fact]
    public void AStrategyWhoseVisionSignalsWereNotComputedIsRefusedClearly()
    {
        using var encoded = _pipeline.EncodeFrames(_frames, _fps);
        var e = Assert.ThrowsAny<ArgumentException>(() => _pipeline.Answer(encoded, _question, "fastvid"));
        Assert.Contains("name the strategy when encoding", e.Message);
    }

    [Fact]
    public void NextTokenScoresPickTheGreedyFirstToken()
    {
        using var encoded = _pipeline.EncodeFrames(_frames, _fps);
        var greedy = _pipeline.Answer(encoded, _question, "noop", _pipeline.DefaultSampling(1) with { DoSample = false, RepetitionPenalty = 1.0 });
        int first = greedy.Tokens[0];
        int[] candidates = [(first + 1) % 1000, first, (first + 7) % 1000];
        var scores = _pipeline.ScoreNextToken(encoded, _question, "noop", candidates);
        Assert.Equal(1, scores.Best);
        Assert.Equal(3, scores.Logits.Count);
        Assert.Equal(TimeSpan.Zero, scores.Timings.Decode);
        Assert.Equal(greedy.Compression.PromptTokens, scores.Compression.PromptTokens);
    }

    [Fact]
    public void AnUnknownStrategyIsRefusedByName()
    {
        using var encoded = _pipeline.EncodeFrames(_frames, _fps);
        var e = Assert.ThrowsAny<ArgumentException>(() => _pipeline.Answer(encoded, _question, "no-such-reducer"));
        Assert.Contains("unknown token reducer 'no-such-reducer'", e.Message);
    }
}
