// PruneVid.NET — external reducer sample.
using PruneVid.Compute;

namespace PruneVid.Strategies.External;

/// <summary>Options of <see cref="StrideReducer"/>.</summary>
public sealed class StrideOptions
{
    /// <summary>Keep one token in every <c>stride</c>.</summary>
    [Parameter(2, Min = 1, Max = 64, Description = "keep one token in every `stride` (raster order)")]
    public int Stride { get; set; } = 2;
}

/// <summary>
/// Keeps every <see cref="StrideOptions.Stride"/>-th token in raster order; each kept token stands for itself and the
/// dropped tokens up to the next kept one. A minimal reducer a user might write in their own assembly.
/// </summary>
[TokenReducer("external-stride", Description = "Keeps every n-th video token (sample reducer from another assembly).")]
[TokenReducerPreset("half", "stride=2")]
public sealed class StrideReducer : ITokenReducer<StrideOptions>
{
    /// <inheritdoc />
    public StrideOptions Options { get; init; } = new();

    /// <inheritdoc />
    public TokenReduction Reduce(VideoTokens video, ReductionContext context)
    {
        ArgumentNullException.ThrowIfNull(video);
        int n = video.Count, stride = Options.Stride;
        int kept = (n + stride - 1) / stride;
        int[] rows = new int[kept];
        var groups = new List<IReadOnlyList<int>>(kept);
        for (int i = 0; i < kept; i++)
        {
            rows[i] = i * stride;
            groups.Add(Enumerable.Range(rows[i], Math.Min(stride, n - rows[i])).ToArray());
        }
        ComputeBackend backend = video.Backend;
        Tensor output = backend.Allocate(DType.F32, kept, video.Channels);
        if (kept > 0)
        {
            using Tensor indices = backend.FromI32(rows, kept);
            backend.GatherRows(video.Embeddings, indices, output);
        }
        TokenPosition[] positions = rows.Select(r => video.Positions[r]).ToArray();
        return new TokenReduction(output, positions, TokenProvenance.FromGroups(groups));
    }
}
