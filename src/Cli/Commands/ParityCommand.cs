// PruneVid.NET — command line: `parity`.
using System.CommandLine;
using PruneVid.Compute;
using PruneVid.Tools.Parity;
using PruneVid.Runtime.Pipeline;

namespace PruneVid.Cli.Commands;

/// <summary>
/// <c>parity --model DIR --reference FILE.safetensors [--backend cpu|ilgpu-cpu|cuda]</c>: runs the model on the inputs
/// stored in a reference file and prints one line per reference tensor (max abs error, cosine, PASS/FAIL). Exit code
/// 1 when any tensor fails. The comparison itself lives in <see cref="ParityRunner"/>.
/// </summary>
internal static class ParityCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model", "-m") { Description = "Model folder (config.json + safetensors)", Required = true };
        var reference = new Option<FileInfo>("--reference", "-r") { Description = "Reference tensors (.safetensors) with input_ids, pixel values, grids and activations", Required = true };
        var backend = new Option<string>("--backend", "-b") { Description = "cpu | ilgpu-cpu | cuda", DefaultValueFactory = _ => "cpu" };
        backend.AcceptOnlyFromAmong("cpu", "ilgpu-cpu", "cuda");
        var referenceVision = new Option<bool>("--vision-from-reference")
        {
            Description = "Feed the language model the reference video_embeds instead of running the vision tower",
        };
        var skipArgMax = new Option<bool>("--skip-all-positions")
        {
            Description = "Skip logits_argmax (lm_head over every prompt position, the slowest comparison)",
        };

        var command = new Command("parity", "Compare the model's intermediate tensors with a reference dump (e.g. from HF transformers)")
        {
            model, reference, backend, referenceVision, skipArgMax,
        };
        command.SetAction(parse =>
        {
            using ComputeBackend compute = BackendFactory.Create(BackendFactory.Parse(parse.GetValue(backend)!));
            var options = new ParityOptions
            {
                CreateVision = parse.GetValue(referenceVision) ? null : VisionEncoderStage.Create,
                CompareAllPositionArgMax = !parse.GetValue(skipArgMax),
                OnResult = Console.WriteLine,
            };
            ParityReport report = ParityRunner.Run(compute, ModelLocator.Resolve(parse.GetValue(model)!.ToString()), parse.GetValue(reference)!.FullName, options);
            foreach (string name in report.Skipped) Console.WriteLine($"SKIP  {name}");
            int failed = report.Results.Count(r => !r.Passed);
            Console.WriteLine($"{report.Results.Count - failed}/{report.Results.Count} passed on {compute.Name} in {report.Elapsed.TotalSeconds:F1} s");
            return failed == 0 ? 0 : 1;
        });
        return command;
    }
}
