namespace Corrections.Outbox;

/// <summary>
/// Readers' submissions handed to the writer and not yet answered. During a burst of them the outbox dispatcher gives
/// way: on a small machine every mail composed while readers wait makes their answers later, and a mail can wait a
/// little. A steady trickle is no burst: at 200 reports a second about one is in flight, and mail that waited for none
/// would fall behind.
/// </summary>
public sealed class SubmissionsInFlight
{
    /// <summary>Submissions in flight at once that make a burst.</summary>
    public const int Burst = 4;

    private readonly Lock gate = new();
    private int count;
    private TaskCompletionSource? lull;

    public int Count
    {
        get
        {
            lock (gate)
                return count;
        }
    }

    public void Add()
    {
        lock (gate)
            count++;
    }

    public void Remove()
    {
        TaskCompletionSource? ended = null;
        lock (gate)
        {
            if (--count < Burst)
                (ended, lull) = (lull, null);
        }
        ended?.TrySetResult();
    }

    /// <summary>Completes as soon as fewer than <see cref="Burst"/> submissions are in flight.</summary>
    public Task WhenNoBurstAsync()
    {
        lock (gate)
            return count < Burst ? Task.CompletedTask : (lull ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
    }
}
