using System.Threading.Channels;

namespace Corrections.Outbox;

/// <summary>Wakes the dispatcher right after a commit that wrote outbox rows, so it need not wait for its next poll.</summary>
public sealed class OutboxSignal
{
    private readonly Channel<bool> channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Wake() => channel.Writer.TryWrite(true);

    /// <summary>Waits until woken or until <paramref name="timeout"/> has passed on <paramref name="time"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (channel.Reader.TryRead(out _))
            return;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var woken = channel.Reader.WaitToReadAsync(linked.Token).AsTask();
        var elapsed = Task.Delay(timeout, time, linked.Token);
        await Task.WhenAny(woken, elapsed);
        await linked.CancelAsync();
        channel.Reader.TryRead(out _);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
