using Corrections.Features.Notifications;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Features.Reports.Submit;
using Corrections.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Reliability;

/// <summary>The service as a real process, killed with SIGKILL in a burst, or stopped with SIGTERM in the middle of its work.</summary>
[Collection(ServiceProcessCollection.Name)]
public sealed class CrashAndShutdownTests : ServiceTest
{
    [Fact]
    public async Task After_kill_9_in_a_burst_every_accepted_report_is_stored_and_mailed_and_only_the_mail_in_flight_can_be_mailed_twice()
    {
        // A slow relay keeps a backlog, so that the kill lands while a batch is claimed and being sent.
        Smtp.DelayEachMessage = TimeSpan.FromMilliseconds(20);
        var service = await StartProcessAsync(new Dictionary<string, string?>
        {
            ["Outbox:BatchSize"] = "10",
            ["Outbox:LeaseSeconds"] = "5",
        });

        var accepted = new ConcurrentBag<Guid>();
        for (var i = 0; i < 3; i++)
            accepted.Add(await service.Client.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"early mistake {i}")));
        await Smtp.WaitForMessagesAsync(3, TimeSpan.FromSeconds(30));

        var unexpected = new ConcurrentBag<HttpStatusCode>();
        var burst = Enumerable.Range(0, 4).Select(client => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                try
                {
                    using var response = await service.Client.SubmitAsync(Infrastructure.Reports.Valid(exact: $"burst mistake {client}-{i}"));
                    if (response.StatusCode == HttpStatusCode.Accepted)
                        accepted.Add(await Infrastructure.Reports.IdOf(response));
                    else
                        unexpected.Add(response.StatusCode);
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException or JsonException)
                {
                    return; // the process is gone; an answer cut off here was never a 202
                }
            }
        })).ToList();

        await service.WaitUntilAsync(() => Task.FromResult(accepted.Count >= 43), what: "A burst under way");
        service.Kill();
        await service.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await Task.WhenAll(burst);

        var inFlightAtKill = await ReportIdsOfLeasedRowsAsync();
        var mailedBeforeKill = Smtp.Messages.Count;

        await service.RestartAsync();
        await service.WaitUntilAsync(async () => (await Data.OutboxAsync()).All(m => m.State == OutboxState.Done),
            TimeSpan.FromSeconds(60), "Every row done after the restart");

        Assert.Empty(unexpected);
        var stored = await Data.QueryAsync(db => db.Reports.Select(r => r.Id).ToListAsync());
        Assert.Subset(stored.ToHashSet(), accepted.ToHashSet());
        Assert.Equal(stored.Count, (await Data.OutboxAsync()).Count);

        var mailed = Smtp.MailedReports.GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(stored, id => Assert.True(mailed.ContainsKey(id), $"report {id} was not mailed"));
        var twice = stored.Where(id => mailed[id] > 1).ToList();
        Assert.All(twice, id => Assert.Contains(id, inFlightAtKill));
        Assert.All(mailed.Values, copies => Assert.InRange(copies, 1, 2));
        // One dispatcher hands over one message at a time: at most one was accepted by the relay and not yet marked done.
        Assert.True(twice.Count <= 1, $"{twice.Count} reports mailed twice; {inFlightAtKill.Count} rows were claimed at the kill");
        Assert.True(mailedBeforeKill > 0 && stored.Count > mailedBeforeKill, "the kill should land in the middle of the work");
    }

    [Fact]
    public async Task After_kill_9_the_restarted_service_mails_what_it_had_claimed_at_once_without_waiting_for_the_lease()
    {
        // Outbox:LeaseSeconds keeps its default, 120 s. The relay never answers, so that a claimed batch stays claimed.
        Smtp.Silent = true;
        var service = await StartProcessAsync(new Dictionary<string, string?>
        {
            ["Mail:Smtp:TimeoutSeconds"] = "600",
            ["ShutdownTimeoutSeconds"] = "3",
        });
        var reports = new List<Guid>();
        for (var i = 0; i < 50; i++)
            reports.Add(await service.Client.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"mistake number {i}")));
        // The first report's mail is claimed alone as it comes; a clean stop releases it, and the next start claims all 50 at once.
        service.Terminate();
        Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await service.RestartAsync();
        await service.WaitUntilAsync(async () => Smtp.OpenSilentConnections == 1
            && (await Data.OutboxAsync()).Count(m => m.LeaseOwner != null) == 50, what: "All 50 mails claimed, the first on the silent relay");

        service.Kill();
        await service.WaitForExitAsync(TimeSpan.FromSeconds(10));
        var killedAt = DateTimeOffset.UtcNow;
        var claimedAtKill = await Data.OutboxAsync();
        Assert.All(claimedAtKill, m =>
        {
            Assert.Equal(OutboxState.Pending, m.State);
            Assert.Equal(claimedAtKill[0].LeaseOwner, m.LeaseOwner);
            Assert.True(m.LeaseExpiresAt > killedAt + TimeSpan.FromSeconds(100), $"lease until {m.LeaseExpiresAt:O}, killed at {killedAt:O}");
        });

        Smtp.Silent = false;
        var restart = Stopwatch.StartNew();
        await service.RestartAsync();
        await service.WaitUntilAsync(async () => (await Data.OutboxAsync()).All(m => m.State == OutboxState.Done), TimeSpan.FromSeconds(120), "Every row done after the restart");
        restart.Stop();

        Assert.True(restart.Elapsed < TimeSpan.FromSeconds(30), $"the 50 mails took {restart.Elapsed} after the restart");
        Assert.Equal(reports.Order(), Smtp.MailedReports.Order());
        Assert.All(await Data.OutboxAsync(), m => Assert.Equal(1, m.Attempts));
        Assert.Contains("Took back 50 outbox message(s)", service.Output);
    }

    [SkippableFact]
    public async Task SIGTERM_lets_in_flight_requests_and_the_mail_on_the_wire_finish_leaves_nothing_claimed_and_exits_in_time()
    {
        Skip.If(Data.Provider != DatabaseProvider.Sqlite, "Locks the SQLite file: this run is on a database server; tests/run.sh runs it in its SQLite run");
        Smtp.HoldMessages();
        var service = await StartProcessAsync(new Dictionary<string, string?>
        {
            ["ShutdownTimeoutSeconds"] = "60",
            ["Database:BusyTimeoutSeconds"] = "60",
            ["Mail:Smtp:TimeoutSeconds"] = "120",
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
        });
        var before = new List<Guid>();
        for (var i = 0; i < 3; i++)
            before.Add(await service.Client.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"mistake number {i}")));
        await service.WaitUntilAsync(() => Task.FromResult(Smtp.MessagesHeld == 1), what: "A mail on the wire, unanswered");

        // Two requests are in the middle of their work when the signal comes: they wait for a lock the test holds.
        var inFlight = new List<Task<HttpResponseMessage>>();
        await using (var locker = new SqliteConnection($"Data Source={Data.DatabasePath};Pooling=False"))
        {
            await locker.OpenAsync();
            await using (var begin = locker.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE;";
                await begin.ExecuteNonQueryAsync();
            }
            for (var i = 0; i < 2; i++)
                inFlight.Add(service.Client.SubmitAsync(Infrastructure.Reports.Valid(exact: $"late mistake {i}")));
            await service.WaitForOutputAsync("Request starting HTTP/1.1 POST", count: 5);

            service.Terminate();
            await service.WaitForOutputAsync("Application is shutting down");
            await using var rollback = locker.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync();
        }
        var late = new List<Guid>();
        foreach (var request in inFlight)
        {
            using var response = await request;
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            late.Add(await Infrastructure.Reports.IdOf(response));
        }
        Smtp.ReleaseMessages();

        Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromSeconds(60)));

        var outbox = await Data.OutboxAsync();
        Assert.All(outbox, m => Assert.Null(m.LeaseOwner));
        Assert.Equal(before[0], Assert.Single(Smtp.MailedReports));
        Assert.Equal(OutboxState.Done, outbox.Single(m => ReportIdOf(m) == before[0]).State);
        Assert.Equal(before.Concat(late).Order(), (await Data.QueryAsync(db => db.Reports.Select(r => r.Id).ToListAsync())).Order());

        await service.RestartAsync();
        await service.WaitUntilAsync(async () => (await Data.OutboxAsync()).All(m => m.State == OutboxState.Done), what: "Every row done after the restart");
        Assert.Equal(before.Concat(late).Order(), Smtp.MailedReports.Order());
    }

    [Fact]
    public async Task SIGTERM_while_the_relay_hangs_cuts_the_mail_off_before_the_shutdown_timeout_releases_it_and_it_is_mailed_after_the_restart()
    {
        Smtp.Silent = true;
        var service = await StartProcessAsync(new Dictionary<string, string?>
        {
            ["ShutdownTimeoutSeconds"] = "3",
            ["Mail:Smtp:TimeoutSeconds"] = "120",
        });
        var id = await service.Client.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await service.WaitUntilAsync(() => Task.FromResult(Smtp.OpenSilentConnections == 1), what: "The dispatcher waiting on the silent relay");

        service.Terminate();

        // Without the cut-off the process would wait for the relay's 120 s timeout.
        Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromSeconds(3 + 12)));
        var row = (await Data.OutboxAsync()).Single();
        Assert.Equal(OutboxState.Pending, row.State);
        Assert.Null(row.LeaseOwner);
        Assert.Equal(0, row.Attempts);
        Assert.Contains("The shutdown timeout ran out while outbox message 1 (ReportSubmitted) was being handled", service.Output);

        Smtp.Silent = false;
        await service.RestartAsync();
        await service.WaitUntilAsync(async () => (await Data.OutboxAsync()).Single().State == OutboxState.Done, what: "The row done after the restart");
        Assert.Equal(id, Assert.Single(Smtp.MailedReports));
    }

    private async Task<HashSet<Guid>> ReportIdsOfLeasedRowsAsync()
    {
        var leased = await Data.QueryAsync(db => db.Outbox.AsNoTracking()
            .Where(m => m.State == OutboxState.Pending && m.LeaseOwner != null)
            .ToListAsync());
        return leased.Select(ReportIdOf).ToHashSet();
    }

    private static Guid ReportIdOf(OutboxMessage message) => JsonSerializer.Deserialize<ReportSubmitted>(message.Payload)!.ReportId;
}
