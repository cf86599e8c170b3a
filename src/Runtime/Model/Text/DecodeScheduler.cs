// PruneVid.NET — language model: continuous batching of decode steps.
using PruneVid.Compute;

namespace PruneVid.Runtime.Model.Text;

/// <summary>
/// Continuous batching: one thread runs the decode steps of up to <see cref="MaxSequences"/> sequences together (a
/// <see cref="DecodeBatch"/>: every weight is read once per step for all of them, attention runs per sequence over its
/// own cache), while requests join and leave between steps. The model is not re-entrant, so everything that uses it
/// holds <see cref="Gate"/>: a request holds it for its vision tower, reduction and prefill (which therefore run
/// between two decode steps, whole: a prefill with in-model reducers needs every prompt row at once, so prompts are
/// not cut into chunks), then <see cref="Decode"/> adds its sequence to the batch and gives the gate back until the
/// sequence ends; the scheduler's thread takes the gate for each step. Each sequence keeps its own sampling (seed),
/// stop ids, stop check, token budget and cancellation, checked between steps; one that ends leaves the batch and the
/// others go on, their tokens unchanged.
/// </summary>
public sealed class DecodeScheduler : IDisposable
{
    private readonly DecodeBatch _batch;
    private readonly SemaphoreSlim _slots;
    private readonly List<Request> _requests = [];
    private readonly object _sync = new(); // guards the request list; the loop waits on it for work
    private readonly Thread _thread;
    private bool _disposed;

    /// <summary>A scheduler that decodes up to <paramref name="maxSequences"/> sequences of <paramref name="model"/> together.</summary>
    public DecodeScheduler(TextModel model, int maxSequences)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (maxSequences < 1) throw new ArgumentOutOfRangeException(nameof(maxSequences), $"a decode batch holds at least one sequence, got {maxSequences}");
        MaxSequences = maxSequences;
        _batch = new DecodeBatch(model, maxSequences);
        _slots = new SemaphoreSlim(maxSequences, maxSequences);
        _thread = new Thread(Run) { IsBackground = true, Name = "decode scheduler" };
        _thread.Start();
    }

    /// <summary>Most sequences decoding together.</summary>
    public int MaxSequences { get; }

    /// <summary>Held by whoever uses the model: a request around its encoding and prefill, the scheduler around each step.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Sequences decoding now.</summary>
    public int Active
    {
        get { lock (_sync) return _requests.Count; }
    }

    /// <summary>Decode steps run so far, and the sequences they fed in all (their ratio is the mean batch size).</summary>
    public (long Steps, long Rows) Totals
    {
        get { lock (_sync) return (_steps, _rows); }
    }

    private long _steps, _rows;

    /// <summary>
    /// Decodes <paramref name="sequence"/> in the batch; called with <see cref="Gate"/> held, returns with it held
    /// (in between it is given back while the sequence waits for a place and while it decodes). Takes
    /// <paramref name="prefillNormed"/> (disposed once the first token is chosen). <paramref name="onToken"/>,
    /// <paramref name="stopRequested"/> and <paramref name="onLogits"/> run on the scheduler's thread between steps.
    /// Throws <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires first.
    /// </summary>
    public (List<int> Tokens, FinishReason Reason) Decode(TextSequence sequence, Tensor prefillNormed, SamplingOptions options, Action<int>? onToken,
        Func<bool>? stopRequested, Action<float[]>? onLogits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        ArgumentNullException.ThrowIfNull(options);
        Request request;
        using (prefillNormed)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_slots.Wait(0))
            {
                Gate.Release();
                try { _slots.Wait(cancellationToken); }
                finally { Gate.Wait(); }
            }
            DecodeMember member;
            try { member = _batch.Join(sequence, prefillNormed, options, onLogits); }
            catch
            {
                _slots.Release();
                throw;
            }
            request = new Request(member, onToken, stopRequested, cancellationToken);
            bool ended;
            try { ended = request.Deliver(); }
            catch
            {
                Leave(request);
                throw;
            }
            if (ended)
            {
                Leave(request);
                return request.Result();
            }
            lock (_sync)
            {
                _requests.Add(request);
                Monitor.PulseAll(_sync);
            }
        }
        Gate.Release();
        try { request.Done.Wait(); }
        finally { Gate.Wait(); }
        return request.Result();
    }

    private void Leave(Request request)
    {
        _batch.Leave(request.Member);
        _slots.Release();
        request.Done.Set();
    }

    /// <summary>The scheduler's thread: one step for every member at a time, under the gate; ended members leave.</summary>
    private void Run()
    {
        var stepping = new List<Request>();
        while (true)
        {
            lock (_sync)
            {
                while (_requests.Count == 0 && !_disposed) Monitor.Wait(_sync);
                if (_disposed) return;
            }
            Gate.Wait();
            try
            {
                lock (_sync) { stepping.Clear(); stepping.AddRange(_requests); }
                foreach (Request r in stepping)
                    if (r.CancellationToken.IsCancellationRequested) End(r, new OperationCanceledException(r.CancellationToken));
                lock (_sync) { stepping.Clear(); stepping.AddRange(_requests); }
                if (stepping.Count == 0) continue;
                try
                {
                    _batch.Step();
                    lock (_sync) { _steps++; _rows += stepping.Count; }
                }
                catch (Exception e)
                {
                    foreach (Request r in stepping) End(r, e);
                    continue;
                }
                foreach (Request r in stepping)
                {
                    try { if (r.Deliver()) End(r, null); }
                    catch (Exception e) { End(r, e); }
                }
            }
            finally
            {
                Gate.Release();
            }
            Thread.Yield(); // let a waiting prefill take the gate before the next step
        }
    }

    private void End(Request request, Exception? error)
    {
        request.Error = error;
        lock (_sync) _requests.Remove(request);
        Leave(request);
    }

    /// <summary>Stops the thread; sequences still decoding end with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed) return;
            _disposed = true;
            Monitor.PulseAll(_sync);
        }
        _thread.Join();
        // The gate may be held by whoever is shutting the model down: nothing steps any more, so none is needed.
        Request[] left;
        lock (_sync) left = [.. _requests];
        foreach (Request r in left) End(r, new ObjectDisposedException(nameof(DecodeScheduler)));
        _batch.Dispose();
    }

    /// <summary>One sequence's callbacks, tokens and outcome.</summary>
    private sealed class Request(DecodeMember member, Action<int>? onToken, Func<bool>? stopRequested, CancellationToken cancellationToken)
    {
        public DecodeMember Member { get; } = member;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public List<int> Tokens { get; } = [];
        public FinishReason Reason { get; private set; } = FinishReason.Length;
        public Exception? Error { get; set; }
        public ManualResetEventSlim Done { get; } = new();

        /// <summary>Reports the member's last token; true when the sequence ends with it.</summary>
        public bool Deliver()
        {
            DecodedToken last = Member.Last;
            Tokens.Add(last.Token);
            onToken?.Invoke(last.Token);
            if (last.Finish is FinishReason r) { Reason = r; return true; }
            if (stopRequested?.Invoke() == true) { Reason = FinishReason.Eos; return true; }
            return false;
        }

        public (List<int>, FinishReason) Result()
        {
            Done.Dispose();
            if (Error is OperationCanceledException) throw new OperationCanceledException(CancellationToken);
            if (Error is not null) throw new InvalidOperationException($"decoding failed: {Error.Message}", Error);
            return (Tokens, Reason);
        }
    }
}
