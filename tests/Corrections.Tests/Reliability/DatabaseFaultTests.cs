using Corrections.Features.Notifications;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Corrections.Data;
using Corrections.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Reliability;

/// <summary>The database locked by another writer, or not there at all, for a while.</summary>
[Collection(ServiceProcessCollection.Name)]
public sealed class DatabaseFaultTests : ServiceTest
{
    [SkippableFact]
    public async Task While_the_database_is_locked_submissions_get_503_with_Retry_After_nothing_is_half_stored_and_the_service_recovers()
    {
        Skip.If(Data.Provider != Corrections.Configuration.DatabaseProvider.Sqlite, "These faults are played with the SQLite file (an exclusive lock, a missing folder); tests/run.sh runs them on SQLite");
        var service = await StartProcessAsync(new Dictionary<string, string?> { ["Database:BusyTimeoutSeconds"] = "1" });
        var before = await service.Client.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "the first mistake"));
        await service.WaitUntilAsync(async () => (await Data.OutboxAsync()).Single().State == OutboxState.Done, what: "The first row done");
        var reports = Enumerable.Range(0, 3).Select(i => Infrastructure.Reports.Valid(exact: $"mistake number {i}")).ToList();

        await using (var locker = new SqliteConnection($"Data Source={Data.DatabasePath};Pooling=False"))
        {
            await locker.OpenAsync();
            await locker.ExecuteAsync("BEGIN EXCLUSIVE;");
            foreach (var report in reports)
            {
                using var refused = await service.Client.SubmitAsync(report);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
                Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);
                Assert.Equal(503, (int?)(await refused.Content.ReadFromJsonAsync<JsonObject>())!["status"]);
            }
            await locker.ExecuteAsync("ROLLBACK;");
        }

        Assert.Equal([before], await Data.QueryAsync(db => db.Reports.Select(r => r.Id).ToListAsync()));
        Assert.Equal(1, await Data.QueryAsync(db => db.ReportSubmissions.CountAsync()));
        Assert.Single(await Data.OutboxAsync());

        // The same requests again, as a browser would after Retry-After: each is taken, stored once and mailed once.
        var after = new List<Guid>();
        foreach (var report in reports)
            after.Add(await service.Client.SubmitAcceptedAsync(report));
        await service.WaitUntilAsync(async () => (await Data.OutboxAsync()) is { Count: 4 } rows && rows.All(m => m.State == OutboxState.Done), what: "Every row done");
        Assert.Equal(after.Append(before).Order(), Smtp.MailedReports.Order());
    }

    [SkippableFact]
    public async Task A_mail_that_went_out_while_the_database_was_locked_is_recorded_once_the_lock_is_gone_and_not_sent_again()
    {
        Skip.If(Data.Provider != Corrections.Configuration.DatabaseProvider.Sqlite, "These faults are played with the SQLite file (an exclusive lock, a missing folder); tests/run.sh runs them on SQLite");
        Smtp.HoldMessages();
        var service = await StartProcessAsync(new Dictionary<string, string?>
        {
            ["Database:BusyTimeoutSeconds"] = "1",
            ["Mail:Smtp:TimeoutSeconds"] = "120",
        });
        var id = await service.Client.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await service.WaitUntilAsync(() => Task.FromResult(Smtp.MessagesHeld == 1), what: "The mail on the wire");

        await using (var locker = new SqliteConnection($"Data Source={Data.DatabasePath};Pooling=False"))
        {
            await locker.OpenAsync();
            await locker.ExecuteAsync("BEGIN EXCLUSIVE;");
            Smtp.ReleaseMessages();
            await service.WaitForOutputAsync("Recording the outcome of outbox message 1 (ReportSubmitted) failed", count: 2);
            await locker.ExecuteAsync("ROLLBACK;");
        }

        await service.WaitUntilAsync(async () => (await Data.OutboxAsync()).Single().State == OutboxState.Done, what: "The row done");
        var row = (await Data.OutboxAsync()).Single();
        Assert.Equal(1, row.Attempts);
        Assert.Null(row.LeaseOwner);
        Assert.Equal(id, Assert.Single(Smtp.MailedReports));
        Assert.Equal(1, Smtp.Deliveries);
    }

    [SkippableFact]
    public async Task While_the_database_file_cannot_be_opened_submissions_get_503_readiness_fails_and_both_recover_when_it_is_back()
    {
        Skip.If(Data.Provider != Corrections.Configuration.DatabaseProvider.Sqlite, "These faults are played with the SQLite file (an exclusive lock, a missing folder); tests/run.sh runs them on SQLite");
        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "the first mistake"));
        await App.WaitUntilAsync(async () => (await App.OutboxAsync()).Single().State == OutboxState.Done);
        var client = App.CreateClient();
        var away = Data.Folder + "-away";

        // New connections cannot open a file whose folder is gone; idle pooled ones would still reach it.
        App.ClearSqlitePools();
        Directory.Move(Data.Folder, away);
        try
        {
            using var refused = await App.SubmitAsync(Infrastructure.Reports.Valid(exact: "a second mistake"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);
            using var notReady = await client.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        }
        finally
        {
            App.ClearSqlitePools();
            Directory.Move(away, Data.Folder);
        }

        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "a second mistake"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(2, await App.QueryAsync(db => db.Reports.CountAsync()));
        Assert.Equal(2, await App.QueryAsync(db => db.Outbox.CountAsync()));
    }
}
