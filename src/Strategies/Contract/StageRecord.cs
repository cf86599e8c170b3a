// PruneVid.NET — token-reduction contract: what one stage did, from reducer to report.
using System.Text.Json.Serialization;

namespace PruneVid.Strategies;

/// <summary>
/// What one reduction stage did to the visual tokens: the one record a reducer chain, the language model's hooks, the
/// pipeline's statistics, the evaluation lines and every printed summary share. Layers are numbered the same way
/// everywhere: 0-based, the decoder layer after which an in-model stage acted (it runs on every token through that
/// layer and the later layers see only what it kept).
/// </summary>
/// <param name="Stage">The reducer (or in-model hook) name.</param>
/// <param name="TokensBefore">Visual tokens the stage received.</param>
/// <param name="TokensAfter">Visual tokens it kept.</param>
/// <param name="Layer">For an in-model stage: the 0-based decoder layer after which it acted (null before the model).</param>
/// <param name="KvRowsKept">For an in-model stage: the sequence rows left, i.e. the rows the KV cache of every layer holds.</param>
public sealed record StageRecord(string Stage, int TokensBefore, int TokensAfter, int? Layer = null, int? KvRowsKept = null)
{
    /// <summary>True for a stage that acted inside the language model.</summary>
    [JsonIgnore]
    public bool InModel => Layer is not null;

    /// <summary>Share of the stage's input tokens it removed, in percent.</summary>
    [JsonIgnore]
    public double ReductionPercent => TokensBefore == 0 ? 0.0 : 100.0 * (TokensBefore - TokensAfter) / TokensBefore;

    /// <summary>The stage as one line, e.g. <c>prunevid-stage1 2304→1152</c> or <c>fastv after layer 1 1152→576 (kv 610)</c>.</summary>
    public override string ToString() => Layer is int layer
        ? $"{Stage} after layer {layer} {TokensBefore}→{TokensAfter} (kv {KvRowsKept})"
        : $"{Stage} {TokensBefore}→{TokensAfter}";

    /// <summary>
    /// The stages of several videos as one list: counts summed stage by stage (every video runs the same chain, so
    /// the lists line up); layer and KV rows are taken from the first video.
    /// </summary>
    public static IReadOnlyList<StageRecord> SumOverVideos(IReadOnlyList<IReadOnlyList<StageRecord>> perVideo)
    {
        ArgumentNullException.ThrowIfNull(perVideo);
        if (perVideo.Count == 0) return [];
        return [.. Enumerable.Range(0, perVideo[0].Count).Select(s => perVideo[0][s] with
        {
            TokensBefore = perVideo.Sum(v => v[s].TokensBefore),
            TokensAfter = perVideo.Sum(v => v[s].TokensAfter),
        })];
    }
}
