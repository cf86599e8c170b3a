// PruneVid.NET — pipeline stage 4 of 4: prompt → answer (prefill with the in-model hooks, then decoding).
using System.Diagnostics;
using PruneVid.Runtime.Model.Text;
using PruneVid.Runtime.Text;

namespace PruneVid.Runtime.Pipeline;

/// <summary>
/// Prefill + decode with text streaming; prefill ends when the first token is known, the rest is decode. A
/// <see cref="DecodeControl"/> sees each token and logits row and may end decoding early (a stop string was seen).
/// </summary>
internal sealed class LanguageModelStage(TextGenerator generator, QwenTokenizer tokenizer)
{
    public (string Text, GenerationResult Generated, TimeSpan Prefill, TimeSpan Decode) Run(TextPrompt prompt,
        SamplingOptions sampling, Action<string>? onText, DecodeControl? control, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        TimeSpan prefill = TimeSpan.Zero;
        var stream = tokenizer.CreateStreamDecoder(skipSpecialTokens: true);
        var answer = new System.Text.StringBuilder();
        GenerationResult generated = generator.Generate(prompt, sampling, token =>
        {
            if (prefill == TimeSpan.Zero) prefill = clock.Elapsed;
            control?.OnToken?.Invoke(token);
            string piece = stream.Push(token);
            if (piece.Length > 0) { answer.Append(piece); onText?.Invoke(piece); }
        }, control?.StopRequested, control?.OnLogits, cancellationToken);
        string tail = stream.Flush();
        if (tail.Length > 0) { answer.Append(tail); onText?.Invoke(tail); }
        return (answer.ToString(), generated, prefill, clock.Elapsed - prefill);
    }
}
