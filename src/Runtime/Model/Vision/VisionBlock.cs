// PruneVid.NET — vision tower.
using PruneVid.Compute;
using PruneVid.Runtime.Config;

namespace PruneVid.Runtime.Model.Vision;

/// <summary>
/// One pre-norm ViT block (docs/model.md §3.5): x += proj(attention(rope(q), rope(k), v)) over its segments, then
/// x += down(silu(gate(h)) · up(h)) with h = RMSNorm(x). Every linear has a bias; the attention is non-causal.
/// </summary>
internal sealed class VisionBlock(ComputeBackend backend, VisionConfig config, VisionBlockWeights weights) : IDisposable
{
    private readonly AttentionShape _shape = AttentionShape.Create(config.NumHeads, config.NumHeads, config.HeadDim);

    /// <summary>Updates <paramref name="x"/> [patches, hidden] (window order) in place.</summary>
    public void Forward(Tensor x, VisionScratch s, Tensor cos, Tensor sin, int[] cuSeqLens)
    {
        backend.RmsNorm(x, weights.Norm1, VisionEncoder.NormEps, s.Normed);
        backend.Project(s.Normed, [new(weights.Q, weights.QBias, s.Q), new(weights.K, weights.KBias, s.K), new(weights.V, weights.VBias, s.V)]);
        backend.Rotary(s.Q, config.NumHeads, config.HeadDim, cos, sin);
        backend.Rotary(s.K, config.NumHeads, config.HeadDim, cos, sin);
        backend.Attention(s.Q, s.K, s.V, s.Attention, _shape, cuSeqLens, cuSeqLens, causal: false);
        backend.MatMulAccumulate(s.Attention, weights.Proj, weights.ProjBias, x);

        backend.RmsNorm(x, weights.Norm2, VisionEncoder.NormEps, s.Normed);
        backend.Project(s.Normed, [new(weights.Gate, weights.GateBias, s.Gate), new(weights.Up, weights.UpBias, s.Up)]);
        backend.SiluMul(s.Gate, s.Up, s.Gate);
        backend.MatMulAccumulate(s.Gate, weights.Down, weights.DownBias, x);
    }

    public void Dispose() => weights.Dispose();
}
