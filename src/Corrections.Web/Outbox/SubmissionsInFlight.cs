using System.Diagnostics;

namespace Corrections.Outbox;

/// <summary>
/// Readers' submissions handed to the writer and not yet answered. During a burst of them the outbox dispatcher gives
/// way: on a small machine every mail composed while readers wait makes their answers later, and a mail can wait a
/// little. A steady trickle is no burst: mail that waited for every submission would fall behind
/// (docs/decisions/0012-mail-gives-way-to-readers.md).
/// </summary>
public sealed class SubmissionsInFlight
{
    /// <summary>Submissions in flight at once that make a burst.</summary>
    public const int Burst = 4;

    /// <summary>
    /// How long fewer than <see cref="Burst"/> must stay in flight for a burst to be over. Between the groups of a burst
    /// the count dips briefly, while the answered readers send their next reports, and that dip is no end of the burst.
    /// </summary>
    public static readonly TimeSpan Lull = TimeSpan.FromMilliseconds(10);

    private readonly Lock gate = new();
    private int count;
    private long belowBurstSince; // when the count last fell below a burst (Stopwatch ticks); 0 if it never was one
    private TaskCompletionSource? belowBurst;

    public int Count
    {
        get
        {
            lock (gate)
                return count;
        }
    }

    /// <summary>Whether a burst goes on: <see cref="Burst"/> or more in flight, or fewer for less than <see cref="Lull"/>.</summary>
    public bool InBurst
    {
        get
        {
            lock (gate)
                return QuietFor() < Lull;
        }
    }

    /// <summary>How long fewer than <see cref="Burst"/> have been in flight: zero during a burst; the whole lull if none ever was. Under the gate.</summary>
    private TimeSpan QuietFor() =>
        count >= Burst ? TimeSpan.Zero : belowBurstSince == 0 ? Lull : Stopwatch.GetElapsedTime(belowBurstSince);

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
            if (--count == Burst - 1)
                belowBurstSince = Stopwatch.GetTimestamp();
            if (count < Burst)
                (ended, belowBurst) = (belowBurst, null);
        }
        ended?.TrySetResult();
    }

    /// <summary>Completes once fewer than <see cref="Burst"/> submissions have been in flight for <see cref="Lull"/>.</summary>
    public async Task WhenNoBurstAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task? burst = null;
            TimeSpan quiet;
            lock (gate)
            {
                if (count >= Burst)
                    burst = (belowBurst ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                quiet = QuietFor();
            }
            if (burst is not null)
                await burst.WaitAsync(cancellationToken);
            else if (quiet < Lull)
                await Task.Delay(Lull - quiet, cancellationToken);
            else
                return;
        }
    }
}
