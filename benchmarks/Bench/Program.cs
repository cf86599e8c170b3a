// PruneVid.NET — kernel lab and end-to-end benchmarks (run on a GPU machine through .device/run.sh Bench …).
using PruneVid.Bench;

string usage = """
    usage: Bench <benchmark> [options]
      check [--device cuda] [--shape tiny] [--tensor-cores on]   the synthetic model on the device vs the Cpu references (PASS/FAIL)
      kernels <family> [--variant N]   kernel lab: validate each variant against its reference, sweep tunables
      stage1 [--frames 16 --height 16 --width 16 --channels 3584] [--cpu-accelerator]
                                       PruneVid Stage 1 on the GPU (or ILGPU's CPU accelerator) and on the Cpu backend
      stage2 [--layers 4 --selected-layer 1 --steps 2 --grid 12 --device cpu]   Stage-2 scoring op, prefill with/without Stage 2 (3B layer shape)
      reducers [--frames 16 --height 16 --width 16 --channels 3584] [--reducers evs,fastvid]
                                       every registered reducer on the Cpu backend, timed against prunevid-stage1
      cpu [--json] [--repeat 3] [--model 3b|none] [--only gemm|gemv|attention|model|stream] [--weights bf16|int8|int4]
                                       Cpu backend: GEMM/GEMV/attention at 3B/7B layer shapes, 3B decode and prefill
      llama [--json] [--model 3b|tiny] [--type f16|q8_0|q4_0] [--prompt 1024] [--decode 16]
                                       the llama.cpp anchor (LLamaSharp, CPU) on a GGUF of the same synthetic model
      q4_0-check [--model tiny]        our int4 quantizer against llama.cpp's own q4_0 quantizer, block by block (exit 0: identical)
      duel [--json] [--model 3b] [--weights int4|int8|bf16] [--rounds 8] [--tokens 16]
                                       our decode and llama.cpp's alternated in one process: per-round ratios, median, lowest
      ptx --out DIR                    every kernel variant's PTX (sm_90), one Family.Kernel.variant.ptx file each
      model [--shape 7b|3b|tiny] [--frames 16] [--size 448] [--decode 64] [--device auto|cpu|cuda|ilgpu-cpu]
                                       vision / prefill / decode timings of a synthetic Qwen2.5-VL
      decode-batch [--shape 3b] [--layers 4] [--batch 1,2,4,8,16] [--steps 8] [--device cpu]
                                       M sequences decoded together vs one: ms per step, aggregate tok/s
      serve --video FILE [--url http://127.0.0.1:8000] [--streams 1,2,4,8] [--max-tokens 32] [--model NAME]
                                       a running `prunevid serve`: cold vs follow-up TTFT, decode tok/s and TTFT at N streams
      serve --video FILE --serve-model tiny|3b|7b|DIR [--tokenizer DIR] [--device cpu] [--streams 1,2,4,8,16] [--serve-args "..."]
                                       the same against a fresh server per row with --max-concurrency = streams
    """;
if (args.Length == 0) { Console.Error.WriteLine(usage); return 2; }
// Help anywhere prints the usage instead of starting a benchmark (a default 7B run needs ~20 GB and many minutes).
if (args.Any(a => a is "--help" or "-h" or "help")) { Console.WriteLine(usage); return 0; }
string[] rest = args[1..];
try
{
    return Dispatch();
}
catch (Exception e) when (e is ArgumentException or FormatException or IOException)
{
    // A bad option or a missing file is the user's to fix: say what, without a stack trace.
    Console.Error.WriteLine($"bench {args[0]}: {e.Message}");
    return 2;
}

int Dispatch() => args[0] switch
{
    "check" => BackendCheck.Run(rest),
    "cpu" => CpuBenchmark.Run(rest),
    "llama" => LlamaCppBenchmark.Run(rest),
    "duel" => DuelBenchmark.Run(rest),
    "q4_0-check" => Q4_0Check.Run(rest),
    "kernels" => KernelLab.Run(rest),
    "model" => ModelBenchmark.Run(rest),
    "ptx" => PtxDump.Run(rest),
    "stage1" => Stage1Benchmark.Run(rest),
    "stage2" => Stage2Benchmark.Run(rest),
    "reducers" => ReducerBenchmark.Run(rest),
    "serve" => ServeBenchmark.Run(rest),
    "decode-batch" => DecodeBatchBenchmark.Run(rest),
    _ => Fail(),
};

int Fail()
{
    Console.Error.WriteLine($"unknown benchmark '{args[0]}'\n{usage}");
    return 2;
}
