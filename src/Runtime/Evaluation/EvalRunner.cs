// PruneVid.NET — evaluation: answer a shard's questions with every strategy, one result line per pair.
using PruneVid.Runtime.Errors;
using System.Diagnostics;
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Model.Text;
using PruneVid.Runtime.Pipeline;

namespace PruneVid.Runtime.Evaluation;

/// <summary>How answers are obtained.</summary>
public enum EvalScoring
{
    /// <summary>Greedy generation (16 tokens), then <see cref="AnswerParser"/>; an unparsable reply is no prediction.</summary>
    Generate,
    /// <summary>One prefill; the option letter with the highest next-token logit (always a prediction, no decoding).</summary>
    Logits,
}

/// <summary>Where a run stands, after each finished pair.</summary>
/// <param name="Done">Pairs finished, those found in the file at start included.</param>
/// <param name="Total">Pairs of this shard.</param>
/// <param name="Resumed">Pairs that were already in the file.</param>
/// <param name="Elapsed">Time since this run started.</param>
/// <param name="PerStrategy">Per strategy (in the order given): pairs done, with an answer key, correct, errors.</param>
public sealed record EvalProgress(int Done, int Total, int Resumed, TimeSpan Elapsed, IReadOnlyList<StrategyTally> PerStrategy)
{
    /// <summary>Estimated time left, from the pairs this run did itself (null before the first).</summary>
    public TimeSpan? Remaining => Done - Resumed <= 0 ? null : Elapsed / (Done - Resumed) * (Total - Done);
}

/// <summary>A strategy's running counts.</summary>
public sealed record StrategyTally(string Strategy, int Done, int Scored, int Correct, int Errors)
{
    /// <summary>Correct / scored (null before the first scored answer).</summary>
    public double? Accuracy => Scored == 0 ? null : (double)Correct / Scored;

    internal StrategyTally Add(EvalRecord r) => this with
    {
        Done = Done + 1,
        Scored = Scored + (r.Correct is null ? 0 : 1),
        Correct = Correct + (r.Correct == true ? 1 : 0),
        Errors = Errors + (r.Error is null ? 0 : 1),
    };
}

/// <summary>
/// Runs a shard: for each question whose pairs are not all in the results file yet, the video is decoded and
/// encoded once and every pending strategy runs on that encoding; each pair's line is flushed as soon as it is done.
/// With generate scoring and a pipeline that batches decoding (<see cref="PipelineOptions.DecodeBatch"/> N), N questions
/// are encoded at a time and up to N of their (question, strategy) pairs run at once, their answers decoding together;
/// the lines are written when those questions are done, with the answers and in the order of a run without batching
/// (greedy decoding of each sequence does not depend on its batch).
/// <para>
/// Error policy: a failure that belongs to one question becomes an <c>error</c> line and the run goes on — its video
/// missing or undecodable (<see cref="MediaException"/>, <see cref="FileNotFoundException"/>) or its input rejected by
/// the model or a reducer (<see cref="ArgumentException"/>, e.g. a prompt longer than the model's positions). Anything
/// else — a device failure, out of memory, a bug — and cancellation stop the run: the lines already written stay, and
/// a resumed run starts after them.
/// </para>
/// </summary>
public sealed class EvalRunner(VideoQaPipeline pipeline, IReadOnlyList<string> strategies, EvalScoring scoring,
    int maxNewTokens = McqPrompt.MaxNewTokens, Action<string>? log = null)
{
    /// <summary>Answers <paramref name="questions"/> into <paramref name="results"/>, skipping pairs already there.</summary>
    public async Task<EvalProgress> RunAsync(IReadOnlyList<EvalQuestion> questions, ResultFile results,
        Action<EvalProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(questions);
        ArgumentNullException.ThrowIfNull(results);
        var tallies = strategies.Select(s => new StrategyTally(s, 0, 0, 0, 0)).ToArray();
        var index = strategies.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i, StringComparer.Ordinal);
        var ids = questions.Select(q => q.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var r in results.Existing)
            if (ids.Contains(r.QUid) && index.TryGetValue(r.Strategy, out int k)) tallies[k] = tallies[k].Add(r);
        int total = questions.Count * strategies.Count, resumed = tallies.Sum(t => t.Done);
        var clock = Stopwatch.StartNew();
        EvalProgress Snapshot() => new(tallies.Sum(t => t.Done), total, resumed, clock.Elapsed, [.. tallies]);
        progress?.Invoke(Snapshot());

        // With a decode scheduler, as many questions as it decodes together are encoded ahead and all their pairs run
        // side by side (each holding the model's gate except while its answer decodes); lines keep the question and
        // strategy order either way.
        DecodeScheduler? scheduler = scoring == EvalScoring.Generate ? pipeline.DecodeScheduler : null;
        int window = scheduler?.MaxSequences ?? 1;
        for (int first = 0; first < questions.Count; first += window)
        {
            var chunk = new List<(EvalQuestion Question, string[] Pending, EncodedVideo? Video, string? Error)>();
            try
            {
                foreach (EvalQuestion question in questions.Skip(first).Take(window))
                {
                    string[] pending = [.. strategies.Where(s => !results.IsDone(question.Id, s))];
                    if (pending.Length == 0) continue;
                    var (video, error) = await EncodeAsync(question, pending, cancellationToken).ConfigureAwait(false);
                    chunk.Add((question, pending, video, error));
                }
                var pairs = chunk.SelectMany(c => c.Pending.Select(s => (c.Question, Strategy: s, c.Video, c.Error))).ToArray();
                if (scheduler is null)
                    foreach (var (question, strategy, video, error) in pairs)
                        Record(video is null ? ErrorRecord(question, strategy, error!) : Answer(video, question, strategy, cancellationToken));
                else
                    foreach (EvalRecord record in await AnswerTogetherAsync(scheduler, pairs, cancellationToken).ConfigureAwait(false))
                        Record(record);
            }
            finally
            {
                foreach (var c in chunk) c.Video?.Dispose();
            }
        }
        return Snapshot();

        void Record(EvalRecord record)
        {
            results.Append(record);
            tallies[index[record.Strategy]] = tallies[index[record.Strategy]].Add(record);
            progress?.Invoke(Snapshot());
        }
    }

    /// <summary>The video of <paramref name="question"/> encoded for the pending strategies, or why it could not be.</summary>
    private async Task<(EncodedVideo? Video, string? Error)> EncodeAsync(EvalQuestion question, string[] pending, CancellationToken cancellationToken)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!File.Exists(question.VideoPath)) return (null, $"video file '{question.VideoPath}' not found");
            return (await pipeline.EncodeVideoAsync(question.VideoPath, pending, cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception e) when (IsQuestionFailure(e))
        {
            return (null, ErrorText(e));
        }
    }

    /// <summary>Every pair's record, in order; at most the scheduler's batch of them on the model at once.</summary>
    private async Task<EvalRecord[]> AnswerTogetherAsync(DecodeScheduler scheduler,
        (EvalQuestion Question, string Strategy, EncodedVideo? Video, string? Error)[] pairs, CancellationToken cancellationToken)
    {
        using var places = new SemaphoreSlim(scheduler.MaxSequences);
        return await Task.WhenAll(pairs.Select(p => p.Video is null
            ? Task.FromResult(ErrorRecord(p.Question, p.Strategy, p.Error!))
            : Task.Run(async () =>
            {
                await places.WaitAsync(cancellationToken).ConfigureAwait(false);
                try { return AnswerHoldingGate(scheduler.Gate, p.Video, p.Question, p.Strategy, cancellationToken); }
                finally { places.Release(); }
            }))).ConfigureAwait(false);
    }

    private EvalRecord AnswerHoldingGate(SemaphoreSlim gate, EncodedVideo video, EvalQuestion question, string strategy, CancellationToken cancellationToken)
    {
        gate.Wait(cancellationToken);
        try { return Answer(video, question, strategy, cancellationToken); }
        finally { gate.Release(); }
    }

    private EvalRecord Answer(EncodedVideo video, EvalQuestion question, string strategy, CancellationToken cancellationToken)
    {
        string prompt = McqPrompt.Build(question);
        try
        {
            int? prediction;
            string? text;
            CompressionStats compression;
            PipelineTimings timings;
            if (scoring == EvalScoring.Logits)
            {
                ChoiceScores scores = pipeline.ScoreNextToken(video, prompt, strategy, LetterIds(question.Options.Count), cancellationToken);
                (prediction, text, compression, timings) = (scores.Best, McqPrompt.Letter(scores.Best).ToString(), scores.Compression, scores.Timings);
            }
            else
            {
                var sampling = pipeline.DefaultSampling(maxNewTokens) with { DoSample = false, RepetitionPenalty = 1.0 };
                VideoQaResult answer = pipeline.Answer(video, prompt, strategy, sampling, cancellationToken);
                (prediction, text, compression, timings) = (AnswerParser.Parse(answer.Text, question.Options), answer.Text, answer.Compression, answer.Timings);
            }
            return new EvalRecord
            {
                QUid = question.Id,
                Strategy = strategy,
                Scoring = ScoringName,
                Prediction = prediction,
                Answer = question.Answer,
                Correct = question.Answer is int a ? prediction == a : null,
                VisualTokensBefore = compression.VisualTokensBefore,
                VisualTokensKept = compression.VisualTokensKept,
                PromptVisualTokens = compression.PromptVisualTokens,
                PromptTokens = compression.PromptTokens,
                VisualTokenLayersPercent = Math.Round(compression.VisualTokenLayersPercent, 4),
                TargetRetentionPercent = compression.TargetRetentionPercent,
                Stages = compression.Stages,
                DecodeVideoMs = timings.DecodeVideo.TotalMilliseconds,
                PreprocessMs = timings.Preprocess.TotalMilliseconds,
                VisionMs = timings.Vision.TotalMilliseconds,
                ReductionMs = timings.Reduction.TotalMilliseconds,
                PrefillMs = timings.Prefill.TotalMilliseconds,
                DecodeMs = timings.Decode.TotalMilliseconds,
                TtftMs = (timings.Vision + timings.Reduction + timings.Prefill).TotalMilliseconds,
                AnswerText = text,
            };
        }
        catch (Exception e) when (IsQuestionFailure(e))
        {
            log?.Invoke($"{question.Id} / {strategy}: {ErrorText(e)}");
            return ErrorRecord(question, strategy, ErrorText(e));
        }
    }

    private string ScoringName => scoring == EvalScoring.Logits ? "logits" : "generate";

    private EvalRecord ErrorRecord(EvalQuestion question, string strategy, string error) => new()
    {
        QUid = question.Id,
        Strategy = strategy,
        Scoring = ScoringName,
        Answer = question.Answer,
        Correct = question.Answer is null ? null : false,
        Error = error,
    };

    /// <summary>The ids of "A", "B", … (each must be one token, as it is for Qwen's vocabulary).</summary>
    private int[] LetterIds(int count)
    {
        var ids = new int[count];
        for (int i = 0; i < count; i++)
        {
            int[] encoded = pipeline.Tokenizer.Encode(McqPrompt.Letter(i).ToString());
            if (encoded.Length != 1) throw new InvalidOperationException($"the tokenizer splits the letter {McqPrompt.Letter(i)} into {encoded.Length} tokens; logits scoring needs one token per letter (use --scoring generate)");
            ids[i] = encoded[0];
        }
        return ids;
    }

    /// <summary>The error policy (see the class summary): true for a failure that is this question's, not the run's.</summary>
    private static bool IsQuestionFailure(Exception e) => e is MediaException or FileNotFoundException or ArgumentException;

    /// <summary>The one place that turns a failure into the sentence stored in a result line.</summary>
    private static string ErrorText(Exception e) => e switch
    {
        FileNotFoundException f => $"video file '{f.FileName}' not found",
        MediaException m => $"the video could not be decoded: {UserMessages.Describe(m)}",
        _ => UserMessages.Describe(e),
    };
}
