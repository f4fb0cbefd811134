using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Corrections.Data;
using Corrections.Health;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Health;

public sealed class HealthTests() : ServiceTest(TestRelay.Down)
{
    private static async Task<(HttpStatusCode Status, JsonObject Body)> ReadyAsync(CorrectionsApp app)
    {
        var response = await app.CreateClient().GetAsync("/health/ready");
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonObject>())!);
    }

    [Fact]
    public async Task Live_answers_200_Healthy_and_runs_no_check()
    {
        var app = NewApp();

        var response = await app.CreateClient().GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("Healthy", (string?)body!["status"]);
        Assert.Empty(body["checks"]!.AsObject());
    }

    [Fact]
    public async Task Ready_reports_the_database_the_outbox_backlog_and_the_age_of_the_oldest_due_message()
    {
        var app = NewApp(new() { ["Outbox:PollIntervalSeconds"] = "3600" });
        var start = app.Time.GetUtcNow();
        await app.SeedReportsAsync(2, start + TimeSpan.FromMinutes(10));
        await app.SeedReportsAsync(1, start + TimeSpan.FromMinutes(11));
        await app.SeedReportsAsync(1, start + TimeSpan.FromMinutes(22));
        // Held by another instance: this service's dispatcher, which looks once as it starts, whenever that is, leaves
        // them alone (it could not mail them: this test's relay is not running), and they count all the same.
        await app.QueryAsync(db => db.Outbox.ExecuteUpdateAsync(s => s
            .SetProperty(m => m.LeaseOwner, "another-instance")
            .SetProperty(m => m.LeaseExpiresAt, (DateTimeOffset?)(start + TimeSpan.FromHours(1)))));
        app.Time.SetUtcNow(start + TimeSpan.FromMinutes(11.5)); // two 90 s late, one 30 s late, one due in 10.5 minutes

        var (status, body) = await ReadyAsync(app);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", (string?)body["status"]);
        Assert.Equal("Healthy", (string?)body["checks"]!["database"]!["status"]);
        var outbox = body["checks"]!["outbox"]!["data"]!;
        Assert.Equal(4, (int?)outbox["backlog"]);
        Assert.Equal(3, (int?)outbox["due"]);
        Assert.Equal(90, (double?)outbox["oldestDueAgeSeconds"]);
        Assert.Equal(0, (int?)outbox["parked"]);
        Assert.Equal(OutboxHealthCheck.CountLimit, (int?)outbox["countLimit"]);
    }

    [Fact]
    public async Task Ready_counts_a_backlog_up_to_its_limit_and_says_that_there_are_more()
    {
        var app = NewApp(new() { ["Outbox:PollIntervalSeconds"] = "3600" });
        var tomorrow = app.Time.GetUtcNow().AddDays(1);
        await app.QueryAsync(db =>
        {
            db.Outbox.AddRange(Enumerable.Range(0, OutboxHealthCheck.CountLimit + 1).Select(_ => new OutboxMessage
            {
                Type = "ReportSubmitted", Payload = "{}", State = OutboxState.Pending, CreatedAt = tomorrow, DueAt = tomorrow,
            }));
            return db.SaveChangesAsync();
        });

        var (status, body) = await ReadyAsync(app);

        Assert.Equal(HttpStatusCode.OK, status);
        var outbox = body["checks"]!["outbox"]!;
        Assert.Equal(OutboxHealthCheck.CountLimit, (int?)outbox["data"]!["backlog"]);
        Assert.Equal(0, (int?)outbox["data"]!["due"]);
        Assert.StartsWith($"{OutboxHealthCheck.CountLimit} or more message(s) waiting, 0 of them due", (string?)outbox["description"]);
    }

    [Fact]
    public async Task Ready_is_degraded_once_SMTP_has_failed_for_more_than_5_minutes_and_healthy_again_after_a_mail_goes_out()
    {
        var app = NewApp();
        await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await app.WaitUntilAsync(async () => (await app.OutboxAsync()).Single().Attempts >= 1);

        app.Time.Advance(TimeSpan.FromMinutes(4));
        var (earlyStatus, early) = await ReadyAsync(app);
        Assert.Equal(HttpStatusCode.OK, earlyStatus);
        Assert.Equal("Healthy", (string?)early["checks"]!["smtp"]!["status"]);
        Assert.NotNull(early["checks"]!["smtp"]!["data"]!["failingSince"]);

        app.Time.Advance(TimeSpan.FromMinutes(2));
        var (degradedStatus, degraded) = await ReadyAsync(app);
        Assert.Equal(HttpStatusCode.OK, degradedStatus);
        Assert.Equal("Degraded", (string?)degraded["status"]);
        Assert.Equal("Degraded", (string?)degraded["checks"]!["smtp"]!["status"]);
        Assert.True((double?)degraded["checks"]!["smtp"]!["data"]!["failingForSeconds"] > 300);

        Smtp.Start();
        await app.AdvanceUntilAsync(async () => (await app.OutboxAsync()).Single().State == OutboxState.Done, TimeSpan.FromSeconds(30));
        var (_, recovered) = await ReadyAsync(app);
        Assert.Equal("Healthy", (string?)recovered["status"]);
        Assert.NotNull(recovered["checks"]!["smtp"]!["data"]!["lastSuccessAt"]);
        Assert.Null(recovered["checks"]!["smtp"]!["data"]!["failingSince"]);
    }
}
