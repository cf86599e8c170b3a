// PruneVid.NET — tokenizer tests: damaged tokenizer files.
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using PruneVid.Tools.Demo;
using PruneVid.Runtime.Errors;
using PruneVid.Runtime.Tests.Checkpoint;
using PruneVid.Runtime.Tests.Errors;
using PruneVid.Runtime.Text;
using Xunit;
using Xunit.Abstractions;

namespace PruneVid.Runtime.Tests.Text;

/// <summary>
/// Truncated and mutated tokenizer.json, vocab.json and merges.txt files: each fails with a
/// <see cref="TokenizerFormatException"/> naming the file, in one bounded line.
/// </summary>
public sealed class TokenizerFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 4242;

    [Fact]
    public void RealTokenizerJsonTruncatedAtEveryTenthNamesTheFile()
    {
        byte[] full = File.ReadAllBytes(Path.Combine(SharedTokenizer.Folder, "tokenizer.json"));
        using var folder = new TempDirectory("prunevid-tok-trunc-", inMemory: true);
        string path = folder.File("tokenizer.json");
        int count = 0;
        foreach (int tenth in Enumerable.Range(0, 10))
        {
            File.WriteAllBytes(path, full.AsSpan(0, (int)(full.LongLength * tenth / 10)).ToArray());
            AssertRejected(path, () => QwenTokenizer.FromTokenizerJson(path), $"{tenth * 10}%");
            count++;
        }
        output.WriteLine($"tokenizer.json ({full.Length:N0} bytes) truncated at 0%, 10%, … 90%: {count} cases, each a TokenizerFormatException naming the file");
    }

    [Fact]
    public void TruncationInsideANumberSaysWhereInsteadOfABareJsonError()
    {
        byte[] full = File.ReadAllBytes(Path.Combine(SharedTokenizer.Folder, "tokenizer.json"));
        int cut = full.AsSpan().IndexOf("\": 1234"u8) + 5; // inside a vocabulary id
        using var folder = new TempDirectory("prunevid-tok-cut-", inMemory: true);
        string path = folder.File("tokenizer.json");
        File.WriteAllBytes(path, full.AsSpan(0, cut).ToArray());
        var e = Assert.Throws<TokenizerFormatException>(() => QwenTokenizer.FromTokenizerJson(path));
        string message = UserMessages.Describe(e);
        Assert.Contains(path, message);
        Assert.Contains("truncated", message);
        Assert.Matches(@"at line \d+, byte \d+", message);
        Assert.DoesNotContain("LineNumber", message);
        Assert.True(message.Length < 500, message);
    }

    [Fact]
    public void MutatedTokenizerFilesFailNamingTheFileAndField()
    {
        using var folder = new TempDirectory("prunevid-tok-fuzz-", inMemory: true);
        string model = TinyModelFolder.Create(folder.File("model"));
        JsonObject original = JsonNode.Parse(File.ReadAllText(Path.Combine(model, "tokenizer.json")))!.AsObject();
        string path = folder.File("tokenizer.json");
        var cases = new List<(string Name, Func<JsonObject, string> Edit)>
        {
            ("no model", j => { j.Remove("model"); return j.ToJsonString(); }),
            ("model is a string", j => { j["model"] = "BPE"; return j.ToJsonString(); }),
            ("WordPiece model", j => { j["model"]!["type"] = "WordPiece"; return j.ToJsonString(); }),
            ("no vocab", j => { j["model"]!.AsObject().Remove("vocab"); return j.ToJsonString(); }),
            ("empty vocab", j => { j["model"]!["vocab"] = new JsonObject(); return j.ToJsonString(); }),
            ("vocab is an array", j => { j["model"]!["vocab"] = new JsonArray(1, 2); return j.ToJsonString(); }),
            ("vocab id is a string", j => { j["model"]!["vocab"]!["a"] = "97"; return j.ToJsonString(); }),
            ("vocab id is negative", j => { j["model"]!["vocab"]!["a"] = -5; return j.ToJsonString(); }),
            ("vocab id is huge", j => { j["model"]!["vocab"]!["a"] = int.MaxValue; return j.ToJsonString(); }),
            ("vocab token outside the byte alphabet", j => { j["model"]!["vocab"]!["\u4e00"] = 5; return j.ToJsonString(); }),
            ("merges missing", j => { j["model"]!.AsObject().Remove("merges"); return j.ToJsonString(); }),
            ("merge is a number", j => { j["model"]!["merges"] = new JsonArray(7); return j.ToJsonString(); }),
            ("merge has three parts", j => { j["model"]!["merges"] = new JsonArray(new JsonArray("a", "b", "c")); return j.ToJsonString(); }),
            ("merge of unknown tokens", j => { j["model"]!["merges"] = new JsonArray("zzzq qqqz"); return j.ToJsonString(); }),
            ("added token without id", j => { j["added_tokens"]![0]!.AsObject().Remove("id"); return j.ToJsonString(); }),
            ("added token id huge", j => { j["added_tokens"]![0]!["id"] = 2_000_000_000; return j.ToJsonString(); }),
            ("added tokens is an object", j => { j["added_tokens"] = new JsonObject(); return j.ToJsonString(); }),
            ("unsupported pre-tokenizer", j => { j["pre_tokenizer"] = JsonNode.Parse("""{"type":"Split","pattern":{"Regex":"\\w+"}}"""); return j.ToJsonString(); }),
            ("pre-tokenizer step without type", j => { j["pre_tokenizer"] = JsonNode.Parse("""{"pretokenizers":[{"pattern":1}]}"""); return j.ToJsonString(); }),
            ("root is an array", _ => "[1,2,3]"),
            ("empty file", _ => ""),
            ("deep nesting", _ => new string('[', 10_000) + new string(']', 10_000)),
        };
        int n = 0;
        foreach (var (name, edit) in cases)
        {
            File.WriteAllText(path, edit(original.DeepClone().AsObject()));
            AssertRejected(path, () => QwenTokenizer.FromTokenizerJson(path), name);
            n++;
        }

        // Random byte damage: loads or fails cleanly, never anything else.
        byte[] good = Encoding.UTF8.GetBytes(original.ToJsonString());
        var rng = new Random(Seed);
        int loaded = 0, rejected = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 300 && clock.Elapsed < TimeSpan.FromSeconds(20); i++)
        {
            byte[] bytes = (byte[])good.Clone();
            for (int k = rng.Next(1, 4); k > 0; k--) bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
            File.WriteAllBytes(path, bytes);
            try { QwenTokenizer.FromTokenizerJson(path); loaded++; }
            catch (TokenizerFormatException e) { CheckMessage(e, path, $"random bytes #{i}"); rejected++; }
        }
        output.WriteLine($"tokenizer.json: {n} hand-made mutations rejected; {loaded + rejected} random byte mutations (seed {Seed}): {loaded} loaded, {rejected} rejected");
    }

    [Fact]
    public void DamagedVocabAndMergesNameTheFileAtFault()
    {
        using var folder = new TempDirectory("prunevid-tok-vm-", inMemory: true);
        string vocab = folder.File("vocab.json"), merges = folder.File("merges.txt");
        string goodVocab = """{"a": 0, "b": 1, "ab": 2}""", goodMerges = "#version: 0.2\na b\n";
        var cases = new (string Name, string Vocab, string Merges, string Blamed)[]
        {
            ("truncated vocab", goodVocab[..12], goodMerges, vocab),
            ("vocab not an object", "[\"a\"]", goodMerges, vocab),
            ("empty vocab", "{}", goodMerges, vocab),
            ("vocab id not a number", """{"a": "zero"}""", goodMerges, vocab),
            ("merge line with one token", goodVocab, "ab\n", merges),
            ("merge line with three tokens", goodVocab, "a b c\n", merges),
        };
        foreach (var (name, v, m, blamed) in cases)
        {
            File.WriteAllText(vocab, v);
            File.WriteAllText(merges, m);
            var e = AssertRejected(blamed, () => QwenTokenizer.FromVocabAndMerges(vocab, merges), name);
            Assert.Contains(blamed, e.Message);
        }
        File.WriteAllText(vocab, goodVocab);
        File.WriteAllBytes(merges, [(byte)'a', (byte)' ', 0xC3, 0x28, (byte)'\n']);
        AssertRejected(merges, () => QwenTokenizer.FromVocabAndMerges(vocab, merges), "merges not UTF-8");
        output.WriteLine($"vocab.json + merges.txt: {cases.Length + 1} damaged pairs, each naming the damaged file");
    }

    private static Exception AssertRejected(string path, Action load, string what)
    {
        Exception? caught = null;
        try { load(); }
        catch (Exception e) { caught = e; }
        Assert.True(caught is TokenizerFormatException, $"{what}: expected TokenizerFormatException, got {caught?.GetType().Name ?? "no exception"}: {caught?.Message}");
        CheckMessage(caught!, path, what);
        return caught!;
    }

    private static void CheckMessage(Exception e, string path, string what)
    {
        string message = UserMessages.Describe(e);
        UserMessagesTests.AssertClean(message);
        Assert.True(message.Contains(path, StringComparison.Ordinal), $"{what}: '{message}' does not name {path}");
    }
}
