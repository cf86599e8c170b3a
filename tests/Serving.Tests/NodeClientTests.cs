// PruneVid.NET — serving tests: the official openai npm client (Node.js) against the server.
using System.Diagnostics;
using System.Text.Json.Nodes;
using PruneVid.Runtime.Text;

namespace PruneVid.Serving.Tests;

/// <summary>
/// Runs tests/Serving.Tests/node/chat.mjs with Node.js: a system-prompted, two-turn conversation about a video, a
/// text-only chat and a streamed answer with usage. Node.js 20+ and npm are required (.ci/run installs them and runs
/// <c>npm ci</c>; the test runs <c>npm ci</c> itself when node_modules is missing).
/// </summary>
[Collection("serve")]
public sealed class NodeClientTests(ServingFixture fixture)
{
    private static string Folder => Path.Combine(FixturePaths.RepositoryRoot, "tests", "Serving.Tests", "node");

    private static async Task<(int Code, string Output, string Error)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException($"'{file}' is not installed: the Node.js client test needs Node.js 20+ and npm (apt-get install nodejs npm; .ci/run does).");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await output, await error);
        }
    }

    [Fact]
    public async Task TheOpenAINpmClientHoldsASystemPromptedConversationAboutAVideoAndATextChat()
    {
        if (!Directory.Exists(Path.Combine(Folder, "node_modules", "openai")))
        {
            var install = await RunAsync("npm", "ci", "--no-audit", "--no-fund");
            Assert.True(install.Code == 0, $"npm ci failed: {install.Error}");
        }
        var (code, output, error) = await RunAsync("node", "chat.mjs", new Uri(fixture.Server.Address, "v1").ToString(), fixture.Clip);
        Assert.True(code == 0, $"node exited with {code}: {error}\n{output}\nserver: {fixture.Server.Log}");
        var result = JsonNode.Parse(output)!;

        Assert.Equal("tiny-qwen25vl", result["model"]!.GetValue<string>());
        Assert.Equal("tiny-qwen25vl", result["first"]!["model"]!.GetValue<string>());
        foreach (string name in new[] { "first", "second", "text", "streamed" })
            Assert.False(string.IsNullOrEmpty(result[name]!["text"]!.GetValue<string>()), $"{name} answered nothing: {output}");

        // The second turn's prompt is the first one plus the answer and the follow-up, as the template renders them.
        var tokenizer = QwenTokenizer.FromModelFolder(fixture.Model);
        int Tokens(string text) => tokenizer.Encode(text).Length;
        int firstPrompt = result["first"]!["usage"]!["prompt_tokens"]!.GetValue<int>();
        string answer = result["first"]!["text"]!.GetValue<string>();
        int added = Tokens("<|im_start|>assistant\n" + answer + "<|im_end|>\n<|im_start|>user\nAnd what colour is the background?<|im_end|>\n<|im_start|>assistant\n")
            - Tokens("<|im_start|>assistant\n");
        Assert.Equal(firstPrompt + added, result["second"]!["usage"]!["prompt_tokens"]!.GetValue<int>());

        Assert.Equal(Tokens("<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nSay hello.<|im_end|>\n<|im_start|>assistant\n"),
            result["text"]!["usage"]!["prompt_tokens"]!.GetValue<int>());
        Assert.True(result["streamed"]!["usage"]!["completion_tokens"]!.GetValue<int>() > 0, output);
    }
}
