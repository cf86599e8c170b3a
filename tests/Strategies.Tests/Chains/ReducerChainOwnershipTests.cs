// PruneVid.NET — reducer chain tests: who disposes the embeddings each stage returns.
using PruneVid.Compute;
using PruneVid.Kernels.Cpu;
using Xunit;

namespace PruneVid.Strategies.Tests.Chains;

/// <summary>
/// A stage either hands a new tensor over (<see cref="TokenReduction.OwnsEmbeddings"/>) or returns its input
/// (<see cref="TokenReduction.Unchanged"/>): the chain disposes a handed-over output once the next stage has replaced
/// it, passes the last one on to its caller, and never disposes the video's own tensor.
/// </summary>
public sealed class ReducerChainOwnershipTests
{
    private const int Channels = 6;

    [Fact]
    public void IntermediateOutputsAreDisposedAndTheLastIsHandedOver()
    {
        using var backend = new CpuBackend();
        VideoTokens video = TestVideos.Random(backend, new VideoGrid(2, 2, 2), Channels, seed: 1);
        var first = new HandOver(backend);
        var second = new HandOver(backend);
        TokenReduction result = Chain(first, new KeepInput(), second, new KeepInput()).Reduce(video, TestVideos.Context(Channels));

        Assert.True(result.OwnsEmbeddings);
        Assert.Same(second.Output, result.Embeddings);
        Assert.True(first.Output!.IsDisposed);
        Assert.False(second.Output!.IsDisposed);
    }

    [Fact]
    public void AChainThatKeepsItsInputDoesNotHandTheVideoTensorOver()
    {
        using var backend = new CpuBackend();
        Tensor embeddings = backend.Allocate(DType.F32, 8, Channels);
        var video = new VideoTokens(embeddings, new VideoGrid(2, 2, 2), TestVideos.RasterPositions(new VideoGrid(2, 2, 2)));
        TokenReduction result = Chain(new KeepInput(), new KeepInput()).Reduce(video, TestVideos.Context(Channels));

        Assert.False(result.OwnsEmbeddings);
        Assert.Same(embeddings, result.Embeddings);
        Assert.False(embeddings.IsDisposed);
        Assert.False(TokenReducerRegistry.Create("noop").Reduce(video, TestVideos.Context(Channels)).OwnsEmbeddings);
    }

    [Fact]
    public void AStageThatHandsItsInputOverAsNewIsRefused()
    {
        using var backend = new CpuBackend();
        VideoTokens video = TestVideos.Random(backend, new VideoGrid(2, 2, 2), Channels, seed: 2);
        var error = Assert.Throws<TokenReducerConfigurationException>(() =>
            Chain(new InputAsNew()).Reduce(video, TestVideos.Context(Channels)));
        Assert.Contains("'stage0' returned its input tensor as a new one", error.Message);
    }

    private static ReducerChain Chain(params ITokenReducer[] stages) =>
        new([.. stages.Select((s, i) => ($"stage{i}", s))]);

    /// <summary>Returns a new tensor of the same shape.</summary>
    private sealed class HandOver(ComputeBackend backend) : ITokenReducer
    {
        public Tensor? Output { get; private set; }

        public TokenReduction Reduce(VideoTokens video, ReductionContext context)
        {
            Output = backend.Allocate(DType.F32, video.Count, Channels);
            return new TokenReduction(Output, video.Positions, TokenProvenance.Identity(video.Count));
        }
    }

    private sealed class KeepInput : ITokenReducer
    {
        public TokenReduction Reduce(VideoTokens video, ReductionContext context) => TokenReduction.Unchanged(video);
    }

    /// <summary>The mistake the chain refuses: the input passed to the constructor that hands a tensor over.</summary>
    private sealed class InputAsNew : ITokenReducer
    {
        public TokenReduction Reduce(VideoTokens video, ReductionContext context) =>
            new(video.Embeddings, video.Positions, TokenProvenance.Identity(video.Count));
    }

}
