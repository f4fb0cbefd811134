using System.Diagnostics;
using System.Net;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Corrections.Tests.Outbox;

/// <summary>
/// The dispatcher gives way to readers' submissions: before each mail it waits, up to Outbox:GiveWayMilliseconds, until
/// no submission is in flight. A submission is kept in flight here by holding the sync of SQLite's log, after which the
/// writer answers it.
/// </summary>
public sealed class GiveWayTests : IAsyncLifetime
{
    private readonly TestData data = new();
    private readonly TestSmtpServer smtp = TestSmtpServer.Reserve();
    private readonly GatedLogSync sync = new();
    private CorrectionsApp? app;

    private CorrectionsApp Start(int giveWayMilliseconds)
    {
        smtp.Start();
        app = new CorrectionsApp(data, smtp, settings: new Dictionary<string, string?>
        {
            ["Outbox:GiveWayMilliseconds"] = giveWayMilliseconds.ToString(),
            // The test runs each pass itself; the background dispatcher only wakes after a commit.
            ["Outbox:PollIntervalSeconds"] = "3600",
        })
        {
            ConfigureServices = services => services.Replace(ServiceDescriptor.Singleton<SqliteLogSync>(sync)),
        };
        _ = app.Server;
        return app;
    }

    /// <summary>Submits a report whose answer waits, committed, for the log sync the test holds until it opens it.</summary>
    private async Task<Task<HttpResponseMessage>> KeepASubmissionInFlightAsync(CorrectionsApp app)
    {
        sync.Hold = true;
        var sending = app.SubmitAsync(Infrastructure.Reports.Valid(exact: "in flight"));
        await app.WaitUntilAsync(() => Task.FromResult(sync.Holding));
        return sending;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        sync.Open();
        if (app is not null)
            await app.DisposeAsync();
        await smtp.DisposeAsync();
        data.Dispose();
    }

    [SkippableFact]
    public async Task Mail_waits_while_a_readers_submission_is_in_flight_and_goes_out_once_it_is_answered()
    {
        Skip.If(data.Provider != DatabaseProvider.Sqlite, "The test keeps a submission in flight by holding SQLite's log sync; tests/run.sh runs it on SQLite");
        var app = Start(giveWayMilliseconds: 10_000);
        var seeded = await app.SeedReportsAsync(2, dueAt: app.Time.GetUtcNow());
        var sending = await KeepASubmissionInFlightAsync(app);

        var dispatching = app.DispatchOnceAsync();
        await Task.Delay(1000);

        Assert.Empty(smtp.Messages);
        Assert.False(dispatching.IsCompleted, "the pass did not wait for the submission in flight");
        sync.Open();
        using var answer = await sending;
        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        await dispatching.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Subset(smtp.MailedReports.ToHashSet(), seeded.ToHashSet());
    }

    [SkippableFact]
    public async Task During_a_submission_that_takes_long_mail_still_goes_out_one_message_per_give_way_time()
    {
        Skip.If(data.Provider != DatabaseProvider.Sqlite, "The test keeps a submission in flight by holding SQLite's log sync; tests/run.sh runs it on SQLite");
        var app = Start(giveWayMilliseconds: 300);
        var seeded = await app.SeedReportsAsync(3, dueAt: app.Time.GetUtcNow());
        var sending = await KeepASubmissionInFlightAsync(app);

        var started = Stopwatch.GetTimestamp();
        await app.DispatchOnceAsync().WaitAsync(TimeSpan.FromSeconds(15));
        var took = Stopwatch.GetElapsedTime(started);

        Assert.Equal(seeded.ToHashSet(), smtp.MailedReports.Where(seeded.Contains).ToHashSet());
        Assert.False(sending.IsCompleted, "the submission was answered before the mail went out");
        Assert.True(took >= TimeSpan.FromMilliseconds(3 * 300 - 50), $"the pass took {took.TotalMilliseconds:F0} ms: it did not wait before each message");
    }

    [Fact]
    public async Task Without_submissions_in_flight_mail_goes_out_without_waiting()
    {
        var app = Start(giveWayMilliseconds: 10_000);
        var seeded = await app.SeedReportsAsync(3, dueAt: app.Time.GetUtcNow());

        await app.DispatchOnceAsync().WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(seeded.ToHashSet(), smtp.MailedReports.ToHashSet());
    }
}
