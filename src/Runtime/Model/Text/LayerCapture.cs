// PruneVid.NET — language model: copies of a layer's queries and keys for an in-model hook.
using PruneVid.Compute;
using PruneVid.Strategies;

namespace PruneVid.Runtime.Model.Text;

/// <summary>
/// Copies a decoder layer's query and key projections before and/or after M-RoPE, for the hooks that score that
/// layer's attention. Only the rotations asked for are copied.
/// </summary>
internal sealed class LayerCapture : IDisposable
{
    private readonly bool _preRope, _postRope;

    public LayerCapture(IEnumerable<ILanguageModelReductionHook> hooks)
    {
        foreach (var hook in hooks)
        {
            _preRope |= hook.Inputs == HookAttentionInputs.PreRope;
            _postRope |= hook.Inputs == HookAttentionInputs.PostRope;
        }
    }

    public Tensor? PreRopeQueries { get; private set; }
    public Tensor? PreRopeKeys { get; private set; }
    public Tensor? PostRopeQueries { get; private set; }
    public Tensor? PostRopeKeys { get; private set; }

    /// <summary>Called by the layer with its q and k, once before and once after the rotation.</summary>
    public void Take(ComputeBackend backend, Tensor q, Tensor k, bool rotated)
    {
        if (rotated ? !_postRope : !_preRope) return;
        Tensor cq = Clone(backend, q), ck = Clone(backend, k);
        if (rotated) (PostRopeQueries, PostRopeKeys) = (cq, ck);
        else (PreRopeQueries, PreRopeKeys) = (cq, ck);
    }

    /// <summary>The queries and keys a hook asked for.</summary>
    public (Tensor? Queries, Tensor? Keys) For(HookAttentionInputs inputs) => inputs switch
    {
        HookAttentionInputs.PreRope => (PreRopeQueries, PreRopeKeys),
        HookAttentionInputs.PostRope => (PostRopeQueries, PostRopeKeys),
        _ => (null, null),
    };

    /// <summary>Restricts every copy to <paramref name="rows"/> (after a hook at the same layer pruned the sequence).</summary>
    public void Gather(ComputeBackend backend, Tensor rows)
    {
        PreRopeQueries = GatherOne(backend, PreRopeQueries, rows);
        PreRopeKeys = GatherOne(backend, PreRopeKeys, rows);
        PostRopeQueries = GatherOne(backend, PostRopeQueries, rows);
        PostRopeKeys = GatherOne(backend, PostRopeKeys, rows);
    }

    public void Dispose()
    {
        PreRopeQueries?.Dispose();
        PreRopeKeys?.Dispose();
        PostRopeQueries?.Dispose();
        PostRopeKeys?.Dispose();
    }

    private static Tensor Clone(ComputeBackend backend, Tensor source)
    {
        Tensor copy = backend.Allocate(DType.F32, source.Rows, source.RowLength);
        backend.Copy(source, copy);
        return copy;
    }

    private static Tensor? GatherOne(ComputeBackend backend, Tensor? source, Tensor rows)
    {
        if (source is null) return null;
        Tensor gathered = backend.Allocate(DType.F32, rows.Length > int.MaxValue ? throw new OverflowException() : (int)rows.Length, source.RowLength);
        backend.GatherRows(source, rows, gathered);
        source.Dispose();
        return gathered;
    }
}
