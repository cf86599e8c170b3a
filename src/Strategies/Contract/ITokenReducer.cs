// PruneVid.NET — token-reduction contract.
namespace PruneVid.Strategies;

/// <summary>
/// A video-token reducer. Mark an implementation with <see cref="TokenReducerAttribute"/> and it is registered by
/// the source generator in <see cref="TokenReducerRegistry"/>; it needs a public parameterless constructor.
/// </summary>
public interface ITokenReducer
{
    /// <summary>
    /// Reduces the tokens of one video. Implementations must not dispose the input tensor: they hand a new tensor over
    /// (the <see cref="TokenReduction"/> constructor) or return the input as it is (<see cref="TokenReduction.Unchanged"/>).
    /// </summary>
    TokenReduction Reduce(VideoTokens video, ReductionContext context);
}

/// <summary>
/// A reducer with options. The properties of <typeparamref name="TOptions"/> marked with
/// <see cref="ParameterAttribute"/> become its parameters (settable by name, e.g. <c>"tau=0.8"</c>).
/// </summary>
public interface ITokenReducer<TOptions> : ITokenReducer where TOptions : class, new()
{
    /// <summary>The options this instance runs with.</summary>
    TOptions Options { get; init; }
}
