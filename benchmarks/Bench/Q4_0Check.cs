// PruneVid.NET — benchmarks: our int4 quantizer against llama.cpp's own Q4_0 quantizer, block by block.
using LLama;
using LLama.Native;
using PruneVid.Kernels.Quantized;
using PruneVid.Runtime.Config;

namespace PruneVid.Bench;

/// <summary>
/// <c>bench q4_0-check [--model tiny]</c>: writes the synthetic model as an F32 GGUF, has llama.cpp quantize it to
/// q4_0 (<c>llama_model_quantize</c>, LLamaSharp), then quantizes every tensor llama.cpp made Q4_0 with
/// <see cref="WeightQuantizer.Q4_0Block"/> from the same f32 values and compares each 18-byte block (f16 scale and
/// 16 bytes of nibbles). Exit code 0 only when every block is identical.
/// </summary>
internal static class Q4_0Check
{
    public static int Run(string[] args)
    {
        string shape = BenchOptions.Text(args, "--model") ?? "tiny";
        var config = Qwen25VLConfig.Parse(SyntheticModel.ConfigJson(shape), $"synthetic {shape}");
        string source = Path.Combine(Path.GetTempPath(), $"prunevid-bench-{shape}-f32-embd-f32.gguf");
        string quantized = Path.Combine(Path.GetTempPath(), $"prunevid-q4_0-check-{shape}-{Environment.ProcessId}.gguf");
        GgufWriter.Write(source, config, GgufWriter.TensorType.F32);
        NativeApi.llama_empty_call(); // loads llama.cpp's library the way LLamaSharp resolves it, before the quantizer's first call
        NativeLogConfig.llama_log_set((level, message) => { });
        try
        {
            if (!LLamaQuantizer.Quantize(source, quantized, LLamaFtype.MOSTLY_Q4_0, Environment.ProcessorCount, allowRequantize: false, quantizeOutputTensor: false))
            {
                Console.Error.WriteLine("llama.cpp could not quantize the model");
                return 1;
            }
            Dictionary<string, GgufReader.Tensor> from = GgufReader.Tensors(source), to = GgufReader.Tensors(quantized);
            long blocks = 0, different = 0;
            int tensors = 0;
            using var src = File.OpenRead(source);
            using var dst = File.OpenRead(quantized);
            var values = new float[32];
            var ours = new byte[18];
            var theirs = new byte[18];
            foreach (GgufReader.Tensor t in to.Values.Where(t => t.Type == GgufWriter.TensorType.Q4_0).OrderBy(t => t.Offset))
            {
                GgufReader.Tensor f = from[t.Name];
                tensors++;
                for (long b = 0; b < t.Count / 32; b++)
                {
                    src.Position = f.Offset + b * 128;
                    src.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
                    dst.Position = t.Offset + b * 18;
                    dst.ReadExactly(theirs);
                    GgufWriter.Encode(GgufWriter.TensorType.Q4_0, values, ours); // WeightQuantizer.Q4_0Block, packed as ggml packs it
                    blocks++;
                    if (!ours.AsSpan().SequenceEqual(theirs))
                    {
                        if (different++ < 5)
                            Console.WriteLine($"{t.Name} block {b}: ours {Convert.ToHexString(ours)}, llama.cpp {Convert.ToHexString(theirs)}");
                    }
                }
            }
            Console.WriteLine($"q4_0 check ({shape}): {tensors} tensors that llama.cpp made Q4_0, {blocks} blocks, {different} different from WeightQuantizer.Q4_0Block");
            return tensors > 0 && different == 0 ? 0 : 1;
        }
        finally
        {
            File.Delete(quantized);
        }
    }
}
