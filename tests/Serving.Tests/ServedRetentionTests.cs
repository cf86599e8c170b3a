// PruneVid.NET — serving tests: the server's stage records and token budgets, against the reducers' definitions.
using System.Text.Json.Nodes;

namespace PruneVid.Serving.Tests;

/// <summary>
/// The <c>prunevid</c> field of a completion carries the same stage records as <c>run</c> and <c>eval</c>: FastV keeps
/// round(N·(1 − ratio)) after layer K − 1 (retention counted after it, inside the model), and a <c>retention</c> budget
/// is met and reported beside its target.
/// </summary>
[Collection("serve")]
public sealed class ServedRetentionTests(ServingFixture fixture)
{
    private HttpClient Http() => new() { BaseAddress = fixture.Server.Address, Timeout = TimeSpan.FromSeconds(120) };

    private async Task<JsonNode> Compression(HttpClient http, JsonObject extension)
    {
        using var response = await Api.PostAsync(http, Api.VideoRequest(Api.FileUrl(fixture.Clip), maxTokens: 1, extension: extension));
        var json = await Api.JsonAsync(response);
        Assert.True(response.IsSuccessStatusCode, json.ToJsonString());
        return json["prunevid"]!["compression"]!;
    }

    [Fact]
    public async Task FastVStagesAndBudgetsAreReportedAsTheReducerDefinesThem()
    {
        using var http = Http();
        var fastv = await Compression(http, new JsonObject { ["strategy"] = "fastv", ["params"] = new JsonObject { ["ratio"] = 0.3 } });
        int n = fastv["visual_tokens_before"]!.GetValue<int>();
        int kept = (int)Math.Round(n * (1 - 0.3), MidpointRounding.ToEven);
        var stage = fastv["stages"]!.AsArray().Single()!;
        Assert.Equal(("fastv", n, kept, 1), (stage["stage"]!.GetValue<string>(), stage["tokens_before"]!.GetValue<int>(), stage["tokens_after"]!.GetValue<int>(), stage["layer"]!.GetValue<int>()));
        Assert.Equal(n, fastv["prompt_visual_tokens"]!.GetValue<int>());
        Assert.Equal(kept, fastv["visual_tokens_kept"]!.GetValue<int>());
        Assert.Equal(Math.Round(100.0 * kept / n, 2), fastv["retention_percent"]!.GetValue<double>());

        var budget = await Compression(http, new JsonObject { ["strategy"] = "fastv", ["retention"] = 0.25 });
        Assert.Equal(25.0, budget["target_retention_percent"]!.GetValue<double>());
        Assert.Equal((int)Math.Round(n * 0.25, MidpointRounding.ToEven), budget["visual_tokens_kept"]!.GetValue<int>());

        using var refused = await Api.PostAsync(http, Api.VideoRequest(Api.FileUrl(fixture.Clip), maxTokens: 1,
            extension: new JsonObject { ["strategy"] = "noop", ["retention"] = 0.25 }));
        string body = await refused.Content.ReadAsStringAsync();
        Assert.Equal(400, (int)refused.StatusCode);
        Assert.Contains("cannot take a token budget", body);
    }
}
