// PruneVid.NET — the one place where exceptions become what a user reads.
using System.Text.Json;

namespace PruneVid.Runtime.Errors;

/// <summary>A System.Text.Json failure as a short phrase: what is wrong and where (line and byte), without .NET's "LineNumber: … | BytePositionInLine: …" tail.</summary>
internal static class JsonErrors
{
    /// <summary>
    /// Offset of the first byte that is not valid UTF-8, or -1. System.Text.Json checks only the structure when it
    /// parses bytes and fails later, inside a string read, with an InvalidOperationException; files are checked first.
    /// </summary>
    public static long FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return -1;
        long offset = 0;
        while (!bytes.IsEmpty)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes, out _, out int consumed) != System.Buffers.OperationStatus.Done) return offset;
            bytes = bytes[consumed..];
            offset += consumed;
        }
        return -1;
    }

    /// <summary>e.g. "'3' is an invalid end of a number at line 13683, byte 9".</summary>
    public static string Describe(JsonException e)
    {
        string message = e.Message;
        int at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (at >= 0) message = message[..at];
        message = message.Trim().TrimEnd('.', ' ');
        if (message.Length > 200) message = message[..200] + " …";
        return e.LineNumber is long line ? $"{message} at line {line + 1}, byte {(e.BytePositionInLine ?? 0) + 1}" : message;
    }
}
