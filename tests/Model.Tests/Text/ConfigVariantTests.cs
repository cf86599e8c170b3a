// PruneVid.NET — language model tests: nothing about the fixture's particular config is hard-wired.
using PruneVid.Compute;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;
using PruneVid.Runtime.Model.Text;
using Xunit;

namespace PruneVid.Model.Tests.Text;

/// <summary>
/// The fixture model under a changed config: special ids remapped (image ↔ video placeholder swapped) and an
/// untied lm_head equal to 2 × the embedding. Scattered rows overwrite the placeholder embeddings, so the hidden
/// states must be identical, and doubling bf16 weights is exact, so the logits must be exactly doubled.
/// </summary>
public sealed class ConfigVariantTests(TinyTextModel tiny) : IClassFixture<TinyTextModel>
{
    [Fact]
    public void RemappedIdsAndUntiedHeadFollowTheConfig()
    {
        var config = tiny.Config with
        {
            ImageTokenId = tiny.Config.VideoTokenId,
            VideoTokenId = tiny.Config.ImageTokenId,
            Text = tiny.Config.Text with { TieWordEmbeddings = false },
        };
        var weights = new InMemoryWeights(tieWordEmbeddings: false, "fixture with a doubled, untied head");
        foreach (string name in tiny.Weights.Names.Where(n => n != WeightNames.LmHead))
        {
            WeightTensor w = tiny.Weights.Get(name);
            weights.Add(WeightTensor.FromBf16(name, w.Shape, w.ToBf16Bits()));
        }
        WeightTensor embed = tiny.Weights.Get(WeightNames.EmbedTokens);
        ushort[] doubled = embed.ToBf16Bits().Select(b => Bf16.FromSingle(2f * Bf16.ToSingle(b))).ToArray();
        weights.Add(WeightTensor.FromBf16(WeightNames.LmHead, embed.Shape, doubled));

        int[] remappedIds = tiny.InputIds.Select(id => id == tiny.Config.VideoTokenId ? config.VideoTokenId : id).ToArray();
        using var variant = new TextModel(tiny.Backend, config, weights);
        var (expectedHidden, expectedLogits) = LastRow(tiny.Model, tiny.Prompt);
        var (hidden, logits) = LastRow(variant, new TextPrompt(remappedIds, [tiny.Video], null, tiny.VideoEmbeds));

        Assert.Equal(expectedHidden, hidden);
        Assert.Equal(expectedLogits.Select(v => 2f * v).ToArray(), logits);
    }

    private (float[] Hidden, float[] Logits) LastRow(TextModel model, TextPrompt prompt)
    {
        var (sequence, normed, _) = new TextGenerator(model).Prefill(prompt, 1);
        using (sequence)
        using (normed)
        {
            Tensor last = model.Backend.SliceRows(normed, normed.Rows - 1, 1);
            var hidden = new float[last.Length];
            model.Backend.CopyToHost(last, hidden);
            using Tensor logits = model.Logits(last);
            var values = new float[logits.Length];
            model.Backend.CopyToHost(logits, values);
            return (hidden, values);
        }
    }
}
