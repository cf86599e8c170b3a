// PruneVid.NET — language model tests: sequences decoded together give the tokens (and logits) of one-at-a-time runs.
using PruneVid.Compute;
using PruneVid.Kernels;
using PruneVid.Kernels.Cpu;
using PruneVid.Kernels.Ilgpu;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model.Text;
using PruneVid.Strategies;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Model.Tests.Text;

/// <summary>
/// A <see cref="DecodeBatch"/> of sequences with mixed prompt lengths (text only, a video, a video pruned by FastV
/// inside the model), mixed decoding (greedy, seeded sampling) and mixed ends (token budget, a stop id, a stop check
/// that fires like a stop string), joining at different steps, must give each sequence exactly what
/// <see cref="TextGenerator.Generate(TextPrompt, SamplingOptions, Action{int}?, Func{bool}?, Action{float[]}?, CancellationToken)"/>
/// gives it alone: the same tokens, the same finish, and (where the logits are observed) bit-identical logits rows.
/// The decoder has seeded random weights with an untied head and a 64-token vocabulary, so tokens vary and ILGPU's CPU
/// accelerator stays quick.
/// </summary>
public sealed class DecodeBatchTests(TinyTextModel tiny, ITestOutputHelper output) : IClassFixture<TinyTextModel>
{
    private const int Vocab = 64;

    [Fact]
    public void BatchedDecodingEqualsOneAtATimeOnTheCpuBackend()
    {
        using var cpu = new CpuBackend();
        CheckBatchEqualsSingles(cpu, observeLogits: false);
        CheckBatchEqualsSingles(cpu, observeLogits: true);
    }

    [Fact]
    public void BatchedDecodingEqualsOneAtATimeOnIlgpu()
    {
        using var ilgpu = new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);
        CheckBatchEqualsSingles(ilgpu, observeLogits: false);
    }

    /// <summary>A bf16 KV cache (the CUDA default) rounds each sequence's new rows in a batched step as a one-row step does.</summary>
    [Fact]
    public void BatchedDecodingOverABf16CacheEqualsOneAtATime()
    {
        using var ilgpu = new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);
        CheckBatchEqualsSingles(ilgpu, observeLogits: true, kvCache: DType.BF16);
    }

    /// <summary>
    /// On ILGPU's CPU accelerator: a step of three sequences uploads its step input (16 bytes a sequence) and the pool
    /// attention's segment tables (6·3 + 2 values) in one copy, downloads the three ids in one copy, allocates nothing,
    /// and launches every kernel of a layer once for all three, attention included (one call over the batch's KV
    /// pool): a one-sequence step's budget, less its segment-table patch (the tables came with the upload).
    /// </summary>
    [Fact]
    public void ABatchedStepMovesOneUploadAndOneDownloadAndSharesTheWeightLaunches()
    {
        using var ilgpu = new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);
        var (config, weights) = RandomModel();
        using var model = new TextModel(ilgpu, config, weights);
        var generator = new TextGenerator(model);
        var options = new SamplingOptions { MaxNewTokens = 6, EosTokenIds = [] };
        int[][] prompts = [[3, 17, 5, 42, 9], [8, 1, 30], [12, 40, 2, 7, 7, 21, 33]];
        var sequences = new List<TextSequence>();
        using var batch = new DecodeBatch(model, prompts.Length);
        try
        {
            foreach (int[] ids in prompts)
            {
                var (sequence, normed, _) = generator.Prefill(new TextPrompt(ids, []), options.MaxNewTokens);
                sequences.Add(sequence);
                using (normed) batch.Join(sequence, normed, options);
            }
            batch.Step(); // the first batched step makes the batch's step tensors
            var steps = new List<CounterSnapshot>();
            for (int i = 0; i < 3; i++)
            {
                CounterSnapshot before = ilgpu.Counters.Snapshot();
                batch.Step();
                steps.Add(ilgpu.Counters.Snapshot() - before);
            }
            int m = prompts.Length, layers = config.Text.NumHiddenLayers;
            // RmsNorm, q/k/v, MRope, attention, o_proj, RmsNorm, gate/up, SiluMul, down (the new key and value rows
            // reach the pool by stream copies, not kernels); + embedding, final norm, lm_head, argmax.
            int launches = layers * 9 + 4;
            int singleStepBudget = layers * 9 + 5; // docs/compute-backends.md "Decode budget" (DecodeStepCountersTests)
            Assert.True(launches <= singleStepBudget);
            foreach (CounterSnapshot step in steps)
            {
                output.WriteLine($"counters batched decode-step (3 sequences): {step}");
                Assert.Equal(new CounterSnapshot(Allocations: 0, AllocatedBytes: 0, HostToDevice: 1, HostToDeviceBytes: 16 * m + 4 * (6 * m + 2),
                    DeviceToHost: 1, DeviceToHostBytes: 4 * m, Launches: launches, Synchronizations: 0), step);
            }
        }
        finally
        {
            foreach (TextSequence s in sequences) s.Dispose();
        }
    }

    /// <summary>
    /// More sequences than the GEMV's rows (<c>MatMul.GemvMaxRows</c>): each still gets the logits rows it gets alone,
    /// bit for bit, on the Cpu backend.
    /// </summary>
    [Fact]
    public void MoreSequencesThanTheGemvRowsStillDecodeAsTheyDoAlone()
    {
        using var cpu = new CpuBackend();
        var (config, weights) = RandomModel();
        using var model = new TextModel(cpu, config, weights);
        var options = new SamplingOptions { MaxNewTokens = 4, EosTokenIds = [] };
        Case[] cases = [.. Enumerable.Range(0, 11).Select(i => new Case($"text {i}",
            new TextPrompt([.. Enumerable.Range(0, 2 + i % 4).Select(j => (5 * i + 3 * j) % 60)], []), options, JoinAtStep: 0))];
        Outcome[] singles = [.. cases.Select(c => RunAlone(model, c, observeLogits: true))];
        Outcome[] batched = RunTogether(model, cases, observeLogits: true);
        for (int i = 0; i < cases.Length; i++)
        {
            Assert.Equal(singles[i].Tokens, batched[i].Tokens);
            for (int s = 0; s < singles[i].Logits.Count; s++) Assert.Equal(singles[i].Logits[s], batched[i].Logits[s]);
        }
    }

    /// <summary>
    /// Sequences whose caches differ in length join at different steps and leave at different steps (token budgets
    /// of 2 to 7), so the batch's KV pool grows, frees slots and hands a freed slot to a later joiner, and the pool
    /// attention's segments sit at gaps of every size: every logits row still equals the one-at-a-time row, bit for
    /// bit, on ILGPU's CPU accelerator and on the Cpu backend.
    /// </summary>
    [Theory]
    [InlineData("ilgpu")]
    [InlineData("cpu")]
    public void SequencesOfDifferentLengthsJoiningAndLeavingDecodeAsTheyDoAlone(string backendName)
    {
        using ComputeBackend backend = backendName == "cpu" ? new CpuBackend() : new IlgpuBackend(KernelRuntime.CreateCpu(), ownsRuntime: true);
        var (config, weights) = RandomModel();
        using var model = new TextModel(backend, config, weights);
        Case[] cases =
        [
            new("short, leaves first", new TextPrompt([3, 17, 5, 42, 9, 11, 8], []), Greedy(3), JoinAtStep: 0), // its 10 rows are freed at step 1
            new("long, stays", new TextPrompt([.. Enumerable.Range(0, 23).Select(j => (7 * j + 1) % 60)], []), Greedy(7), JoinAtStep: 0),
            new("middle, joins late", new TextPrompt([9, 4, 4, 31, 2, 50, 8], []), Greedy(3), JoinAtStep: 1),
            new("takes a freed slot", new TextPrompt([12, 40, 2], []), Greedy(4), JoinAtStep: 3), // 7 rows: fits the first slot
            new("longest, joins last", new TextPrompt([.. Enumerable.Range(0, 37).Select(j => (11 * j + 5) % 60)], []), Greedy(3), JoinAtStep: 4),
        ];
        Outcome[] singles = [.. cases.Select(c => RunAlone(model, c, observeLogits: true))];
        Outcome[] batched = RunTogether(model, cases, observeLogits: true);
        for (int i = 0; i < cases.Length; i++)
        {
            Assert.Equal(singles[i].Tokens, batched[i].Tokens);
            Assert.Equal(cases[i].Options.MaxNewTokens, batched[i].Logits.Count);
            for (int s = 0; s < singles[i].Logits.Count; s++) Assert.Equal(singles[i].Logits[s], batched[i].Logits[s]);
        }

        static SamplingOptions Greedy(int tokens) => new() { MaxNewTokens = tokens, EosTokenIds = [] };
    }

    [Fact]
    public void AFullBatchASecondJoinAndNothingToGenerateAreRefusedWithSentences()
    {
        using var cpu = new CpuBackend();
        var (config, weights) = RandomModel();
        using var model = new TextModel(cpu, config, weights);
        var generator = new TextGenerator(model);
        var options = new SamplingOptions { MaxNewTokens = 3, EosTokenIds = [] };
        var (first, firstNormed, _) = generator.Prefill(new TextPrompt([3, 17, 5], []), options.MaxNewTokens);
        var (second, secondNormed, _) = generator.Prefill(new TextPrompt([8, 1], []), options.MaxNewTokens);
        using (first)
        using (second)
        using (firstNormed)
        using (secondNormed)
        using (var batch = new DecodeBatch(model, capacity: 1))
        {
            batch.Join(first, firstNormed, options);
            var again = Assert.Throws<ArgumentException>(() => batch.Join(first, firstNormed, options));
            Assert.Contains("already in the batch", again.Message);
            var full = Assert.Throws<InvalidOperationException>(() => batch.Join(second, secondNormed, options));
            Assert.Contains("the decode batch is full (1 sequences)", full.Message);
            var nothing = Assert.Throws<ArgumentException>(() => batch.Join(second, secondNormed, options with { MaxNewTokens = 0 }));
            Assert.Contains("no tokens to generate", nothing.Message);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecodeScheduler(model, maxSequences: 0));
    }

    /// <summary>What one sequence asks for, and at which step of the batch it joins.</summary>
    private sealed record Case(string Name, TextPrompt Prompt, SamplingOptions Options, int JoinAtStep, int? StopAfter = null);

    /// <summary>One sequence's outcome: tokens, the reason it ended and (when observed) every logits row.</summary>
    private sealed record Outcome(List<int> Tokens, FinishReason Reason, List<float[]> Logits);

    private void CheckBatchEqualsSingles(ComputeBackend backend, bool observeLogits, DType? kvCache = null)
    {
        var (config, weights) = RandomModel();
        using var model = new TextModel(backend, config, weights);
        if (kvCache is { } dtype) model.KvCacheDType = dtype;
        int h = config.Text.HiddenSize;
        var video = MediaItem.Video(2, 4, 4, config.Vision.SpatialMergeSize, 1.0, config.Vision.TokensPerSecond);
        int[] videoIds = [3, 17, 5, .. Enumerable.Repeat(config.VideoTokenId, 8), 42, 9, 11];
        var rng = new Random(5);
        float[] features = [.. Enumerable.Range(0, 8 * h).Select(_ => (float)(rng.NextDouble() - 0.5))];
        using Tensor embeds = backend.FromF32(features, 8, h);
        var fastV = new InModelReduction([((ILanguageModelReducer)TokenReducerRegistry.Create("fastv(k=1,ratio=0.5)"))
            .CreateHook(new ReductionContext(new ReducerModelInfo(h, config.Text.NumHiddenLayers), null))],
            InModelReduction.FindVideos(videoIds, config.VideoTokenId, [video.Grid!.Value.T], [[]]));

        var greedy = new SamplingOptions { MaxNewTokens = 7, EosTokenIds = [] };
        // A stop id the text-only prompt produces alone, after at least one other token (found with no stop ids first).
        int[] textOnly = [8, 1, 30];
        int[] free = [.. new TextGenerator(model).Generate(new TextPrompt(textOnly, []), greedy).Tokens];
        int eosAt = Enumerable.Range(1, free.Length - 1).First(j => !free[..j].Contains(free[j]));
        int eos = free[eosAt];
        Case[] cases =
        [
            new("video, greedy, token budget", new TextPrompt(videoIds, [video], null, embeds), greedy with { MaxNewTokens = 6 }, JoinAtStep: 0),
            new("text, greedy, stop id", new TextPrompt(textOnly, []), greedy with { EosTokenIds = [eos] }, JoinAtStep: 0),
            new("video with FastV, greedy", new TextPrompt(videoIds, [video], null, embeds, fastV), greedy with { MaxNewTokens = 5 }, JoinAtStep: 1),
            new("longer text, seeded sampling", new TextPrompt([12, 40, 2, 7, 7, 21, 33, 4, 4, 19], []),
                new SamplingOptions { MaxNewTokens = 6, DoSample = true, Temperature = 0.9, TopK = 20, Seed = 11, EosTokenIds = [] }, JoinAtStep: 2),
            new("text, stop check after 3 tokens", new TextPrompt([5, 6, 7, 8], []), greedy, JoinAtStep: 0, StopAfter: 3),
        ];

        Outcome[] singles = [.. cases.Select(c => RunAlone(model, c, observeLogits))];
        Outcome[] batched = RunTogether(model, cases, observeLogits);
        for (int i = 0; i < cases.Length; i++)
        {
            output.WriteLine($"{cases[i].Name}: alone [{string.Join(",", singles[i].Tokens)}] {singles[i].Reason}, " +
                $"batched [{string.Join(",", batched[i].Tokens)}] {batched[i].Reason}");
            Assert.Equal(singles[i].Tokens, batched[i].Tokens);
            Assert.Equal(singles[i].Reason, batched[i].Reason);
            Assert.Equal(singles[i].Logits.Count, batched[i].Logits.Count);
            for (int s = 0; s < singles[i].Logits.Count; s++) Assert.Equal(singles[i].Logits[s], batched[i].Logits[s]);
        }
        Assert.Equal(FinishReason.Eos, singles[1].Reason);
        Assert.Equal(eosAt + 1, singles[1].Tokens.Count);
        Assert.Equal(3, singles[4].Tokens.Count);
        Assert.Equal(FinishReason.Length, singles[0].Reason);
        Assert.True(singles.SelectMany(o => o.Tokens).Distinct().Count() > 3, "the tokens vary, so equal sequences say something");
    }

    private static Outcome RunAlone(TextModel model, Case c, bool observeLogits)
    {
        var logits = new List<float[]>();
        int reported = 0;
        GenerationResult result = new TextGenerator(model).Generate(c.Prompt, c.Options, _ => reported++,
            c.StopAfter is int n ? () => reported >= n : null, observeLogits ? row => logits.Add((float[])row.Clone()) : null);
        return new Outcome([.. result.Tokens], result.Reason, logits);
    }

    /// <summary>Joins each case at its step, steps the batch until every sequence has ended, leaving as each one ends.</summary>
    private static Outcome[] RunTogether(TextModel model, Case[] cases, bool observeLogits)
    {
        var generator = new TextGenerator(model);
        var outcomes = cases.Select(_ => new Outcome([], FinishReason.Length, [])).ToArray();
        var members = new DecodeMember?[cases.Length];
        var ended = new bool[cases.Length];
        var sequences = new List<TextSequence>();
        using var batch = new DecodeBatch(model, cases.Length);
        try
        {
            for (int step = 0; ended.Any(e => !e); step++)
            {
                for (int i = 0; i < cases.Length; i++)
                {
                    if (cases[i].JoinAtStep != step) continue;
                    var (sequence, normed, _) = generator.Prefill(cases[i].Prompt, cases[i].Options.MaxNewTokens);
                    sequences.Add(sequence);
                    List<float[]> rows = outcomes[i].Logits;
                    using (normed) members[i] = batch.Join(sequence, normed, cases[i].Options, observeLogits ? row => rows.Add((float[])row.Clone()) : null);
                    Record(i);
                }
                if (batch.Members.Count > 0) batch.Step();
                for (int i = 0; i < cases.Length; i++)
                    if (members[i] is not null && !ended[i]) Record(i);
                Assert.True(step < 50, "the batch ends");
            }
        }
        finally
        {
            foreach (TextSequence s in sequences) s.Dispose();
        }
        return outcomes;

        void Record(int i)
        {
            DecodeMember member = members[i]!;
            outcomes[i].Tokens.Add(member.Last.Token);
            FinishReason? reason = member.Last.Finish ?? (outcomes[i].Tokens.Count == cases[i].StopAfter ? FinishReason.Eos : null);
            if (reason is not FinishReason r) return;
            outcomes[i] = outcomes[i] with { Reason = r };
            ended[i] = true;
            batch.Leave(member);
        }
    }

    /// <summary>A decoder of the fixture's shape with seeded random weights, an untied head and a 64-token vocabulary.</summary>
    private (Qwen25VLConfig, InMemoryWeights) RandomModel()
    {
        var text = tiny.Config.Text with { VocabSize = Vocab, TieWordEmbeddings = false };
        var config = tiny.Config with { Text = text, ImageTokenId = Vocab - 2, VideoTokenId = Vocab - 1 };
        return (config, DecodeStepCountersTests.RandomTextWeights(config, seed: 7));
    }
}
