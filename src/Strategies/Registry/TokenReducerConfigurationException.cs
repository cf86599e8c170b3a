// PruneVid.NET — reducer registry.
namespace PruneVid.Strategies;

/// <summary>A reducer name, preset or parameter string that cannot be honoured; the message names the culprit and the valid choices.</summary>
public sealed class TokenReducerConfigurationException(string message) : ArgumentException(message);
