// PruneVid.NET — device layer: the clustering ops of PruneVid Stage 1.
namespace PruneVid.Compute;

public partial interface IComputeBackend
{
    /// <summary>
    /// y[o] = the f64 mean of the rows <c>first + t·stride</c> (t &lt; count) of x, one (first, count, stride) triple
    /// of <paramref name="rows"/> per output row. x and y are F32 [·, C]. Frame means, temporal means and gathers.
    /// </summary>
    void RowMeans(Tensor x, ReadOnlySpan<int> rows, Tensor y);

    /// <summary>
    /// PruneVid's static test for each (first, count, stride) triple of <paramref name="rows"/>: mask[o] = 1 when the
    /// mean pairwise cosine of those rows of x exceeds <paramref name="tau"/> (strict), else 0 (always 0 for fewer than
    /// two rows). mask is I32 [triples].
    /// </summary>
    void StaticMask(Tensor x, ReadOnlySpan<int> rows, double tau, Tensor mask);

    /// <summary>
    /// DPC-KNN and the cluster merge of many groups in one call. <paramref name="points"/> F32 [N, C] holds the groups'
    /// points one group after another; <paramref name="groups"/> holds (n, m, k, cluster) per group: n points, m output
    /// rows, k neighbours, and cluster = 1 for DPC-KNN (1 ≤ m ≤ n, 1 ≤ k ≤ min(n, 16)) or 0 to keep the points as they
    /// are (m = n). <paramref name="means"/> F32 [Σm, C] receives the cluster means group after group;
    /// <paramref name="assignment"/> I32 [Σm + N] the centre (local index) of every output row, then the label of every
    /// point (docs/prunevid.md, "Stage 1 on a backend").
    /// </summary>
    void DpcKnnMerge(Tensor points, ReadOnlySpan<int> groups, Tensor means, Tensor assignment);
}
