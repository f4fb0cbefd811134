using Corrections.Data;
using Corrections.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Corrections.Tests.Outbox;

public sealed class SmtpLoginTests() : ServiceTest(TestRelay.Down)
{
    protected override Dictionary<string, string?> Settings => new()
    {
        ["Mail:Smtp:UserName"] = "corrections",
        ["Mail:Smtp:Password"] = "relay-password",
        ["Outbox:PollIntervalSeconds"] = "3600",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Smtp.RequireLogin("corrections", "relay-password");
        Smtp.Start();
    }

    [Fact]
    public async Task A_refused_login_stops_the_batch_after_one_try_logs_an_error_and_the_batch_retries_together()
    {
        Smtp.RefuseLogins = true;
        var due = App.Time.GetUtcNow().AddMinutes(1);
        await App.SeedReportsAsync(4, due);
        App.Time.SetUtcNow(due);

        await App.DispatchOnceAsync();

        Assert.Equal(1, Smtp.Sessions);
        Assert.InRange(Smtp.LoginAttempts, 1, 2); // MailKit tries each mechanism the relay offers: PLAIN, then LOGIN
        Assert.Equal(0, Smtp.Deliveries);
        var rows = await App.OutboxAsync();
        Assert.All(rows, m => Assert.Equal(OutboxState.Pending, m.State));
        Assert.All(rows, m => Assert.Null(m.LeaseOwner));
        Assert.Equal([1, 0, 0, 0], rows.Select(m => m.Attempts));
        Assert.Contains("Authentication", rows[0].LastError);
        Assert.All(rows, m => Assert.Equal(rows[0].DueAt, m.DueAt));
        Assert.True(rows[0].DueAt > App.Time.GetUtcNow());
        Assert.Contains(App.Log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("refused the login of corrections"));

        Smtp.RefuseLogins = false;
        App.Time.SetUtcNow(rows[0].DueAt);
        await App.DispatchOnceAsync();

        Assert.Equal(4, Smtp.Messages.Count);
        Assert.Equal(2, Smtp.Sessions);
        Assert.All(await App.OutboxAsync(), m => Assert.Equal(OutboxState.Done, m.State));
    }
}
