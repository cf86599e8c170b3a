// PruneVid.NET — chat: a validated request, ready to run.
using PruneVid.Runtime.Model.Text;
using PruneVid.Runtime.Pipeline;

namespace PruneVid.Runtime.Chat;

/// <summary>
/// A chat request checked against the pipeline without touching the model: the question, the one video or image as a
/// local file, decoding settings, the reducer to use and the stop sequences. Disposing it deletes media it wrote.
/// </summary>
public sealed class PreparedChat : IDisposable
{
    private readonly string? _temporaryFile;
    private readonly bool _ownsView;

    internal PreparedChat(string question, string mediaPath, bool isVideo, SamplingOptions sampling, VideoQaPipeline pipeline,
        bool ownsView, IReadOnlyList<string> stopSequences, string? temporaryFile)
    {
        (Question, MediaPath, IsVideo, Sampling, Pipeline, _ownsView, StopSequences, _temporaryFile) =
            (question, mediaPath, isVideo, sampling, pipeline, ownsView, stopSequences, temporaryFile);
    }

    /// <summary>The user's question (the text parts of the message).</summary>
    public string Question { get; }

    /// <summary>The video or image file.</summary>
    public string MediaPath { get; }

    /// <summary>True for a video, false for an image.</summary>
    public bool IsVideo { get; }

    /// <summary>Decoding settings.</summary>
    public SamplingOptions Sampling { get; }

    /// <summary>The pipeline with this request's reducer (a view over the shared model).</summary>
    internal VideoQaPipeline Pipeline { get; }

    /// <summary>The strategy spec this request runs with.</summary>
    public string Strategy => Pipeline.Options.Strategy;

    /// <summary>Strings that end the answer (not included in it).</summary>
    public IReadOnlyList<string> StopSequences { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsView) Pipeline.Dispose(); // a strategy view: releases nothing of the shared model
        if (_temporaryFile is not null) try { File.Delete(_temporaryFile); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
