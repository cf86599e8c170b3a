// PruneVid.NET — evaluation: the append-only, resumable results file.
using System.Text;

namespace PruneVid.Runtime.Evaluation;

/// <summary>
/// A JSON-lines results file that survives being killed at any moment: each record is written as one line in a
/// single write and flushed to disk before the next pair starts. Opening an existing file reads what is done; a
/// torn last line (the process died mid-write) is cut off, so the rerun redoes exactly that pair and never leaves a
/// partial or duplicate line. A malformed line anywhere else is not ours to repair and stops the run.
/// </summary>
public sealed class ResultFile : IDisposable
{
    private readonly FileStream _stream;
    private readonly FileStream _lock;
    private readonly HashSet<(string, string)> _done = [];

    private ResultFile(string path, FileStream stream, FileStream lockFile, List<EvalRecord> existing, long tornBytes)
    {
        Path = path;
        _stream = stream;
        _lock = lockFile;
        Existing = existing;
        TornBytesDropped = tornBytes;
        foreach (var r in existing) _done.Add(r.Key);
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The records found when the file was opened.</summary>
    public IReadOnlyList<EvalRecord> Existing { get; }

    /// <summary>Bytes of a torn last line removed on open (0 when the file ended cleanly).</summary>
    public long TornBytesDropped { get; }

    /// <summary>Whether the pair already has a line.</summary>
    public bool IsDone(string qUid, string strategy) => _done.Contains((qUid, strategy));

    /// <summary>Opens or creates <paramref name="path"/> for appending, after reading and repairing its end.</summary>
    /// <exception cref="EvalDataException">A line before the last is malformed, or a pair appears twice.</exception>
    public static ResultFile Open(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        // One writer per shard file: an exclusive lock on a side file (released by the system if the process dies),
        // so readers (merge, tail) can still open the results themselves.
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException e)
        {
            throw new EvalDataException($"'{path}' is being written by another run ({e.Message}); is the same shard running twice?", e);
        }
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
        try
        {
            var (records, validLength) = ReadValid(stream, path);
            long torn = stream.Length - validLength;
            if (torn > 0) stream.SetLength(validLength);
            stream.Seek(0, SeekOrigin.End);
            if (validLength > 0 && !EndsWithNewline(stream))
            {
                stream.WriteByte((byte)'\n'); // a complete last record whose newline was not written
                stream.Flush(flushToDisk: true);
            }
            return new ResultFile(path, stream, lockFile, records, torn);
        }
        catch
        {
            stream.Dispose();
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>Reads every record of a finished file (no repair; a torn last line is ignored and reported).</summary>
    public static IReadOnlyList<EvalRecord> ReadAll(string path, out long tornBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var (records, validLength) = ReadValid(stream, path);
        tornBytes = stream.Length - validLength;
        return records;
    }

    /// <summary>Appends one record as one line and flushes it to disk.</summary>
    public void Append(EvalRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!_done.Add(record.Key)) throw new InvalidOperationException($"({record.QUid}, {record.Strategy}) already has a line in '{Path}'");
        byte[] line = Encoding.UTF8.GetBytes(record.ToJsonLine() + "\n");
        _stream.Write(line);
        _stream.Flush(flushToDisk: true);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stream.Dispose();
        _lock.Dispose();
    }

    private static (List<EvalRecord> Records, long ValidLength) ReadValid(FileStream stream, string path)
    {
        stream.Seek(0, SeekOrigin.Begin);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        var records = new List<EvalRecord>();
        var keys = new HashSet<(string, string)>();
        long valid = 0;
        int start = 0, lineNumber = 0;
        while (start < bytes.Length)
        {
            int end = Array.IndexOf(bytes, (byte)'\n', start);
            bool last = end < 0;
            int stop = last ? bytes.Length : end;
            lineNumber++;
            string text = Encoding.UTF8.GetString(bytes, start, stop - start);
            if (!string.IsNullOrWhiteSpace(text))
            {
                EvalRecord? record = EvalRecord.TryParse(text);
                if (record is null)
                {
                    if (last) break; // torn: the writer died mid-line
                    throw new EvalDataException($"'{path}', line {lineNumber} is not a result record; the file was edited or is not a PruneVid results file (move it away to start over)");
                }
                if (!keys.Add(record.Key))
                    throw new EvalDataException($"'{path}', line {lineNumber} repeats ({record.QUid}, {record.Strategy}); two runs wrote the same shard file at once?");
                records.Add(record);
            }
            valid = last ? bytes.Length : end + 1;
            start = stop + 1;
        }
        return (records, valid);
    }

    private static bool EndsWithNewline(FileStream stream)
    {
        if (stream.Length == 0) return true;
        stream.Seek(-1, SeekOrigin.End);
        bool newline = stream.ReadByte() == '\n';
        stream.Seek(0, SeekOrigin.End);
        return newline;
    }
}
