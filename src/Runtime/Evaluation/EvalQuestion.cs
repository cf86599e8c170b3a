// PruneVid.NET — evaluation: one multiple-choice question about one video.
namespace PruneVid.Runtime.Evaluation;

/// <summary>A multiple-choice question about a video, as every dataset reader produces it.</summary>
/// <param name="Id">The question's unique id (EgoSchema's <c>q_uid</c>).</param>
/// <param name="VideoPath">The video file (it may be missing: that becomes a per-question error, not a load error).</param>
/// <param name="Question">The question text.</param>
/// <param name="Options">The answer options, in order (option i is letter 'A' + i).</param>
/// <param name="Answer">The correct option's index, when known.</param>
public sealed record EvalQuestion(string Id, string VideoPath, string Question, IReadOnlyList<string> Options, int? Answer);
