// PruneVid.NET — chat: stop sequences over streamed text.
namespace PruneVid.Runtime.Chat;

/// <summary>
/// Cuts streamed text at the first stop sequence. Text that could still be the start of a stop sequence is held back
/// until the next piece decides it, so a stop string split across tokens is never half shown.
/// </summary>
public sealed class StopSequenceFilter
{
    private readonly string[] _stops;
    private string _held = "";

    /// <summary>Watches for <paramref name="stops"/> (empty strings are ignored).</summary>
    public StopSequenceFilter(IEnumerable<string>? stops) =>
        _stops = stops?.Where(s => !string.IsNullOrEmpty(s)).Distinct().ToArray() ?? [];

    /// <summary>True once a stop sequence was seen: everything after it is dropped.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Adds a piece of generated text and returns what can be shown now.</summary>
    public string Push(string piece)
    {
        if (Stopped || piece.Length == 0) return "";
        if (_stops.Length == 0) return piece;
        string text = _held + piece;
        int cut = FirstStop(text);
        if (cut >= 0)
        {
            Stopped = true;
            _held = "";
            return text[..cut];
        }
        int keep = LongestStopPrefixAtEnd(text);
        _held = text[^keep..];
        return text[..^keep];
    }

    /// <summary>What was held back when generation ends without a stop sequence.</summary>
    public string Flush()
    {
        string rest = Stopped ? "" : _held;
        _held = "";
        return rest;
    }

    private int FirstStop(string text)
    {
        int first = -1;
        foreach (string stop in _stops)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        return first;
    }

    private int LongestStopPrefixAtEnd(string text)
    {
        int best = 0;
        foreach (string stop in _stops)
            for (int n = Math.Min(stop.Length - 1, text.Length); n > best; n--)
                if (text.AsSpan(text.Length - n).SequenceEqual(stop.AsSpan(0, n))) { best = n; break; }
        return best;
    }
}
