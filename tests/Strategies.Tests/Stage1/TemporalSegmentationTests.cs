// PruneVid.NET — PruneVid Stage 1 tests.
using PruneVid.Strategies.Stage1;
using Xunit;

namespace PruneVid.Strategies.Tests.Stage1;

/// <summary>The contiguity refinement, with expectations worked out by hand from docs/prunevid.md (Stage 1: the contiguity refinement).</summary>
public sealed class TemporalSegmentationTests
{
    [Theory]
    // Clean runs stay.
    [InlineData(new[] { 0, 0, 0, 1, 1, 1 }, new[] { 0, 0, 0, 1, 1, 1 })]
    // A lone frame of a label whose longest run is 1 joins the longer neighbour run (right: 3 > 2).
    [InlineData(new[] { 0, 0, 2, 1, 1, 1 }, new[] { 0, 0, 1, 1, 1, 1 })]
    // Tie between neighbours goes left.
    [InlineData(new[] { 0, 0, 2, 1, 1 }, new[] { 0, 0, 0, 1, 1 })]
    // Runs shorter than their label's longest (1 at 3..4, 0 at 5) are unassigned; the block 3..5 ties 3–3 and goes left.
    [InlineData(new[] { 0, 0, 0, 1, 1, 0, 1, 1, 1 }, new[] { 0, 0, 0, 0, 0, 0, 1, 1, 1 })]
    // Two equally long runs of one label both survive.
    [InlineData(new[] { 0, 0, 1, 1, 1, 0, 0 }, new[] { 0, 0, 1, 1, 1, 0, 0 })]
    // Every run has length 1: nothing survives, everything becomes label 0.
    [InlineData(new[] { 3, 1, 2, 0 }, new[] { 0, 0, 0, 0 })]
    // An unassigned block at the start takes its only neighbour.
    [InlineData(new[] { 2, 1, 1, 1 }, new[] { 1, 1, 1, 1 })]
    // Blocks are resolved one by one: frame 2 ties 2–2 and goes left, frame 5 joins the longer right run (3 > 2).
    [InlineData(new[] { 0, 0, 3, 1, 1, 4, 2, 2, 2 }, new[] { 0, 0, 0, 1, 1, 2, 2, 2, 2 })]
    public void RefineMakesSegmentsContiguous(int[] labels, int[] expected) =>
        Assert.Equal(expected, TemporalSegmentation.Refine(labels));

    [Fact]
    public void RunsAreMaximalAndInTimeOrder() =>
        Assert.Equal([(0, 2), (2, 3), (5, 1)], TemporalSegmentation.Runs([4, 4, 1, 1, 1, 4]));
}
