// PruneVid.NET — serve: how many requests may wait for the model.
namespace PruneVid.Cli.Serve;

/// <summary>
/// Bounds the requests inside the server (running + waiting). A request that finds it full is refused at once (429)
/// instead of waiting without end; admitted ones then wait their turn on the chat client's one-model semaphore.
/// </summary>
internal sealed class AdmissionQueue(int capacity)
{
    private int _inside;

    /// <summary>Requests admitted and not yet finished.</summary>
    public int Inside => Volatile.Read(ref _inside);

    /// <summary>A ticket to dispose when the request ends, or null when the server is full.</summary>
    public IDisposable? TryEnter()
    {
        if (Interlocked.Increment(ref _inside) <= capacity) return new Ticket(this);
        Interlocked.Decrement(ref _inside);
        return null;
    }

    private sealed class Ticket(AdmissionQueue queue) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) Interlocked.Decrement(ref queue._inside);
        }
    }
}
