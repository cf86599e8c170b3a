// PruneVid.NET — the one place where exceptions become what a user reads.
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PruneVid.Runtime.Errors;

/// <summary>
/// Turns any exception into the message a user sees: one sentence naming the file, JSON path or parameter and the
/// problem, at most <see cref="MaxLength"/> characters, never a stack trace or .NET's parameter dump
/// (<c>(Parameter 'x')</c>, <c>Actual value was …</c>). The command line, the server and the evaluation all report
/// errors through <see cref="Describe"/>, so a message reads the same everywhere.
/// </summary>
public static partial class UserMessages
{
    /// <summary>Longest message <see cref="Describe"/> returns.</summary>
    public const int MaxLength = 500;

    /// <summary>How many items <see cref="List"/> shows before "… and N more".</summary>
    public const int ListedItems = 5;

    /// <summary>The user-facing message for <paramref name="exception"/>: one line, bounded, without .NET's suffixes.</summary>
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        Exception e = Unwrap(exception);
        string message = e switch
        {
            OperationCanceledException => "the operation was cancelled",
            OutOfMemoryException => "not enough memory for this request (try a smaller model, fewer frames or a lower --max-pixels)",
            ArgumentOutOfRangeException range => DescribeArgument(range, range.ActualValue),
            ArgumentException argument => DescribeArgument(argument, null),
            JsonException json => $"invalid JSON: {JsonErrors.Describe(json)}",
            _ => e.Message,
        };
        return Bound(message);
    }

    /// <summary>
    /// A bounded, readable list: the first <paramref name="shown"/> items joined by ", ", then "… and N more"
    /// when there are more (e.g. <c>a, b, c … and 1,204 more</c>).
    /// </summary>
    public static string List(IEnumerable<string> items, int shown = ListedItems)
    {
        ArgumentNullException.ThrowIfNull(items);
        var first = new List<string>(Math.Max(shown, 0));
        long rest = 0;
        foreach (string item in items)
        {
            if (first.Count < shown) first.Add(item);
            else rest++;
        }
        string joined = string.Join(", ", first);
        return rest == 0 ? joined : $"{joined} … and {rest:N0} more";
    }

    /// <summary>
    /// Last-resort clean-up of any message text: .NET's <c>(Parameter 'x')</c> and <c>Actual value was …</c>
    /// suffixes removed, line breaks folded into spaces, cut to <see cref="MaxLength"/> characters.
    /// </summary>
    public static string Bound(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        string text = ParameterSuffix().Replace(message, "");
        text = ActualValueSuffix().Replace(text, "");
        text = Whitespace().Replace(text, " ").Trim();
        if (text.Length == 0) text = "an unexpected error occurred (set PRUNEVID_DEBUG=1 for details)";
        return text.Length <= MaxLength ? text : text[..(MaxLength - 2)].TrimEnd() + " …";
    }

    private static Exception Unwrap(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case AggregateException { InnerExceptions.Count: 1 } aggregate: e = aggregate.InnerExceptions[0]; continue;
                case TargetInvocationException { InnerException: { } inner }: e = inner; continue;
                case TypeInitializationException { InnerException: { } inner }: e = inner; continue;
                default: return e;
            }
        }
    }

    /// <summary>"name: problem (got value)" from an argument exception, whatever wording .NET gave it.</summary>
    private static string DescribeArgument(ArgumentException e, object? actualValue)
    {
        string problem = ActualValueSuffix().Replace(ParameterSuffix().Replace(e.Message, ""), "").Trim();
        if (problem.StartsWith("Specified argument was out of the range of valid values", StringComparison.Ordinal))
            problem = "is out of range";
        string name = e.ParamName is { Length: > 0 } p ? p : "";
        var text = new StringBuilder();
        if (name.Length > 0 && !problem.Contains(name, StringComparison.OrdinalIgnoreCase)) text.Append(name).Append(": ");
        text.Append(problem.TrimEnd('.'));
        if (actualValue is not null && !problem.Contains(Convert.ToString(actualValue, System.Globalization.CultureInfo.InvariantCulture) ?? "", StringComparison.Ordinal))
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $" (got {actualValue})");
        return text.ToString();
    }

    [GeneratedRegex(@"\s*\(Parameter '[^']*'\)")]
    private static partial Regex ParameterSuffix();

    [GeneratedRegex(@"\s*Actual value was [^\r\n]*?(\.(\s|$)|$)", RegexOptions.Multiline)]
    private static partial Regex ActualValueSuffix();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
