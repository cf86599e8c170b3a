// PruneVid.NET — evaluation tests: dataset readers and their messages for bad input.
using System.Text.Json;
using System.Text.Json.Nodes;
using PruneVid.Runtime.Evaluation;

namespace PruneVid.Evaluation.Tests;

public sealed class DatasetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("prunevid-eval-data-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonObject Question(string id, int options = 5)
    {
        var q = new JsonObject { ["q_uid"] = id, ["google_drive_id"] = "g", ["question"] = $"question {id}?" };
        for (int o = 0; o < options; o++) q[$"option {o}"] = $"opt{o} of {id}";
        return q;
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string WriteQuestions(params JsonObject[] questions) => Write("questions.json", new JsonArray(questions).ToJsonString());

    [Fact]
    public void EgoSchemaQuestionsAreSortedByQUidAndTakeTheirAnswersAndVideoPaths()
    {
        string questions = WriteQuestions(Question("c"), Question("a"), Question("b"));
        string answers = Write("answers.json", """{"a": 4, "c": 0}""");
        var loaded = EgoSchemaDataset.Load(questions, "/videos", answers);
        Assert.Equal(["a", "b", "c"], loaded.Select(q => q.Id));
        Assert.Equal([4, null, 0], loaded.Select(q => q.Answer));
        Assert.Equal(Path.Combine("/videos", "a.mp4"), loaded[0].VideoPath);
        Assert.Equal(["opt0 of a", "opt1 of a", "opt2 of a", "opt3 of a", "opt4 of a"], loaded[0].Options);
    }

    [Fact]
    public void MalformedQuestionsFileNamesTheFileAndTheLine()
    {
        string path = Write("questions.json", "[{\"q_uid\": \"a\",\n \"question\": }");
        var e = Assert.Throws<EvalDataException>(() => EgoSchemaDataset.Load(path, _dir));
        Assert.Contains(path, e.Message);
        Assert.Contains("not valid JSON (line 2", e.Message);
    }

    [Fact]
    public void QuestionsFileThatIsNotAListIsRefused()
    {
        string path = Write("questions.json", """{"q_uid": "a"}""");
        var e = Assert.Throws<EvalDataException>(() => EgoSchemaDataset.Load(path, _dir));
        Assert.Contains("must hold a JSON list of questions", e.Message);
    }

    [Fact]
    public void AQuestionWithFourOptionsIsNamed()
    {
        string path = WriteQuestions(Question("a"), Question("short", options: 4));
        var e = Assert.Throws<EvalDataException>(() => EgoSchemaDataset.Load(path, _dir));
        Assert.Contains("q_uid short", e.Message);
        Assert.Contains("no \"option 4\"", e.Message);
    }

    [Fact]
    public void ADuplicateQUidIsNamed()
    {
        string path = WriteQuestions(Question("a"), Question("b"), Question("a"));
        var e = Assert.Throws<EvalDataException>(() => EgoSchemaDataset.Load(path, _dir));
        Assert.Contains("entry 2 (q_uid a)", e.Message);
        Assert.Contains("more than once", e.Message);
    }

    [Fact]
    public void AnswersNamingUnknownQUidsAreListed()
    {
        string questions = WriteQuestions(Question("a"));
        string answers = Write("answers.json", """{"a": 1, "zz": 2, "yy": 3}""");
        var e = Assert.Throws<EvalDataException>(() => EgoSchemaDataset.Load(questions, _dir, answers));
        Assert.Contains("names 2 q_uid(s) that are not in", e.Message);
        Assert.Contains("yy, zz", e.Message);
    }

    [Theory]
    [InlineData("""{"a": 5}""", "not an option index 0 to 4")]
    [InlineData("""{"a": "B"}""", "not an option index 0 to 4")]
    [InlineData("""[0, 1]""", "must hold a JSON object")]
    public void BadAnswersAreRefused(string json, string message)
    {
        string questions = WriteQuestions(Question("a"));
        var e = Assert.Throws<EvalDataException>(() => EgoSchemaDataset.Load(questions, _dir, Write("answers.json", json)));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void MissingQuestionsFileIsAClearError()
    {
        var e = Assert.Throws<EvalDataException>(() => EgoSchemaDataset.Load(Path.Combine(_dir, "nope.json"), _dir));
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void McqJsonlReadsIndexAndLetterAnswersRelativeToItsFolder()
    {
        string path = Write("set.jsonl", string.Join("\n",
            """{"id": "q2", "video": "v/2.mp4", "question": "Q2?", "options": ["x", "y", "z"], "answer": "c"}""",
            "",
            """{"id": 1, "video": "v/1.mp4", "question": "Q1?", "options": ["x", "y"], "answer": 1}""",
            """{"id": "q3", "video": "v/3.mp4", "question": "Q3?", "options": ["x", "y"]}"""));
        var loaded = McqDataset.Load(path);
        Assert.Equal(["1", "q2", "q3"], loaded.Select(q => q.Id));
        Assert.Equal([1, 2, null], loaded.Select(q => q.Answer));
        Assert.Equal(Path.Combine(_dir, "v/1.mp4"), loaded[0].VideoPath);
    }

    [Theory]
    [InlineData("""{"id": "a", "video": "v.mp4", "question": "Q?", "options": ["only"]}""", "has 1 option(s)")]
    [InlineData("""{"id": "a", "video": "v.mp4", "question": "Q?", "options": ["x", "y"], "answer": 2}""", "not an option index 0..1 or a letter A..B")]
    [InlineData("""{"id": "a", "question": "Q?", "options": ["x", "y"]}""", "has no \"video\"")]
    [InlineData("""not json""", "line 1 is not a JSON object")]
    public void BadMcqLinesAreNamed(string line, string message)
    {
        var e = Assert.Throws<EvalDataException>(() => McqDataset.Load(Write("set.jsonl", line)));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void DuplicateMcqIdsAreRefused()
    {
        string path = Write("set.jsonl", """{"id": "a", "video": "v.mp4", "question": "Q?", "options": ["x", "y"]}""" + "\n" +
                                         """{"id": "a", "video": "w.mp4", "question": "R?", "options": ["x", "y"]}""");
        var e = Assert.Throws<EvalDataException>(() => McqDataset.Load(path));
        Assert.Contains("line 2 (id a): the id appears more than once", e.Message);
    }

    [Fact]
    public async Task MiniDatasetIsEgoschemaFormatAndItsAnswerIsTheColourShownFirstOrLast()
    {
        string folder = Path.Combine(_dir, "mini");
        var made = await MiniDataset.CreateAsync(folder, 3, seed: 3);
        var loaded = EgoSchemaDataset.Load(Path.Combine(folder, "questions.json"), Path.Combine(folder, "videos"), Path.Combine(folder, "subset_answers.json"));
        Assert.Equal(made.Select(q => (q.Id, q.Answer)), loaded.Select(q => (q.Id, q.Answer)));
        foreach (var q in loaded)
        {
            Assert.True(File.Exists(q.VideoPath), q.VideoPath);
            Assert.Equal(5, q.Options.Distinct().Count());
            Assert.Contains(q.Options[q.Answer!.Value], MiniDataset.Colours);
        }
        // The answer is decidable from the video: decode its first and last frame and compare with the answer's colour.
        var decoder = new PruneVid.Runtime.Media.VideoDecoder();
        foreach (var q in loaded.Take(2))
        {
            var video = await decoder.DecodeAsync(q.VideoPath);
            bool last = q.Question.Contains("last");
            var frames = video.Frames;
            int frame = last ? frames.Count - 1 : 0;
            var (r, g, b) = CentrePixel(frames, frame);
            Assert.Equal(ColourOf(q.Options[q.Answer!.Value]), (Round(r), Round(g), Round(b)));
        }
        // Same seed, same set.
        string again = Path.Combine(_dir, "again");
        var remade = await MiniDataset.CreateAsync(again, 3, seed: 3);
        Assert.Equal(made.Select(q => (q.Id, q.Answer, q.Question)), remade.Select(q => (q.Id, q.Answer, q.Question)));
        await Assert.ThrowsAsync<IOException>(() => MiniDataset.CreateAsync(folder, 1)); // never writes into a used folder
    }

    private static (byte R, byte G, byte B) CentrePixel(PruneVid.Runtime.Media.RgbFrames frames, int frame)
    {
        var pixels = frames.Frame(frame);
        int at = ((frames.Height / 2) * frames.Width + frames.Width / 2) * 3;
        return (pixels[at], pixels[at + 1], pixels[at + 2]);
    }

    private static int Round(byte v) => v < 64 ? 0 : v > 192 ? 255 : 128;

    private static (int, int, int) ColourOf(string name) => name switch
    {
        "red" => (255, 0, 0), "green" => (0, 128, 0), "blue" => (0, 0, 255), "yellow" => (255, 255, 0),
        "white" => (255, 255, 255), "magenta" => (255, 0, 255), "cyan" => (0, 255, 255),
        _ => throw new ArgumentException(name),
    };
}
