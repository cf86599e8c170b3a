// PruneVid.NET — error translation tests.
using PruneVid.Runtime.Errors;
using PruneVid.Runtime.Media;
using PruneVid.Runtime.Model.Text;
using Xunit;

namespace PruneVid.Runtime.Tests.Errors;

/// <summary>What users read: one bounded line, no .NET parameter dump, the parameter or file named.</summary>
public sealed class UserMessagesTests
{
    [Fact]
    public void ArgumentOutOfRangeBecomesNameProblemAndValue()
    {
        var e = new ArgumentOutOfRangeException("MaxNewTokens", -1, "must be non-negative");
        Assert.Contains("(Parameter 'MaxNewTokens')", e.Message); // what .NET itself would show
        Assert.Contains("Actual value was -1", e.Message);
        Assert.Equal("MaxNewTokens: must be non-negative (got -1)", UserMessages.Describe(e));
    }

    [Fact]
    public void FrameworkGuardMessagesLoseTheirSuffixAndNameTheParameter()
    {
        var e = Assert.Throws<ArgumentException>(() => ArgumentException.ThrowIfNullOrWhiteSpace(" ", "question"));
        string message = UserMessages.Describe(e);
        Assert.StartsWith("question: ", message);
        AssertClean(message);
    }

    [Fact]
    public void SamplingOptionsAUserCanSetAreDescribedCleanly()
    {
        foreach (var options in new[]
                 {
                     new SamplingOptions { MaxNewTokens = -1 }, new SamplingOptions { TopP = 0 }, new SamplingOptions { TopK = -3 },
                     new SamplingOptions { DoSample = true, Temperature = 0 }, new SamplingOptions { RepetitionPenalty = -1 },
                 })
        {
            var e = Assert.ThrowsAny<ArgumentException>(options.Validate);
            string message = UserMessages.Describe(e);
            AssertClean(message);
            Assert.Contains(e.ParamName!, message);
        }
    }

    [Fact]
    public void WrappedExceptionsAreUnwrappedAndLongMessagesBounded()
    {
        var inner = new MediaException("'/v/clip.mp4' has no video stream");
        Assert.Equal(inner.Message, UserMessages.Describe(new AggregateException(inner)));
        Assert.Equal(inner.Message, UserMessages.Describe(new System.Reflection.TargetInvocationException(inner)));

        string huge = string.Join(", ", Enumerable.Range(0, 100_000).Select(i => $"visual.blocks.{i}.attn.qkv.weight"));
        string message = UserMessages.Describe(new InvalidOperationException("missing: " + huge + "\n   at Stack.Trace()"));
        Assert.True(message.Length <= UserMessages.MaxLength, $"{message.Length} characters");
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void SuffixesAreStrippedFromAnyExceptionTypeAsALastResort()
    {
        var custom = new InvalidOperationException("bad value (Parameter 'x')\nActual value was 7.");
        Assert.Equal("bad value", UserMessages.Describe(custom));
        Assert.Equal("the operation was cancelled", UserMessages.Describe(new TaskCanceledException()));
    }

    [Fact]
    public void ListsShowTheFirstItemsAndCountTheRest()
    {
        Assert.Equal("a, b, c", UserMessages.List(["a", "b", "c"]));
        Assert.Equal("a, b … and 3 more", UserMessages.List(["a", "b", "c", "d", "e"], shown: 2));
        Assert.Equal("n0, n1, n2, n3, n4 … and 1,199,995 more", UserMessages.List(Enumerable.Range(0, 1_200_000).Select(i => $"n{i}")));
        Assert.Equal("", UserMessages.List([]));
    }

    /// <summary>One line, bounded, none of .NET's argument-exception decorations.</summary>
    internal static void AssertClean(string message)
    {
        Assert.DoesNotContain("(Parameter '", message);
        Assert.DoesNotContain("Actual value was", message);
        Assert.DoesNotContain('\n', message);
        Assert.InRange(message.Length, 1, UserMessages.MaxLength);
    }
}
