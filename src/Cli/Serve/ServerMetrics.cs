// PruneVid.NET — serve: counters for GET /metrics (Prometheus text format).
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace PruneVid.Cli.Serve;

/// <summary>Request, token and latency counters, rendered in the Prometheus text exposition format.</summary>
internal sealed class ServerMetrics
{
    private static readonly double[] s_latencyBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
    private readonly ConcurrentDictionary<int, long> _responses = new();
    private readonly Histogram _latency = new(s_latencyBuckets);
    private readonly Histogram _firstToken = new(s_latencyBuckets);
    private long _promptTokens, _completionTokens, _visualBefore, _visualAfter, _cancelled;

    public void Responded(int status) => _responses.AddOrUpdate(status, 1, (_, n) => n + 1);

    public void Completed(int promptTokens, int completionTokens, int visualBefore, int visualAfter, TimeSpan latency, TimeSpan? firstToken)
    {
        Interlocked.Add(ref _promptTokens, promptTokens);
        Interlocked.Add(ref _completionTokens, completionTokens);
        Interlocked.Add(ref _visualBefore, visualBefore);
        Interlocked.Add(ref _visualAfter, visualAfter);
        _latency.Observe(latency.TotalSeconds);
        if (firstToken is { } ttft) _firstToken.Observe(ttft.TotalSeconds);
    }

    /// <summary>A client went away before its answer was complete.</summary>
    public void Cancelled() => Interlocked.Increment(ref _cancelled);

    public string Render(int queueDepth, int running, bool ready, (long Steps, long Rows) decode = default)
    {
        var text = new StringBuilder();
        Metric(text, "prunevid_ready", "gauge", "1 once the model is loaded", ready ? 1 : 0);
        text.Append("# HELP prunevid_requests_total Chat completion requests answered, by HTTP status\n# TYPE prunevid_requests_total counter\n");
        foreach (var (status, count) in _responses.OrderBy(p => p.Key))
            text.Append(CultureInfo.InvariantCulture, $"prunevid_requests_total{{status=\"{status}\"}} {count}\n");
        Metric(text, "prunevid_queue_depth", "gauge", "Requests waiting for the model", queueDepth);
        Metric(text, "prunevid_running_generations", "gauge", "Generations running on the model", running);
        Metric(text, "prunevid_decode_steps_total", "counter", "Decode steps run (each feeds every sequence decoding at the time)", decode.Steps);
        Metric(text, "prunevid_decode_sequences_total", "counter", "Sequences fed by those steps, summed (divided by the steps: the mean decode batch)", decode.Rows);
        Metric(text, "prunevid_cancelled_total", "counter", "Requests whose client disconnected before the answer was complete", Interlocked.Read(ref _cancelled));
        Metric(text, "prunevid_prompt_tokens_total", "counter", "Prompt tokens the language model saw", Interlocked.Read(ref _promptTokens));
        Metric(text, "prunevid_completion_tokens_total", "counter", "Tokens generated", Interlocked.Read(ref _completionTokens));
        Metric(text, "prunevid_visual_tokens_before_total", "counter", "Visual tokens from the vision tower, before reduction", Interlocked.Read(ref _visualBefore));
        Metric(text, "prunevid_visual_tokens_kept_total", "counter", "Visual tokens kept after the last reduction stage (inside the model for in-model stages)", Interlocked.Read(ref _visualAfter));
        _latency.Render(text, "prunevid_request_duration_seconds", "Time from admission to the last token of completed requests");
        _firstToken.Render(text, "prunevid_time_to_first_token_seconds", "Time from admission to the first streamed text");
        return text.ToString();
    }

    private static void Metric(StringBuilder text, string name, string type, string help, long value) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name} {value}\n");

    /// <summary>A cumulative-bucket histogram.</summary>
    private sealed class Histogram(double[] bounds)
    {
        private readonly long[] _counts = new long[bounds.Length + 1];
        private readonly object _lock = new();
        private double _sum;

        public void Observe(double value)
        {
            lock (_lock)
            {
                int bucket = Array.FindIndex(bounds, b => value <= b);
                _counts[bucket < 0 ? bounds.Length : bucket]++;
                _sum += value;
            }
        }

        public void Render(StringBuilder text, string name, string help)
        {
            lock (_lock)
            {
                text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} histogram\n");
                long cumulative = 0;
                for (int i = 0; i < bounds.Length; i++)
                {
                    cumulative += _counts[i];
                    text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"{bounds[i]}\"}} {cumulative}\n");
                }
                cumulative += _counts[^1];
                text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"+Inf\"}} {cumulative}\n{name}_sum {_sum}\n{name}_count {cumulative}\n");
            }
        }
    }
}
