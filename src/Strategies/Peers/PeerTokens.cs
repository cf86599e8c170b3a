// PruneVid.NET — peer reducers: shared bookkeeping.
using PruneVid.Compute;

namespace PruneVid.Strategies.Peers;

/// <summary>
/// What the keep-a-subset reducers share: downloading the tokens they score, keeping rows bit for bit on the backend
/// (<see cref="ComputeBackend.GatherRows"/>, nothing uploaded), and crediting every dropped token to one kept token so
/// the provenance covers each input exactly once.
/// </summary>
internal static class PeerTokens
{
    /// <summary>The video's embeddings on the host, [N·C] row-major f32.</summary>
    public static float[] Download(VideoTokens video)
    {
        float[] host = new float[(long)video.Count * video.Channels];
        if (host.Length > 0) video.Backend.CopyToHost(video.Embeddings, host);
        return host;
    }

    /// <summary>Rows <paramref name="rows"/> of <paramref name="host"/>, copied unchanged.</summary>
    public static float[] Gather(ReadOnlySpan<float> host, IReadOnlyList<int> rows, int channels)
    {
        float[] output = new float[(long)rows.Count * channels];
        for (int i = 0; i < rows.Count; i++) host.Slice(rows[i] * channels, channels).CopyTo(output.AsSpan(i * channels, channels));
        return output;
    }

    /// <summary>Rows <paramref name="rows"/> of the video's embeddings as a new F32 tensor, copied on the backend.</summary>
    public static Tensor KeepRows(VideoTokens video, int[] rows)
    {
        var b = video.Backend;
        int channels = video.Channels;
        if (rows.Length == 0) return b.FromF32([], 0, channels);
        if (video.Embeddings.DType != DType.F32) return b.FromF32(Gather(Download(video), rows, channels), rows.Length, channels); // the output is F32 whatever the input
        Tensor kept = b.Allocate(DType.F32, rows.Length, channels);
        try
        {
            using Tensor index = b.FromI32(rows, rows.Length);
            b.GatherRows(video.Embeddings, index, kept);
            return kept;
        }
        catch
        {
            kept.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Keeps rows <paramref name="kept"/> (ascending) unchanged with their original positions. A dropped token is
    /// credited to the kept token at its cell in the closest earlier step (the token it repeats), else in the closest
    /// later step, else to the kept token nearest in raster order.
    /// </summary>
    public static TokenReduction KeepAndAttach(VideoTokens video, int[] kept)
    {
        int[] owner = SameCellOwners(video.Grid, kept);
        return Build(video, KeepRows(video, kept), kept, owner);
    }

    /// <summary>A reduction whose output i is <paramref name="features"/> row i at the position of input <paramref name="representatives"/>[i], covering the inputs whose <paramref name="owner"/> is i.</summary>
    public static TokenReduction Build(VideoTokens video, float[] features, IReadOnlyList<int> representatives, int[] owner)
        => Build(video, video.Backend.FromF32(features, representatives.Count, video.Channels), representatives, owner);

    /// <summary>A reduction whose output i is row i of <paramref name="embeddings"/> (handed over to the reduction), at the position of input <paramref name="representatives"/>[i], covering the inputs whose <paramref name="owner"/> is i.</summary>
    public static TokenReduction Build(VideoTokens video, Tensor embeddings, IReadOnlyList<int> representatives, int[] owner)
    {
        var groups = new List<int>[representatives.Count];
        for (int i = 0; i < groups.Length; i++) groups[i] = [];
        for (int source = 0; source < owner.Length; source++) groups[owner[source]].Add(source);
        var positions = new TokenPosition[representatives.Count];
        for (int i = 0; i < positions.Length; i++) positions[i] = video.Positions[representatives[i]];
        return new TokenReduction(embeddings, positions, TokenProvenance.FromGroups(groups));
    }

    /// <summary>For every input token, the output index of the kept token it is credited to (see <see cref="KeepAndAttach"/>).</summary>
    public static int[] SameCellOwners(VideoGrid grid, int[] kept)
    {
        int n = grid.Tokens, p = grid.TokensPerFrame;
        var output = new int[n];
        Array.Fill(output, -1);
        for (int i = 0; i < kept.Length; i++) output[kept[i]] = i;
        var owner = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (output[i] >= 0) { owner[i] = output[i]; continue; }
            int found = -1;
            for (int j = i - p; j >= 0 && found < 0; j -= p) found = output[j];
            for (int j = i + p; j < n && found < 0; j += p) found = output[j];
            owner[i] = found >= 0 ? found : NearestInRaster(kept, i);
        }
        return owner;
    }

    /// <summary>The output index of the kept token nearest to <paramref name="index"/> in raster order (the earlier one on a tie).</summary>
    public static int NearestInRaster(int[] kept, int index)
    {
        int at = Array.BinarySearch(kept, index);
        if (at >= 0) return at;
        int next = ~at;
        if (next == 0) return 0;
        if (next == kept.Length) return kept.Length - 1;
        return index - kept[next - 1] <= kept[next] - index ? next - 1 : next;
    }

    /// <summary>Cosine similarity in double, guarded against zero norms.</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int c = 0; c < a.Length; c++) { dot += (double)a[c] * b[c]; na += (double)a[c] * a[c]; nb += (double)b[c] * b[c]; }
        return dot / Math.Max(Math.Sqrt(na) * Math.Sqrt(nb), 1e-12);
    }
}
