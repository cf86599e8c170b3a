// PruneVid.NET — evaluation: a small EgoSchema-format set whose answers can be read off the videos.
using System.Text.Json;
using System.Text.Json.Nodes;
using FFMpegCore;
using FFMpegCore.Enums;
using FFMpegCore.Exceptions;
using PruneVid.Runtime.Media;

namespace PruneVid.Runtime.Evaluation;

/// <summary>
/// Writes <c>questions.json</c>, <c>subset_answers.json</c> and <c>videos/&lt;q_uid&gt;.mp4</c> in EgoSchema's
/// layout: each video shows three solid colours one after the other (one second each), and the question asks which
/// colour appears last (or first), so the correct option is decidable from the video alone. Seeded: the same seed
/// gives the same questions, answers and videos.
/// </summary>
public static class MiniDataset
{
    /// <summary>The colours the videos use (ffmpeg colour names), also the option texts.</summary>
    public static readonly IReadOnlyList<string> Colours = ["red", "green", "blue", "yellow", "white", "magenta", "cyan"];

    /// <summary>Creates the set in <paramref name="folder"/> (which must be new or empty).</summary>
    public static async Task<IReadOnlyList<EvalQuestion>> CreateAsync(string folder, int questionCount, int seed = 7, int size = 56,
        string? ffmpegFolder = null, CancellationToken cancellationToken = default)
    {
        if (questionCount is < 1 or > 10_000) throw new ArgumentOutOfRangeException(nameof(questionCount), questionCount, "make between 1 and 10000 questions");
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            throw new IOException($"'{folder}' is not empty; the mini dataset is only written into a new or empty folder");
        string videos = Path.Combine(folder, "videos");
        Directory.CreateDirectory(videos);
        var tools = FfmpegTools.Locate(ffmpegFolder);
        var rng = new Random(seed);
        var questions = new JsonArray();
        var answers = new JsonObject();
        var result = new List<EvalQuestion>();
        for (int q = 0; q < questionCount; q++)
        {
            string id = new Guid(RandomBytes(rng)).ToString();
            string[] shown = [.. Colours.OrderBy(_ => rng.Next()).Take(3)];
            bool askLast = rng.Next(2) == 0;
            string target = askLast ? shown[^1] : shown[0];
            // Five options: the target, the other two colours shown and two that never appear, in random order.
            string[] options = [.. shown.Concat(Colours.Except(shown).OrderBy(_ => rng.Next()).Take(2)).OrderBy(_ => rng.Next())];
            int answer = Array.IndexOf(options, target);
            string text = $"Which colour fills the screen {(askLast ? "last" : "first")} in the video?";
            var item = new JsonObject { ["q_uid"] = id, ["google_drive_id"] = $"mini-{q:D4}", ["question"] = text };
            for (int o = 0; o < options.Length; o++) item[$"option {o}"] = options[o];
            questions.Add(item);
            answers[id] = answer;
            string video = Path.Combine(videos, id + ".mp4");
            await WriteVideoAsync(tools, video, shown, size, cancellationToken).ConfigureAwait(false);
            result.Add(new EvalQuestion(id, video, text, options, answer));
        }
        var indented = new JsonSerializerOptions { WriteIndented = true };
        await File.WriteAllTextAsync(Path.Combine(folder, "questions.json"), questions.ToJsonString(indented), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(folder, "subset_answers.json"), answers.ToJsonString(indented), cancellationToken).ConfigureAwait(false);
        return [.. result.OrderBy(r => r.Id, StringComparer.Ordinal)];
    }

    private static byte[] RandomBytes(Random rng)
    {
        var bytes = new byte[16];
        rng.NextBytes(bytes);
        return bytes;
    }

    /// <summary>One second of each colour, concatenated (through FFMpegCore, like all media code).</summary>
    private static async Task WriteVideoAsync(FfmpegTools tools, string path, IReadOnlyList<string> colours, int size, CancellationToken cancellationToken)
    {
        if (colours.Count == 0) throw new ArgumentException("a mini video needs at least one colour", nameof(colours));
        string Source(string c) => $"color=c={c}:s={size}x{size}:r=4:d=1";
        FFMpegArguments arguments = FFMpegArguments.FromFileInput(Source(colours[0]), verifyExists: false, input => input.ForceFormat("lavfi"));
        foreach (string c in colours.Skip(1))
            arguments = arguments.AddFileInput(Source(c), verifyExists: false, input => input.ForceFormat("lavfi"));
        string concat = string.Concat(colours.Select((_, i) => $"[{i}:v]")) + $"concat=n={colours.Count}:v=1:a=0[v]";
        try
        {
            await arguments
                .OutputToFile(path, overwrite: false, output => output
                    .WithCustomArgument($"-filter_complex {concat} -map [v]")
                    .WithVideoCodec("mpeg4").WithCustomArgument("-q:v 4 -pix_fmt yuv420p"))
                .CancellableThrough(cancellationToken)
                .WithLogLevel(FFMpegLogLevel.Error)
                .ProcessAsynchronously(throwOnError: true, tools.Options).ConfigureAwait(false);
        }
        catch (FFMpegException e)
        {
            throw new MediaException($"ffmpeg could not write '{path}': {e.Message.Trim()}", e);
        }
    }
}
