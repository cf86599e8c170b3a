// PruneVid.NET — evaluation tests: which failures become error lines and which stop the run.
using PruneVid.Runtime.Evaluation;
using PruneVid.Strategies;
using PruneVid.Tools.Demo;

namespace PruneVid.Evaluation.Tests;

/// <summary>
/// The runner's one error policy: a failure that is one question's (its video missing, its input rejected) becomes an
/// error line and the run goes on; any other failure stops the run, with the lines already written kept. Two reducers
/// registered here fail on purpose, one each way.
/// </summary>
public sealed class EvalRunnerErrorPolicyTests(TinyModelFixture model) : IClassFixture<TinyModelFixture>, IDisposable
{
    private const string RejectsInput = "test-rejects-its-input", DeviceFails = "test-device-fails";
    private readonly string _dir = Directory.CreateTempSubdirectory("prunevid-eval-policy-").FullName;

    static EvalRunnerErrorPolicyTests()
    {
        Register(RejectsInput, () => new ArgumentException("these video tokens are rejected"));
        Register(DeviceFails, () => new InvalidOperationException("the device stopped answering"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task AQuestionsOwnFailureBecomesAnErrorLineAndTheRunGoesOn()
    {
        string clip = await SyntheticVideo.CreateAsync(Path.Combine(_dir, "clip.mp4"), seconds: 2, width: 112, height: 112);
        EvalQuestion[] questions = [Question("q-clip", clip), Question("q-missing", Path.Combine(_dir, "missing.mp4"))];
        string path = Path.Combine(_dir, "results.jsonl");
        using (var results = ResultFile.Open(path))
        {
            var runner = new EvalRunner(model.Pipeline, [RejectsInput, "noop"], EvalScoring.Logits);
            EvalProgress done = await runner.RunAsync(questions, results);
            Assert.Equal(4, done.Done);
        }

        var lines = ResultFile.ReadAll(path, out _).ToDictionary(r => (r.QUid, r.Strategy));
        Assert.Contains("rejected", lines[("q-clip", RejectsInput)].Error);
        Assert.Null(lines[("q-clip", "noop")].Error);
        Assert.NotNull(lines[("q-clip", "noop")].Prediction);
        Assert.Contains("not found", lines[("q-missing", "noop")].Error);
    }

    [Fact]
    public async Task AFailureThatIsNotTheQuestionsStopsTheRunAndKeepsTheLinesWritten()
    {
        string clip = await SyntheticVideo.CreateAsync(Path.Combine(_dir, "clip.mp4"), seconds: 2, width: 112, height: 112);
        EvalQuestion[] questions = [Question("q-first", clip), Question("q-second", clip)];
        string path = Path.Combine(_dir, "results.jsonl");
        using (var results = ResultFile.Open(path))
        {
            var runner = new EvalRunner(model.Pipeline, ["noop", DeviceFails], EvalScoring.Logits);
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => runner.RunAsync(questions, results));
            Assert.Equal("the device stopped answering", error.Message);
        }

        var line = Assert.Single(ResultFile.ReadAll(path, out _));
        Assert.Equal(("q-first", "noop", (string?)null), (line.QUid, line.Strategy, line.Error));
    }

    private static EvalQuestion Question(string id, string video) => new(id, video, "What is shown?", ["a test pattern", "a cat", "a car"], 0);

    private static void Register(string name, Func<Exception> failure) =>
        TokenReducerRegistry.Register(new TokenReducerDescriptor(name, "fails on purpose (a test reducer)", typeof(FailingReducer), [], [],
            _ => new FailingReducer(failure)));

    private sealed class FailingReducer(Func<Exception> failure) : ITokenReducer
    {
        public TokenReduction Reduce(VideoTokens video, ReductionContext context) => throw failure();
    }
}
