using Corrections.Data;
using Corrections.Outbox;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Corrections.Tests.Outbox;

/// <summary>What happens to accepted reports when the SMTP relay is down, refuses, or the service restarts.</summary>
public sealed class OutboxDeliveryTests() : ServiceTest(TestRelay.Down)
{
    [Fact]
    public async Task A_report_accepted_while_SMTP_is_down_is_mailed_once_SMTP_is_back()
    {
        var app = StartApp();
        var id = await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await app.WaitUntilAsync(async () => (await app.OutboxAsync()).Single().Attempts >= 1);
        var waiting = (await app.OutboxAsync()).Single();
        Assert.Equal(OutboxState.Pending, waiting.State);
        Assert.NotNull(waiting.LastError);
        Assert.InRange(waiting.DueAt - app.Time.GetUtcNow(), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(12));

        Smtp.Start();
        await app.AdvanceUntilAsync(async () => (await app.OutboxAsync()).Single().State == OutboxState.Done, TimeSpan.FromSeconds(1));
        await app.DispatchOnceAsync();

        var mail = Assert.Single(Smtp.Messages);
        Assert.StartsWith($"report-{id:N}.", mail.MessageId);
    }

    [Fact]
    public async Task Retries_back_off_exponentially_up_to_the_cap()
    {
        // The background dispatcher sleeps through the test's clock moves; the test drives each attempt itself.
        var app = NewApp(new() { ["Outbox:PollIntervalSeconds"] = "3600" });
        await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await app.WaitUntilAsync(async () => (await app.OutboxAsync()).Single().Attempts == 1);

        var delays = new List<TimeSpan>();
        for (var attempt = 2; attempt <= 8; attempt++)
        {
            var before = (await app.OutboxAsync()).Single();
            app.Time.SetUtcNow(before.DueAt);
            await app.DispatchOnceAsync();
            var after = (await app.OutboxAsync()).Single();
            Assert.Equal(attempt, after.Attempts);
            delays.Add(after.DueAt - app.Time.GetUtcNow());
        }

        Assert.InRange(delays[0], TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(20));  // about 16 s
        Assert.InRange(delays[1], TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(39));  // about 32 s
        Assert.All(delays[^2..], d => Assert.InRange(d, TimeSpan.FromSeconds(240), TimeSpan.FromSeconds(360)));
    }

    [Fact]
    public async Task A_4xx_reply_is_retried_and_then_delivered_once()
    {
        Smtp.Start();
        Smtp.ReplyNext(451, 421);
        var app = StartApp();

        await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await app.AdvanceUntilAsync(async () => (await app.OutboxAsync()).Single().State == OutboxState.Done, TimeSpan.FromSeconds(2));

        Assert.Single(Smtp.Messages);
        var row = (await app.OutboxAsync()).Single();
        Assert.Equal(OutboxState.Done, row.State);
        Assert.Equal(3, row.Attempts);
    }

    [Fact]
    public async Task A_5xx_reply_parks_the_message_with_its_error_and_it_is_not_retried()
    {
        Smtp.Start();
        Smtp.ReplyNext(550);
        var app = StartApp();

        await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await app.WaitUntilAsync(async () => (await app.OutboxAsync()).Single().State == OutboxState.Parked);
        app.Time.Advance(TimeSpan.FromHours(2));
        await app.DispatchOnceAsync();

        var row = (await app.OutboxAsync()).Single();
        Assert.Equal(OutboxState.Parked, row.State);
        Assert.Equal(1, row.Attempts);
        Assert.Contains("550", row.LastError);
        Assert.Empty(Smtp.Messages);
    }

    [Fact]
    public async Task A_message_is_parked_after_the_configured_number_of_attempts()
    {
        var app = NewApp(new() { ["Outbox:MaxAttempts"] = "3" });
        await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());

        await app.AdvanceUntilAsync(async () => (await app.OutboxAsync()).Single().State == OutboxState.Parked, TimeSpan.FromSeconds(5));

        Assert.Equal(3, (await app.OutboxAsync()).Single().Attempts);
    }

    [Fact]
    public async Task A_report_committed_but_not_yet_mailed_is_mailed_after_a_restart()
    {
        var first = StartApp();
        var id = await first.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await first.WaitUntilAsync(async () => (await first.OutboxAsync()).Single().Attempts >= 1);
        var start = first.Time.GetUtcNow();
        await first.DisposeAsync();

        Smtp.Start();
        var second = StartApp(time: new FakeTimeProvider(start + TimeSpan.FromMinutes(1)));
        var mail = Assert.Single(await Smtp.WaitForMessagesAsync(1));
        await second.WaitUntilAsync(async () => (await second.OutboxAsync()).Single().State == OutboxState.Done);

        Assert.StartsWith($"report-{id:N}.", mail.MessageId);
    }

    [Fact]
    public async Task A_claim_left_by_a_crashed_dispatcher_is_taken_again_once_its_lease_expires()
    {
        Smtp.Start();
        var app = StartApp();
        var now = app.Time.GetUtcNow();
        var report = await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await Smtp.WaitForMessagesAsync(1);
        // Play back the state a crash between claim and send leaves: claimed, not done.
        await app.QueryAsync(db => db.Outbox.ExecuteUpdateAsync(s => s
            .SetProperty(m => m.State, OutboxState.Pending)
            .SetProperty(m => m.LeaseOwner, "crashed")
            .SetProperty(m => m.LeaseExpiresAt, now.AddSeconds(120))));

        app.Time.Advance(TimeSpan.FromSeconds(60));
        await app.DispatchOnceAsync();
        Assert.Single(Smtp.Messages);

        app.Time.Advance(TimeSpan.FromSeconds(61));
        await app.DispatchOnceAsync();
        // The background dispatcher, woken by the clock, may be the one that took the row.
        Assert.Equal(2, (await Smtp.WaitForMessagesAsync(2)).Count);
        await app.WaitUntilAsync(async () => (await app.OutboxAsync()).Single().State == OutboxState.Done);
        Assert.Equal(report, (await app.QueryAsync(db => db.Reports.SingleAsync())).Id);
    }

    [Fact]
    public async Task Messages_waiting_for_the_relay_go_out_together_over_one_connection()
    {
        var app = StartApp();
        for (var i = 0; i < 5; i++)
            await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"mistake number {i}"));
        await app.WaitUntilAsync(async () => (await app.OutboxAsync()).All(m => m.State == OutboxState.Pending && m.LeaseOwner == null && m.DueAt > app.Time.GetUtcNow()));

        Smtp.Start();
        await app.AdvanceUntilAsync(async () => Smtp.Messages.Count == 5, TimeSpan.FromSeconds(1));

        Assert.Equal(1, Smtp.Sessions);
    }

    [Fact]
    public async Task Two_dispatchers_racing_for_the_same_rows_send_each_message_once()
    {
        Smtp.Start();
        var app = StartApp();
        await app.SeedReportsAsync(40, app.Time.GetUtcNow());

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (await app.DispatchOnceAsync()) { }
        })));
        await app.WaitUntilAsync(async () => (await app.OutboxAsync()).All(m => m.State == OutboxState.Done));

        Assert.Equal(40, Smtp.Messages.Count);
        Assert.Equal(40, Smtp.Messages.Select(m => m.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task With_parallel_dispatcher_loops_mail_goes_out_over_several_connections_at_once_and_each_message_once()
    {
        Smtp.Start();
        var app = StartApp(new() { ["Outbox:Parallelism"] = "4", ["Outbox:BatchSize"] = "5" });
        await app.SeedReportsAsync(40, app.Time.GetUtcNow());

        app.Services.GetRequiredService<OutboxSignal>().Wake();
        await Smtp.WaitForMessagesAsync(40);
        await app.WaitUntilAsync(async () => (await app.OutboxAsync()).All(m => m.State == OutboxState.Done));

        Assert.Equal(40, Smtp.Messages.Select(m => m.MessageId).Distinct().Count());
        Assert.InRange(Smtp.MostOpenSessions, 2, 4);
    }
}
