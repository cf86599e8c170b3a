// PruneVid.NET — language model tests: the feed-forward half of a layer over row slices.
using PruneVid.Compute;
using PruneVid.Runtime.Model.Text;
using Xunit;

namespace PruneVid.Model.Tests.Text;

/// <summary>
/// A long prefill runs the feed-forward half of each layer over slices of <see cref="TextModel.FeedForwardRows"/> rows;
/// the slices are balanced (no short remainder goes down the decode-sized matrix-multiply path), so each row's result
/// must not depend on the slicing: the fixture prompt (video included) with a limit of 40% of its rows (three slices)
/// gives the same final hidden states, bit for bit, as in one slice.
/// </summary>
public sealed class FeedForwardSliceTests : IClassFixture<TinyTextModel>
{
    private readonly TinyTextModel _tiny;

    public FeedForwardSliceTests(TinyTextModel tiny) => _tiny = tiny;

    [Fact]
    public void SlicedFeedForwardGivesTheSameHiddenStates()
    {
        var generator = new TextGenerator(_tiny.Model);
        int rows = _tiny.InputIds.Length;
        Assert.True(rows >= 30, $"the prompt ({rows} rows) must make slices wider than a decode batch");
        try
        {
            _tiny.Model.FeedForwardRows = rows;
            var (whole, wholeNormed, _) = generator.Prefill(_tiny.Prompt, 1);
            _tiny.Model.FeedForwardRows = rows * 2 / 5;
            var (sliced, slicedNormed, _) = generator.Prefill(_tiny.Prompt, 1);
            float[] a = new float[wholeNormed.Length], b = new float[slicedNormed.Length];
            _tiny.Backend.CopyToHost(wholeNormed, a);
            _tiny.Backend.CopyToHost(slicedNormed, b);
            Assert.Equal(a, b);
            whole.Dispose();
            sliced.Dispose();
            wholeNormed.Dispose();
            slicedNormed.Dispose();
        }
        finally { _tiny.Model.FeedForwardRows = 512; }
    }

    [Fact]
    public void ASliceOfNoRowsIsRefused()
        => Assert.Throws<ArgumentOutOfRangeException>(() => _tiny.Model.FeedForwardRows = 0);
}
