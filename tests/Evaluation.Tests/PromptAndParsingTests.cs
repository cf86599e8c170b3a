// PruneVid.NET — evaluation tests: the lmms-eval prompt and deterministic answer parsing.
using PruneVid.Runtime.Evaluation;

namespace PruneVid.Evaluation.Tests;

public sealed class PromptAndParsingTests
{
    private static readonly string[] Options = ["cuts vegetables", "washes dishes", "reads a book", "blue", "plays guitar"];

    [Fact]
    public void PromptIsLmmsEvalsEgoschemaPrompt()
    {
        var q = new EvalQuestion("id", "v.mp4", "What does C do?", ["a", "b", "c", "d", "e"], null);
        Assert.Equal("What does C do?\nA. a\nB. b\nC. c\nD. d\nE. e\nAnswer with the option's letter from the given choices directly.", McqPrompt.Build(q));
    }

    [Theory]
    [InlineData("B", 1)]
    [InlineData("(B)", 1)]
    [InlineData("B.", 1)]
    [InlineData(" C) reads a book", 2)]
    [InlineData("The answer is D", 3)]
    [InlineData("Answer: E.", 4)]
    [InlineData("I think it is A.", 0)]
    [InlineData("B. washes dishes, not C", 1)]
    [InlineData("The person washes dishes in the kitchen sink", 1)]
    [InlineData("blue", 3)]
    public void RepliesThatNameAnOptionAreParsed(string reply, int expected) => Assert.Equal(expected, AnswerParser.Parse(reply, Options));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("A person is standing there")]      // "A" as an article, no option text
    [InlineData("F")]                               // not an option letter of a five-option question
    [InlineData(" Ngọc Ngọc Ngọc")]
    [InlineData("I do not know")]
    public void UnparsableRepliesGiveNoPredictionNeverARandomOne(string reply)
    {
        for (int run = 0; run < 3; run++) Assert.Null(AnswerParser.Parse(reply, Options));
    }

    [Fact]
    public void TwoOptionTextsAtTheSamePlaceAreAmbiguous()
    {
        string[] options = ["red", "red car", "blue", "green", "white"];
        Assert.Null(AnswerParser.Parse("red car", options));
    }
}
