// PruneVid.NET — tokenizer tests.
using System.Text.Json;
using PruneVid.Runtime.Text;
using Xunit;

namespace PruneVid.Runtime.Tests.Text;

public class TokenizerLoadingTests
{
    [Fact]
    public void MissingModelFolderIsNamed()
    {
        string dir = Path.Combine(Path.GetTempPath(), "prunevid-no-such-" + Guid.NewGuid().ToString("N"));
        var ex = Assert.Throws<DirectoryNotFoundException>(() => QwenTokenizer.FromModelFolder(dir));
        Assert.Contains(dir, ex.Message);
    }

    [Fact]
    public void FolderWithoutTokenizerFilesSaysWhichFilesAreNeeded()
    {
        string dir = Directory.CreateTempSubdirectory("prunevid-empty-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "config.json"), "{}");
            var ex = Assert.Throws<FileNotFoundException>(() => QwenTokenizer.FromModelFolder(dir));
            Assert.Contains("tokenizer.json", ex.Message);
            Assert.Contains("merges.txt", ex.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void VocabAndMergesFilesGiveTheSameIdsAsTokenizerJson()
    {
        string dir = Directory.CreateTempSubdirectory("prunevid-vocab-").FullName;
        try
        {
            // Split the fixture tokenizer.json into the older two-file layout.
            using (var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(SharedTokenizer.Folder, "tokenizer.json"))))
            {
                var model = doc.RootElement.GetProperty("model");
                File.WriteAllText(Path.Combine(dir, "vocab.json"), model.GetProperty("vocab").GetRawText());
                var lines = model.GetProperty("merges").EnumerateArray().Select(m => m[0].GetString() + " " + m[1].GetString());
                File.WriteAllLines(Path.Combine(dir, "merges.txt"), ["#version: 0.2", .. lines]);
            }
            File.Copy(Path.Combine(SharedTokenizer.Folder, "tokenizer_config.json"), Path.Combine(dir, "tokenizer_config.json"));

            var twoFiles = QwenTokenizer.FromModelFolder(dir);
            const string text = "Ünïcödé naïve café <|im_start|>视频 12345\r\n  x 😀<tool_call>";
            Assert.Equal(SharedTokenizer.Instance.Encode(text), twoFiles.Encode(text));
            Assert.Equal(151656, twoFiles.GetAddedTokenId(QwenSpecialTokens.VideoPad));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
