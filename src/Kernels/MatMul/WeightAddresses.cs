// PruneVid.NET — kernels: device addresses of a fused projection's weights (for cp.async, which needs raw addresses).
namespace PruneVid.Kernels;

/// <summary>
/// The device addresses of the weights of up to three projections (element 0 of each view, taken on the host), which
/// a kernel cannot take itself in ILGPU. Unused slots repeat slot 0's. Packed in one struct for the 14-parameter limit.
/// </summary>
public readonly record struct WeightAddresses(long W0, long W1, long W2);
