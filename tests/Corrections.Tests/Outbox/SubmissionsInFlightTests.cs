using System.Diagnostics;
using Corrections.Outbox;

namespace Corrections.Tests.Outbox;

public sealed class SubmissionsInFlightTests
{
    private static SubmissionsInFlight WithInFlight(int count)
    {
        var inFlight = new SubmissionsInFlight();
        for (var i = 0; i < count; i++)
            inFlight.Add();
        return inFlight;
    }

    [Fact]
    public async Task A_dip_below_a_burst_between_its_groups_does_not_end_it()
    {
        var inFlight = WithInFlight(SubmissionsInFlight.Burst);
        var waiting = inFlight.WhenNoBurstAsync(CancellationToken.None);

        inFlight.Remove(); // a group answered; its readers' next reports are on their way
        Assert.False(waiting.IsCompleted);
        inFlight.Add();
        await Task.Delay(SubmissionsInFlight.Lull * 5);

        Assert.False(waiting.IsCompleted, "the burst was taken as over at a dip shorter than the lull");
        inFlight.Remove();
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_burst_is_over_once_fewer_have_been_in_flight_for_the_lull()
    {
        var inFlight = WithInFlight(SubmissionsInFlight.Burst + 2);
        var waiting = inFlight.WhenNoBurstAsync(CancellationToken.None);

        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < 3; i++)
            inFlight.Remove();
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(Stopwatch.GetElapsedTime(started) >= SubmissionsInFlight.Lull - TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public void Without_a_burst_since_the_start_nothing_waits()
    {
        var inFlight = WithInFlight(SubmissionsInFlight.Burst - 1);

        Assert.True(inFlight.WhenNoBurstAsync(CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Waiting_for_the_end_of_a_burst_can_be_given_up()
    {
        var inFlight = WithInFlight(SubmissionsInFlight.Burst);
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => inFlight.WhenNoBurstAsync(giveUp.Token));
    }
}
