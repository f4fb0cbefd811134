using Corrections.Data;
using Corrections.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Corrections.Tests.Outbox;

public sealed class SmtpLoginTests : IAsyncLifetime
{
    private readonly TestData data = new();
    private readonly TestSmtpServer smtp = TestSmtpServer.Reserve();
    private CorrectionsApp app = null!;

    public Task InitializeAsync()
    {
        smtp.RequireLogin("corrections", "relay-password");
        smtp.Start();
        app = new CorrectionsApp(data, smtp, settings: new Dictionary<string, string?>
        {
            ["Mail:Smtp:UserName"] = "corrections",
            ["Mail:Smtp:Password"] = "relay-password",
            ["Outbox:PollIntervalSeconds"] = "3600",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await app.DisposeAsync();
        await smtp.DisposeAsync();
        data.Dispose();
    }

    [Fact]
    public async Task A_refused_login_stops_the_batch_after_one_try_logs_an_error_and_the_batch_retries_together()
    {
        smtp.RefuseLogins = true;
        var due = app.Time.GetUtcNow().AddMinutes(1);
        await app.SeedReportsAsync(4, due);
        app.Time.SetUtcNow(due);

        await app.DispatchOnceAsync();

        Assert.Equal(1, smtp.Sessions);
        Assert.InRange(smtp.LoginAttempts, 1, 2); // MailKit tries each mechanism the relay offers: PLAIN, then LOGIN
        Assert.Equal(0, smtp.Deliveries);
        var rows = await app.OutboxAsync();
        Assert.All(rows, m => Assert.Equal(OutboxState.Pending, m.State));
        Assert.All(rows, m => Assert.Null(m.LeaseOwner));
        Assert.Equal([1, 0, 0, 0], rows.Select(m => m.Attempts));
        Assert.Contains("Authentication", rows[0].LastError);
        Assert.All(rows, m => Assert.Equal(rows[0].DueAt, m.DueAt));
        Assert.True(rows[0].DueAt > app.Time.GetUtcNow());
        Assert.Contains(app.Log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("refused the login of corrections"));

        smtp.RefuseLogins = false;
        app.Time.SetUtcNow(rows[0].DueAt);
        await app.DispatchOnceAsync();

        Assert.Equal(4, smtp.Messages.Count);
        Assert.Equal(2, smtp.Sessions);
        Assert.All(await app.OutboxAsync(), m => Assert.Equal(OutboxState.Done, m.State));
    }
}
