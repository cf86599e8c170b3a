// PruneVid.NET — benchmarks: one llama.cpp (LLamaSharp, CPU) context over the GGUF of a synthetic language model.
using LLama;
using LLama.Common;
using LLama.Native;
using PruneVid.Runtime.Config;

namespace PruneVid.Bench;

/// <summary>
/// Writes (once per shape and type) and loads the synthetic model's GGUF, then runs a prompt and greedy decode steps
/// the way <c>Bench cpu</c> runs ours: the logits of the last position read back and arg-maxed each step.
/// </summary>
internal sealed class LlamaCppSession : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly LLamaBatch _batch = new();
    private int _token, _position;

    public LlamaCppSession(Qwen25VLConfig config, string shape, GgufWriter.TensorType type, int promptTokens, int contextTokens, int threads)
    {
        File = Path.Combine(Path.GetTempPath(), $"prunevid-bench-{shape}-{type.ToString().ToLowerInvariant()}-embd-{GgufWriter.EmbeddingType(type).ToString().ToLowerInvariant()}.gguf");
        FileBytes = GgufWriter.Write(File, config, type);
        NativeLogConfig.llama_log_set((level, message) => { }); // llama.cpp's load log would break --json output
        var parameters = new ModelParams(File)
        {
            ContextSize = (uint)contextTokens,
            BatchSize = (uint)promptTokens,
            UBatchSize = 512,
            Threads = threads,
            BatchThreads = threads,
            GpuLayerCount = 0,
        };
        _weights = LLamaWeights.LoadFromFile(parameters);
        _context = _weights.CreateContext(parameters);
    }

    /// <summary>The GGUF file and its size.</summary>
    public string File { get; }

    public long FileBytes { get; }

    /// <summary>The benchmarks' prompt: <paramref name="count"/> seeded ordinary text ids.</summary>
    public static int[] PromptIds(int count, Qwen25VLConfig config)
    {
        var rng = new Random(7);
        return Enumerable.Range(0, count).Select(_ => rng.Next(0, Math.Min(150000, config.Text.VocabSize))).ToArray();
    }

    /// <summary>Runs the prompt in one batch and picks the first token.</summary>
    public void Prefill(int[] ids)
    {
        _batch.Clear();
        for (int i = 0; i < ids.Length; i++) _batch.Add(ids[i], i, LLamaSeqId.Zero, i == ids.Length - 1);
        Check(_context.Decode(_batch));
        _token = ArgMax(_context.NativeHandle.GetLogitsIth(_batch.TokenCount - 1));
        _position = ids.Length;
    }

    /// <summary>One greedy decode step.</summary>
    public void Step()
    {
        _batch.Clear();
        _batch.Add(_token, _position++, LLamaSeqId.Zero, true);
        Check(_context.Decode(_batch));
        _token = ArgMax(_context.NativeHandle.GetLogitsIth(0));
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }

    private static void Check(DecodeResult result)
    {
        if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama.cpp decode failed: {result}");
    }

    private static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
