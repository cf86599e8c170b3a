// PruneVid.NET — language model tests: continuous batching gives each request what it gets alone.
using PruneVid.Kernels.Cpu;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Model.Text;
using Xunit;

namespace PruneVid.Model.Tests.Text;

/// <summary>
/// Several threads generate at once through a <see cref="TextGenerator"/> whose <see cref="DecodeScheduler"/> decodes
/// their sequences together (each thread holds the gate around its call, as the pipeline's callers do): every answer
/// equals the same request run alone, a cancelled request ends with <see cref="OperationCanceledException"/> and
/// leaves the others' tokens unchanged, and the scheduler really ran steps of several sequences.
/// </summary>
public sealed class DecodeSchedulerTests(TinyTextModel tiny) : IClassFixture<TinyTextModel>
{
    private static readonly int[][] Prompts = [[3, 17, 5, 42, 9], [8, 1, 30], [12, 40, 2, 7, 7, 21, 33, 4], [5, 6, 7, 8], [9, 9, 2]];

    [Fact]
    public void ConcurrentRequestsGetTheTokensTheyGetAlone()
    {
        using var cpu = new CpuBackend();
        using var model = new TextModel(cpu, Config(), DecodeStepCountersTests.RandomTextWeights(Config(), seed: 7));
        SamplingOptions[] options = [.. Prompts.Select((_, i) => new SamplingOptions { MaxNewTokens = 10 + i, EosTokenIds = [] })];
        options[2] = options[2] with { DoSample = true, Temperature = 0.8, Seed = 4 };
        List<int>[] alone = [.. Prompts.Select((p, i) => new TextGenerator(model).Generate(new TextPrompt(p, []), options[i]).Tokens.ToList())];

        using var scheduler = new DecodeScheduler(model, maxSequences: 3);
        var generator = new TextGenerator(model) { Scheduler = scheduler };
        var stopAfter = new int?[] { null, 4, null, null, null }; // a stop check (a stop string, say) ends request 1 early
        var together = RunConcurrently(Prompts.Length, i =>
        {
            int reported = 0;
            return generator.Generate(new TextPrompt(Prompts[i], []), options[i], _ => reported++,
                stopAfter[i] is int n ? () => reported >= n : null).Tokens.ToList();
        }, scheduler.Gate);

        for (int i = 0; i < Prompts.Length; i++)
            Assert.Equal(stopAfter[i] is int n ? alone[i][..n] : alone[i], together[i]);
        var (steps, rows) = scheduler.Totals;
        Assert.True(rows > steps, $"some steps fed several sequences ({rows} rows in {steps} steps)");
        Assert.Equal(0, scheduler.Active);
    }

    [Fact]
    public void CancellingOneRequestLeavesTheOthersUnchanged()
    {
        using var cpu = new CpuBackend();
        using var model = new TextModel(cpu, Config(), DecodeStepCountersTests.RandomTextWeights(Config(), seed: 7));
        var options = new SamplingOptions { MaxNewTokens = 12, EosTokenIds = [] };
        List<int>[] alone = [.. Prompts.Take(3).Select(p => new TextGenerator(model).Generate(new TextPrompt(p, []), options).Tokens.ToList())];

        using var scheduler = new DecodeScheduler(model, maxSequences: 3);
        var generator = new TextGenerator(model) { Scheduler = scheduler };
        using var cancel = new CancellationTokenSource();
        int cancelledTokens = 0;
        var together = RunConcurrently(3, i =>
        {
            if (i != 1) return generator.Generate(new TextPrompt(Prompts[i], []), options).Tokens.ToList();
            var error = Assert.ThrowsAny<OperationCanceledException>(() => generator.Generate(new TextPrompt(Prompts[i], []), options,
                _ => { if (++cancelledTokens == 3) cancel.Cancel(); }, cancel.Token));
            return [];
        }, scheduler.Gate);

        Assert.Equal(alone[0], together[0]);
        Assert.Equal(alone[2], together[2]);
        Assert.InRange(cancelledTokens, 3, 4); // cancelled between steps: at most the step in flight adds a token
        Assert.Equal(0, scheduler.Active);
    }

    /// <summary>Runs <paramref name="count"/> calls on their own threads, each holding <paramref name="gate"/> around its call.</summary>
    private static List<int>[] RunConcurrently(int count, Func<int, List<int>> call, SemaphoreSlim gate)
    {
        var results = new List<int>[count];
        var threads = Enumerable.Range(0, count).Select(i => new Thread(() =>
        {
            gate.Wait();
            try { results[i] = call(i); }
            finally { gate.Release(); }
        })).ToArray();
        foreach (Thread t in threads) t.Start();
        foreach (Thread t in threads) Assert.True(t.Join(TimeSpan.FromMinutes(2)), "every request ends");
        return results;
    }

    private Qwen25VLConfig Config()
    {
        var text = tiny.Config.Text with { VocabSize = 64, TieWordEmbeddings = false };
        return tiny.Config with { Text = text, ImageTokenId = 62, VideoTokenId = 63 };
    }
}
