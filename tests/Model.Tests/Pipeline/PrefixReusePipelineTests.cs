// PruneVid.NET — a follow-up question about the same video reuses the prompt prefix's KV rows and answers as a cold run.
using PruneVid.Runtime.Pipeline;
using Xunit;

namespace PruneVid.Model.Tests.Pipeline;

public sealed class PrefixReusePipelineTests(PipelineFixture fixture) : IClassFixture<PipelineFixture>
{
    private VideoQaPipeline Load(int megabytes) => VideoQaPipeline.Load(fixture.ModelDirectory, new PipelineOptions
    {
        Device = DeviceKind.Cpu, TokenizerDirectory = fixture.TokenizerDirectory, EncoderCacheMegabytes = megabytes, PrefixCacheMegabytes = megabytes,
    });

    [Theory]
    [InlineData("noop", true)]
    [InlineData("prunevid-stage1", true)]
    [InlineData("prunevid", false)] // Stage 2 acts inside the model: no reuse
    public void AFollowUpQuestionReusesThePrefixAndAnswersAsAColdRun(string strategy, bool reuses)
    {
        using var coldModel = Load(0);
        using var warmModel = Load(64);
        Assert.Null(coldModel.PrefixCache);
        using var cold = coldModel.WithStrategy(strategy);
        using var warm = warmModel.WithStrategy(strategy);
        ChatTurn[] First(string question) => [ChatTurn.System("You answer briefly."), ChatTurn.Ask(question, ChatPart.Video(fixture.Frames, fixture.FramesFps))];

        var (expected, expectedLogits) = Run(cold, First("And what happens next?"));
        Run(warm, First(fixture.Question));
        var (actual, actualLogits) = Run(warm, First("And what happens next?"));

        Assert.Equal(reuses ? 1 : 0, warmModel.PrefixCache!.Hits);
        Assert.Equal(expected.Tokens, actual.Tokens);
        Assert.Equal(expected.PromptIds, actual.PromptIds);
        for (int s = 0; s < expectedLogits.Count; s++) Assert.Equal(expectedLogits[s], actualLogits[s]);
    }

    private static (VideoQaResult Result, List<float[]> Logits) Run(VideoQaPipeline p, ChatTurn[] conversation)
    {
        var logits = new List<float[]>();
        var result = p.GenerateChat(conversation, p.DefaultSampling(5) with { EosTokenIds = [] },
            control: new DecodeControl { OnLogits = row => logits.Add((float[])row.Clone()) });
        Assert.Equal(5, logits.Count);
        return (result, logits);
    }
}
