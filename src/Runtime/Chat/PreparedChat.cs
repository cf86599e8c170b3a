// PruneVid.NET — chat: a validated request, ready to run.
using PruneVid.Runtime.Model.Text;
using PruneVid.Runtime.Pipeline;

namespace PruneVid.Runtime.Chat;

/// <summary>
/// A chat request checked against the pipeline without touching the model: the conversation (its videos and images as
/// local files), decoding settings, the reducer to use and the stop sequences. Disposing it deletes media it wrote.
/// </summary>
public sealed class PreparedChat : IDisposable
{
    private readonly IReadOnlyList<string> _temporaryFiles;
    private readonly bool _ownsView;

    internal PreparedChat(IReadOnlyList<PreparedTurn> turns, SamplingOptions sampling, VideoQaPipeline pipeline,
        bool ownsView, IReadOnlyList<string> stopSequences, int? topLogprobs, IReadOnlyList<string> temporaryFiles)
    {
        (Turns, Sampling, Pipeline, _ownsView, StopSequences, TopLogprobs, _temporaryFiles) =
            (turns, sampling, pipeline, ownsView, stopSequences, topLogprobs, temporaryFiles);
    }

    /// <summary>Alternatives listed per token when log-probabilities were asked for; null when they were not.</summary>
    public int? TopLogprobs { get; }

    /// <summary>The conversation, each media part a local file.</summary>
    internal IReadOnlyList<PreparedTurn> Turns { get; }

    /// <summary>Videos in the conversation (all turns).</summary>
    public int VideoCount => Turns.Sum(t => t.Parts.Count(p => p is MediaFile { IsVideo: true }));

    /// <summary>Images in the conversation (all turns).</summary>
    public int ImageCount => Turns.Sum(t => t.Parts.Count(p => p is MediaFile { IsVideo: false }));

    /// <summary>Decoding settings.</summary>
    public SamplingOptions Sampling { get; }

    /// <summary>The pipeline with this request's reducer (a view over the shared model).</summary>
    internal VideoQaPipeline Pipeline { get; }

    /// <summary>The strategy spec this request runs with.</summary>
    public string Strategy => Pipeline.Options.Strategy;

    /// <summary>Strings that end the answer (not included in it); decoding stops at the first one that appears.</summary>
    public IReadOnlyList<string> StopSequences { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsView) Pipeline.Dispose(); // a strategy view: releases nothing of the shared model
        foreach (string file in _temporaryFiles)
            try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>One turn of a prepared conversation: its role and its parts, each a string or a <see cref="MediaFile"/>.</summary>
internal sealed record PreparedTurn(Text.ChatRole Role, IReadOnlyList<object> Parts);

/// <summary>A video or image of the conversation, as a local file.</summary>
internal sealed record MediaFile(string Path, bool IsVideo);
