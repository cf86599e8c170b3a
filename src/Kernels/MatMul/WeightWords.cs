// PruneVid.NET — kernels: weight views that load one element as f32 (lets one kernel body serve bf16 and f32 weights).
using ILGPU;

namespace PruneVid.Kernels;

/// <summary>A device view of weights read as f32, whatever the stored word. Kernels take it as a struct type argument.</summary>
public interface IWeightWords
{
    /// <summary>Element <paramref name="index"/> widened to f32.</summary>
    float Load(long index);
}

/// <summary>Raw bf16 words: widening is a 16-bit shift, exact.</summary>
public readonly struct Bf16Words : IWeightWords
{
    private readonly ArrayView<ushort> _view;

    /// <summary>Wraps a view of bf16 words.</summary>
    public Bf16Words(ArrayView<ushort> view) => _view = view;

    /// <inheritdoc />
    public float Load(long index) => Interop.IntAsFloat((uint)_view[index] << 16);
}

/// <summary>Plain f32 words.</summary>
public readonly struct F32Words : IWeightWords
{
    private readonly ArrayView<float> _view;

    /// <summary>Wraps a view of f32 words.</summary>
    public F32Words(ArrayView<float> view) => _view = view;

    /// <inheritdoc />
    public float Load(long index) => _view[index];
}
