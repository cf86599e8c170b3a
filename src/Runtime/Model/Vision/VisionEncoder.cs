// PruneVid.NET — vision tower.
using PruneVid.Compute;
using PruneVid.Runtime.Checkpoint;
using PruneVid.Runtime.Config;

namespace PruneVid.Runtime.Model.Vision;

/// <summary>
/// The Qwen2.5-VL vision encoder (docs/model.md §3): patch embedding as a GEMM, reordering into attention windows,
/// the blocks (windowed attention, full per-frame-pair attention in <c>fullatt_block_indexes</c>), the PatchMerger
/// and the inverse reordering. Written against <see cref="ComputeBackend"/> only; weights are uploaded once (BF16)
/// and activations stay f32.
/// </summary>
public sealed partial class VisionEncoder : IDisposable
{
    /// <summary>Epsilon of every vision RMSNorm (fixed in the reference, not in the config).</summary>
    public const float NormEps = 1e-6f;

    private readonly ComputeBackend _backend;
    private readonly Tensor _patchEmbed;
    private readonly VisionBlock[] _blocks;
    private readonly PatchMerger _merger;
    private readonly HashSet<int> _fullAttention;

    /// <summary>Reads and uploads the tower's weights (<c>visual.*</c>); throws on a missing tensor or a shape the config does not predict.</summary>
    public VisionEncoder(ComputeBackend backend, VisionConfig config, IWeightSource weights)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        if (config.HiddenAct != "silu")
            throw new NotSupportedException($"vision hidden_act '{config.HiddenAct}' is not supported (Qwen2.5-VL uses 'silu')");
        if (config.HiddenSize % config.NumHeads != 0)
            throw new ArgumentException($"vision hidden_size {config.HiddenSize} is not divisible by num_heads {config.NumHeads}", nameof(config));
        foreach (int b in config.FullAttBlockIndexes)
            if (b < 0 || b >= config.Depth) throw new ArgumentException($"fullatt_block_indexes names block {b}, the tower has {config.Depth}", nameof(config));
        _ = VisionRotaryTable.InverseFrequencies(config.HeadDim); // rejects head dims the 2-D rotary cannot split

        _backend = backend;
        Config = config;
        _fullAttention = [.. config.FullAttBlockIndexes];
        var upload = new WeightUploader(backend, weights);
        int c = config.InChannels, tp = config.TemporalPatchSize, p = config.PatchSize;
        // Conv3d with kernel = stride = one patch is a GEMM over the flattened (c, t, y, x) footprint (§2.3).
        _patchEmbed = upload.Upload("visual.patch_embed.proj.weight", [config.HiddenSize, c, tp, p, p], [config.HiddenSize, config.PatchVectorLength]);
        _blocks = new VisionBlock[config.Depth];
        for (int b = 0; b < config.Depth; b++)
            _blocks[b] = new VisionBlock(backend, config, new VisionBlockWeights(backend, upload, config, b));
        _merger = new PatchMerger(backend, config, new PatchMergerWeights(upload, config));
    }

    /// <summary>The tower's configuration.</summary>
    public VisionConfig Config { get; }

    /// <summary>
    /// Encodes the patch rows of one or more images/videos. <paramref name="pixelValues"/> is f32
    /// [Σ t·h·w, channels·temporal·patch²] in processor order (items concatenated); <paramref name="grids"/> holds
    /// their (t, h, w) in patches. Returns a new f32 tensor [Σ t·h·w / merge², out_hidden] in raster merge-unit
    /// order, items concatenated — one row per placeholder token. <paramref name="observe"/> receives the named
    /// intermediates (<see cref="VisionActivationNames"/>); a tensor passed to it is only valid during the call.
    /// </summary>
    public Tensor Encode(Tensor pixelValues, IReadOnlyList<(int T, int H, int W)> grids,
        Action<string, Tensor>? observe = null, string outputName = VisionActivationNames.VideoEmbeds)
        => Encode(pixelValues, grids, observe, outputName, signals: null);

    private Tensor Encode(Tensor pixelValues, IReadOnlyList<(int T, int H, int W)> grids,
        Action<string, Tensor>? observe, string outputName, VisionSignalCollector? signals)
    {
        ArgumentNullException.ThrowIfNull(pixelValues);
        VisionWindowLayout layout = VisionWindowIndex.Compute(grids, Config);
        int patches = layout.PatchCount, units = layout.UnitCount, h = Config.HiddenSize;
        if (pixelValues.DType != DType.F32 || pixelValues.Rows != patches || pixelValues.RowLength != Config.PatchVectorLength)
            throw new ArgumentException($"pixel values {pixelValues} should be F32 [{patches},{Config.PatchVectorLength}] for grid_thw {string.Join(" ", grids)}", nameof(pixelValues));

        using var scratch = new VisionScratch(_backend, Config, patches);
        using Tensor embeds = _backend.Allocate(DType.F32, patches, h);
        using Tensor x = _backend.Allocate(DType.F32, patches, h);
        using Tensor windowIndex = _backend.FromI32(layout.WindowIndex, units);
        var (cosHost, sinHost) = VisionRotaryTable.Build(grids, Config.SpatialMergeSize, Config.HeadDim, layout.PatchOrder());
        using Tensor cos = _backend.FromF32(cosHost, patches, Config.HeadDim);
        using Tensor sin = _backend.FromF32(sinHost, patches, Config.HeadDim);

        _backend.MatMul(pixelValues, _patchEmbed, null, embeds);
        observe?.Invoke(VisionActivationNames.PatchEmbed, embeds);

        // Move whole merge units so every window's patches are contiguous (§3.4).
        int unitWidth = h * layout.SpatialMergeUnit;
        _backend.GatherRows(_backend.Reshape(embeds, units, unitWidth), windowIndex, _backend.Reshape(x, units, unitWidth));
        for (int b = 0; b < _blocks.Length; b++)
        {
            _blocks[b].Forward(x, scratch, cos, sin, _fullAttention.Contains(b) ? layout.CuFullSeqLens : layout.CuWindowSeqLens);
            signals?.AfterBlock(b, scratch, layout, _fullAttention.Contains(b) ? layout.CuFullSeqLens : layout.CuWindowSeqLens);
            observe?.Invoke(VisionActivationNames.Block(b), x);
        }

        using Tensor merged = _backend.Allocate(DType.F32, units, Config.OutHiddenSize);
        _merger.Forward(x, scratch.Normed, merged);
        Tensor output = _backend.Allocate(DType.F32, units, Config.OutHiddenSize);
        _backend.ScatterRows(merged, windowIndex, output); // output[window_index[j]] = merged[j]: back to raster order
        observe?.Invoke(outputName, output);
        _backend.Synchronize();
        return output;
    }

    /// <summary>Uploads host pixel rows and encodes them; see <see cref="Encode(Tensor, IReadOnlyList{ValueTuple{int, int, int}}, Action{string, Tensor}?, string)"/>.</summary>
    public Tensor Encode(ReadOnlySpan<float> pixelValues, IReadOnlyList<(int T, int H, int W)> grids,
        Action<string, Tensor>? observe = null, string outputName = VisionActivationNames.VideoEmbeds)
    {
        int width = Config.PatchVectorLength;
        if (pixelValues.Length % width != 0)
            throw new ArgumentException($"{pixelValues.Length} pixel values are not whole rows of {width}", nameof(pixelValues));
        using Tensor input = _backend.FromF32(pixelValues, pixelValues.Length / width, width);
        return Encode(input, grids, observe, outputName);
    }

    /// <summary>Releases the device weights.</summary>
    public void Dispose()
    {
        _patchEmbed.Dispose();
        foreach (VisionBlock block in _blocks) block.Dispose();
        _merger.Dispose();
    }
}
