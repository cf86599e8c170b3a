// PruneVid.NET — evaluation.
namespace PruneVid.Runtime.Evaluation;

/// <summary>A dataset, result or shard setting that cannot be used; the message names the file and the fault.</summary>
public sealed class EvalDataException(string message, Exception? inner = null) : Exception(message, inner);
