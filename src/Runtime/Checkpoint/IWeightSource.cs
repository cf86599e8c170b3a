// PruneVid.NET — checkpoint loading.
using System.Diagnostics.CodeAnalysis;

namespace PruneVid.Runtime.Checkpoint;

/// <summary>
/// Weights by canonical name (<see cref="WeightNames"/>). Mapped tensors stay valid until the source is disposed.
/// Tied <c>lm_head.weight</c> is resolved inside the source when it was opened with a tied config.
/// </summary>
public interface IWeightSource : IDisposable
{
    /// <summary>Finds a tensor by canonical name.</summary>
    bool TryGet(string canonicalName, [MaybeNullWhen(false)] out WeightTensor tensor);

    /// <summary>Every canonical name the source answers (including a tied <c>lm_head.weight</c>).</summary>
    IReadOnlyCollection<string> Names { get; }

    /// <summary>Where the weights come from, for error messages (a path, or a description).</summary>
    string Location => GetType().Name;
}

/// <summary>Conveniences over <see cref="IWeightSource"/>.</summary>
public static class WeightSourceExtensions
{
    /// <summary>Gets a tensor or throws <see cref="SafeTensorsFormatException"/> naming the source and the missing name.</summary>
    public static WeightTensor Get(this IWeightSource source, string canonicalName)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.TryGet(canonicalName, out WeightTensor? tensor)
            ? tensor
            : throw new SafeTensorsFormatException(source.Location, $"missing tensor '{canonicalName}'");
    }
}
