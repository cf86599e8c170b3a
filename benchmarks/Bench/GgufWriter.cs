// PruneVid.NET — benchmarks: a GGUF v3 file of a synthetic Qwen2.5-VL language model, for the llama.cpp anchor.
using System.Text;
using PruneVid.Compute;
using PruneVid.Runtime.Config;
using PruneVid.Kernels.Quantized;

namespace PruneVid.Bench;

/// <summary>
/// Writes the language model of a Qwen2.5-VL config as GGUF v3 (architecture <c>qwen2</c>), with seeded random
/// weights of the same distribution as <see cref="CpuModelBenchmark"/>'s: a header (magic, version, tensor and
/// key/value counts), the key/values, the tensor infos (name, dims innermost first, type, offset), then the tensor
/// data, each tensor 32-byte aligned. Linear layers are F16, Q8_0 or Q4_0 in ggml's block layouts
/// (32 weights per block: Q8_0 = f16 d + 32 int8, x = d·q; Q4_0 = f16 d + 16 bytes, byte j holding weights j (low
/// nibble) and j + 16 (high), x = d·(q − 8)); norms and biases are F32. The vocabulary is placeholder strings with
/// no merges: the benchmark feeds token ids directly, so no text is ever tokenized.
/// The tied embedding, which is also the output matrix, is F16 with F16 layers and Q8_0 with quantized ones: llama.cpp's
/// own quantizer gives a tied <c>token_embd</c> the output tensor's type (<c>llama_tensor_get_type</c>: Q6_K for Q4_0
/// and Q8_0 files of this width), never the layers' 4 bits, and Q8_0 — the nearest type written here — is what
/// PruneVid.NET's int4 and int8 weights use for that matrix too (int8 per 128 columns), so both engines stream a
/// head of the same precision.
/// </summary>
internal static class GgufWriter
{
    private const uint Magic = 0x46554747; // "GGUF"
    private const int Alignment = 32;

    /// <summary>ggml tensor types used here.</summary>
    public enum TensorType : uint { F32 = 0, F16 = 1, Q4_0 = 2, Q8_0 = 8 }

    private sealed record TensorInfo(string Name, long[] Dims, TensorType Type, bool Norm);

    /// <summary>The tied embedding's type for layers of type <paramref name="linear"/> (see the class remarks).</summary>
    public static TensorType EmbeddingType(TensorType linear) => linear is TensorType.F16 or TensorType.F32 ? linear : TensorType.Q8_0;

    /// <summary>Writes <paramref name="file"/> unless a complete copy is there; returns its size.</summary>
    public static long Write(string file, Qwen25VLConfig config, TensorType linear)
    {
        TextConfig t = config.Text;
        var tensors = new List<TensorInfo>
        {
            new("token_embd.weight", [t.HiddenSize, t.VocabSize], EmbeddingType(linear), false),
            new("output_norm.weight", [t.HiddenSize], TensorType.F32, true),
        };
        for (int l = 0; l < t.NumHiddenLayers; l++)
        {
            string p = $"blk.{l}.";
            tensors.Add(new(p + "attn_norm.weight", [t.HiddenSize], TensorType.F32, true));
            tensors.Add(new(p + "attn_q.weight", [t.HiddenSize, t.QuerySize], linear, false));
            tensors.Add(new(p + "attn_q.bias", [t.QuerySize], TensorType.F32, false));
            tensors.Add(new(p + "attn_k.weight", [t.HiddenSize, t.KeyValueSize], linear, false));
            tensors.Add(new(p + "attn_k.bias", [t.KeyValueSize], TensorType.F32, false));
            tensors.Add(new(p + "attn_v.weight", [t.HiddenSize, t.KeyValueSize], linear, false));
            tensors.Add(new(p + "attn_v.bias", [t.KeyValueSize], TensorType.F32, false));
            tensors.Add(new(p + "attn_output.weight", [t.QuerySize, t.HiddenSize], linear, false));
            tensors.Add(new(p + "ffn_norm.weight", [t.HiddenSize], TensorType.F32, true));
            tensors.Add(new(p + "ffn_gate.weight", [t.HiddenSize, t.IntermediateSize], linear, false));
            tensors.Add(new(p + "ffn_up.weight", [t.HiddenSize, t.IntermediateSize], linear, false));
            tensors.Add(new(p + "ffn_down.weight", [t.IntermediateSize, t.HiddenSize], linear, false));
        }

        var header = new MemoryStream();
        var w = new BinaryWriter(header, Encoding.UTF8);
        w.Write(Magic);
        w.Write(3u);
        w.Write((ulong)tensors.Count);
        var kv = new List<Action>();
        void Str(string s) { byte[] b = Encoding.UTF8.GetBytes(s); w.Write((ulong)b.Length); w.Write(b); }
        void KvString(string key, string value) => kv.Add(() => { Str(key); w.Write(8u); Str(value); });
        void KvU32(string key, uint value) => kv.Add(() => { Str(key); w.Write(4u); w.Write(value); });
        void KvF32(string key, float value) => kv.Add(() => { Str(key); w.Write(6u); w.Write(value); });
        KvString("general.architecture", "qwen2");
        KvString("general.name", "prunevid-synthetic");
        KvU32("general.alignment", Alignment);
        KvU32("qwen2.context_length", 32768);
        KvU32("qwen2.embedding_length", (uint)t.HiddenSize);
        KvU32("qwen2.block_count", (uint)t.NumHiddenLayers);
        KvU32("qwen2.feed_forward_length", (uint)t.IntermediateSize);
        KvU32("qwen2.attention.head_count", (uint)t.NumAttentionHeads);
        KvU32("qwen2.attention.head_count_kv", (uint)t.NumKeyValueHeads);
        KvF32("qwen2.rope.freq_base", (float)t.RopeTheta);
        KvF32("qwen2.attention.layer_norm_rms_epsilon", (float)t.RmsNormEps);
        KvString("tokenizer.ggml.model", "gpt2");
        KvString("tokenizer.ggml.pre", "qwen2");
        kv.Add(() =>
        {
            Str("tokenizer.ggml.tokens");
            w.Write(9u); w.Write(8u); w.Write((ulong)t.VocabSize);
            for (int i = 0; i < t.VocabSize; i++) Str("t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
        kv.Add(() => { Str("tokenizer.ggml.merges"); w.Write(9u); w.Write(8u); w.Write(0UL); });
        KvU32("tokenizer.ggml.eos_token_id", (uint)config.EosTokenIds[0]);
        w.Write((ulong)kv.Count);
        foreach (Action a in kv) a();

        long offset = 0;
        foreach (TensorInfo info in tensors)
        {
            Str(info.Name);
            w.Write((uint)info.Dims.Length);
            foreach (long d in info.Dims) w.Write((ulong)d);
            w.Write((uint)info.Type);
            w.Write((ulong)offset);
            offset = Align(offset + ByteSize(info));
        }
        w.Flush();
        long dataStart = Align(header.Length);
        long total = dataStart + offset;
        if (File.Exists(file) && new FileInfo(file).Length == total) return total;

        string partial = file + ".partial";
        using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            header.Position = 0;
            header.CopyTo(stream);
            Pad(stream, dataStart - header.Length);
            for (int i = 0; i < tensors.Count; i++)
            {
                long size = ByteSize(tensors[i]);
                WriteTensor(stream, tensors[i], i);
                Pad(stream, Align(size) - size);
            }
        }
        File.Move(partial, file, overwrite: true);
        return total;
    }

    private static long Align(long n) => (n + Alignment - 1) / Alignment * Alignment;

    private static void Pad(Stream stream, long count)
    {
        for (long i = 0; i < count; i++) stream.WriteByte(0);
    }

    private static long ByteSize(TensorInfo info)
    {
        long count = info.Dims.Aggregate(1L, (a, b) => a * b);
        return info.Type switch
        {
            TensorType.F32 => 4 * count,
            TensorType.F16 => 2 * count,
            TensorType.Q8_0 => count / 32 * 34,
            TensorType.Q4_0 => count / 32 * 18,
            _ => throw new ArgumentOutOfRangeException(nameof(info)),
        };
    }

    /// <summary>Seeded values (norms near 1, the rest ±0.02 as the bf16 synthetic model), encoded 32 at a time.</summary>
    private static void WriteTensor(Stream stream, TensorInfo info, int index)
    {
        long count = info.Dims.Aggregate(1L, (a, b) => a * b);
        uint state = (uint)(index * 104729 + 7919) | 1u;
        Span<float> block = stackalloc float[32];
        var buffer = new byte[1 << 20];
        int used = 0;
        void Flush() { stream.Write(buffer, 0, used); used = 0; }
        for (long done = 0; done < count; done += 32)
        {
            int n = (int)Math.Min(32, count - done);
            for (int j = 0; j < n; j++)
            {
                state ^= state << 13; state ^= state >> 17; state ^= state << 5;
                float u = (state & 0xFFFF) / 65535f - 0.5f;
                block[j] = info.Norm ? 1f + 0.1f * u : 0.04f * u;
            }
            if (used + 136 > buffer.Length) Flush();
            used += Encode(info.Type, block[..n], buffer.AsSpan(used));
        }
        Flush();
    }

    /// <summary>One block of <paramref name="type"/> (32 values for Q8_0/Q4_0) into <paramref name="output"/>; returns its bytes.</summary>
    internal static int Encode(TensorType type, ReadOnlySpan<float> x, Span<byte> output)
    {
        switch (type)
        {
            case TensorType.F32:
                for (int i = 0; i < x.Length; i++) BitConverter.TryWriteBytes(output[(4 * i)..], x[i]);
                return 4 * x.Length;
            case TensorType.F16:
                for (int i = 0; i < x.Length; i++) BitConverter.TryWriteBytes(output[(2 * i)..], (Half)x[i]);
                return 2 * x.Length;
            case TensorType.Q8_0:
            {
                float amax = 0;
                foreach (float v in x) amax = Math.Max(amax, Math.Abs(v));
                float d = amax / 127f, id = d == 0 ? 0 : 1 / d;
                BitConverter.TryWriteBytes(output, (Half)d);
                for (int i = 0; i < 32; i++) output[2 + i] = (byte)(sbyte)Math.Round(x[i] * id);
                return 34;
            }
            case TensorType.Q4_0:
            {
                // The runtime's int4 quantizer is ggml's quantize_row_q4_0_ref, so both engines hold the same numbers.
                Span<int> codes = stackalloc int[32];
                BitConverter.TryWriteBytes(output, (Half)WeightQuantizer.Q4_0Block(x, codes));
                for (int j = 0; j < 16; j++) output[2 + j] = (byte)(codes[j] | (codes[j + 16] << 4));
                return 18;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }
    }
}
