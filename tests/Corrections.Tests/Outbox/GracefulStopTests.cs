using Corrections.Features.Notifications;
using Corrections.Data;
using Corrections.Outbox;
using Corrections.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Corrections.Tests.Outbox;

/// <summary>What the dispatcher does with a claimed batch when the host stops: finish the mail on the wire, release the rest.</summary>
public sealed class GracefulStopTests : ServiceTest
{
    protected override Dictionary<string, string?> Settings => new()
    {
        ["Outbox:PollIntervalSeconds"] = "3600",
        ["Mail:Smtp:TimeoutSeconds"] = "120", // the held mail waits for the test, not for MailKit's timeout
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Smtp.HoldMessages();
        await App.SeedReportsAsync(3, App.Time.GetUtcNow());
        App.Services.GetRequiredService<OutboxSignal>().Wake();
        await App.WaitUntilAsync(() => Task.FromResult(Smtp.MessagesHeld == 1));
    }

    [Fact]
    public async Task Stopping_lets_the_mail_on_the_wire_finish_and_releases_the_rest_of_the_batch_unattempted()
    {
        Assert.All(await App.OutboxAsync(), m => Assert.NotNull(m.LeaseOwner));

        var stopping = App.Dispatcher.StopAsync(CancellationToken.None);
        Smtp.ReleaseMessages();
        await stopping.WaitAsync(TimeSpan.FromSeconds(15));

        var rows = await App.OutboxAsync();
        Assert.Single(Smtp.Messages);
        Assert.Equal(OutboxState.Done, rows[0].State);
        Assert.All(rows[1..], m =>
        {
            Assert.Equal(OutboxState.Pending, m.State);
            Assert.Null(m.LeaseOwner);
            Assert.Equal(0, m.Attempts);
        });
        Assert.Contains(App.Log.Entries, e => e.Message == "Stopping: 2 outbox message(s) released for the next start");
    }

    [Fact]
    public async Task When_the_shutdown_timeout_runs_out_the_mail_on_the_wire_is_cut_off_and_the_whole_batch_released()
    {
        using var shutdownTimeout = new CancellationTokenSource();

        var stopping = App.Dispatcher.StopAsync(shutdownTimeout.Token);
        await shutdownTimeout.CancelAsync();
        await stopping.WaitAsync(TimeSpan.FromSeconds(15));

        await App.WaitUntilAsync(async () => (await App.OutboxAsync()).All(m => m.LeaseOwner is null));
        Assert.All(await App.OutboxAsync(), m =>
        {
            Assert.Equal(OutboxState.Pending, m.State);
            Assert.Equal(0, m.Attempts);
        });
        Assert.Contains(App.Log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("The shutdown timeout ran out while outbox message 1 (ReportSubmitted) was being handled; it and 2 more are released"));
    }

    [Fact]
    public async Task Stopping_while_or_after_the_host_disposes_the_dispatcher_cuts_off_the_mail_on_the_wire_and_releases_the_batch()
    {
        // A web application's run loop and whoever stopped it may both stop the host, one while the other disposes it.
        App.Dispatcher.Dispose();
        await App.Dispatcher.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(15));

        await App.WaitUntilAsync(async () => (await App.OutboxAsync()).All(m => m.LeaseOwner is null));
        Assert.All(await App.OutboxAsync(), m => Assert.Equal(OutboxState.Pending, m.State));
    }
}
