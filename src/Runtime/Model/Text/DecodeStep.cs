// PruneVid.NET — language model: the device tensors of a greedy decode step, allocated once per sequence.
using PruneVid.Compute;

namespace PruneVid.Runtime.Model.Text;

/// <summary>
/// Everything one greedy decode step reads and writes outside the layers' arena and the KV cache: the step input
/// (I32 [4] = token id, then its t/h/w position, uploaded as one copy), the hidden state and its final norm [1, H],
/// the logits [1, vocab] and the argmax id. Allocated once per sequence and reused every step, so a step moves one
/// 16-byte upload and one 4-byte download and allocates nothing (docs/compute-backends.md, "Decode budget").
/// </summary>
internal sealed class DecodeStep : IDisposable
{
    private readonly ComputeBackend _backend;
    private readonly Tensor _input;
    private readonly int[] _host = new int[4];

    public DecodeStep(ComputeBackend backend, int hiddenSize, int vocabSize)
    {
        _backend = backend;
        _input = backend.Allocate(DType.I32, 4);
        Id = backend.SliceRows(_input, 0, 1);
        Positions = backend.Reshape(backend.SliceRows(_input, 1, 3), 3, 1);
        Hidden = backend.Allocate(DType.F32, 1, hiddenSize);
        Normed = backend.Allocate(DType.F32, 1, hiddenSize);
        Logits = backend.Allocate(DType.F32, 1, vocabSize);
        NextId = backend.Allocate(DType.I32, 1);
    }

    /// <summary>The fed token id (I32 [1], a view of the step input).</summary>
    public Tensor Id { get; }

    /// <summary>The fed token's M-RoPE position on all three streams (I32 [3, 1], a view of the step input).</summary>
    public Tensor Positions { get; }

    /// <summary>The residual stream of the step [1, H].</summary>
    public Tensor Hidden { get; }

    /// <summary>The final-normed hidden state [1, H].</summary>
    public Tensor Normed { get; }

    /// <summary>The step's logits [1, vocab].</summary>
    public Tensor Logits { get; }

    /// <summary>The argmax of <see cref="Logits"/> (I32 [1]).</summary>
    public Tensor NextId { get; }

    /// <summary>Uploads the token and its position in one host→device copy.</summary>
    public void Feed(int token, int position)
    {
        _host[0] = token;
        _host[1] = _host[2] = _host[3] = position;
        _backend.CopyFromHost(_host, _input);
    }

    /// <summary>Downloads the argmax id (the step's one device→host copy).</summary>
    public int ReadNextId()
    {
        Span<int> id = stackalloc int[1];
        _backend.CopyToHost(NextId, id);
        return id[0];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _input.Dispose();
        Hidden.Dispose();
        Normed.Dispose();
        Logits.Dispose();
        NextId.Dispose();
    }
}
