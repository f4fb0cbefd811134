namespace Corrections.Outbox;

/// <summary>
/// Readers' submissions handed to the writer and not yet answered. The outbox dispatcher gives way to them: on a small
/// machine every mail composed while readers wait makes their answers later, and a mail can wait a little.
/// </summary>
public sealed class SubmissionsInFlight
{
    private readonly Lock gate = new();
    private int count;
    private TaskCompletionSource? none;

    public void Add()
    {
        lock (gate)
            count++;
    }

    public void Remove()
    {
        TaskCompletionSource? lull = null;
        lock (gate)
        {
            if (--count == 0)
                (lull, none) = (none, null);
        }
        lull?.TrySetResult();
    }

    /// <summary>Completes as soon as no submission is in flight.</summary>
    public Task WhenNoneAsync()
    {
        lock (gate)
            return count == 0 ? Task.CompletedTask : (none ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
    }
}
