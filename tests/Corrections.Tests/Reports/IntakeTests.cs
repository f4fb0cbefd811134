using System.Diagnostics.Metrics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using Corrections.Data;
using Corrections.Features.Reports.Submit;
using Corrections.Outbox;
using Corrections.Telemetry;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Corrections.Tests.Reports;

/// <summary>
/// On SQLite the submissions of a burst are taken into the intake, one row a group, answered once it is on disk, and
/// sorted into their reports after the burst; meanwhile repeats and readers of the same passage still find them.
/// </summary>
public sealed class IntakeTests : IAsyncLifetime
{
    private readonly TestData data = new(Corrections.Configuration.DatabaseProvider.Sqlite);
    private CorrectionsApp app = null!;

    public Task InitializeAsync()
    {
        app = new CorrectionsApp(data);
        _ = app.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await app.DisposeAsync();
        data.Dispose();
    }

    /// <summary>Keeps a burst going, as the outbox dispatcher and the writer see one, until disposed.</summary>
    private static IDisposable BurstGoesOn(CorrectionsApp service)
    {
        var inFlight = service.Services.GetRequiredService<SubmissionsInFlight>();
        for (var i = 0; i < SubmissionsInFlight.Burst; i++)
            inFlight.Add();
        return new EndOfBurst(inFlight);
    }

    private sealed class EndOfBurst(SubmissionsInFlight inFlight) : IDisposable
    {
        private int ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref ended, 1) == 1)
                return;
            for (var i = 0; i < SubmissionsInFlight.Burst; i++)
                inFlight.Remove();
        }
    }

    private static Task<int> UnsortedGroupsAsync(CorrectionsApp service) => service.QueryAsync(db => db.Intake.CountAsync(g => g.SortError == null));

    [Fact]
    public async Task Submissions_during_a_burst_are_answered_from_the_intake_and_sorted_into_reports_and_mail_after_it()
    {
        using var taken = new MetricCollector<long>(app.Services.GetRequiredService<IMeterFactory>(), CorrectionsMetrics.MeterName, "corrections_intake_taken");
        var burst = BurstGoesOn(app);

        var ids = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => app.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"mistake {i}"))));

        Assert.Equal(30, taken.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.True(await UnsortedGroupsAsync(app) > 0);
        Assert.Equal(0, await app.QueryAsync(db => db.Reports.CountAsync()));
        Assert.Empty(await app.OutboxAsync());

        burst.Dispose();
        await app.WaitUntilAsync(async () => await app.QueryAsync(db => db.Reports.CountAsync()) == 30);
        var stored = await app.QueryAsync(db => db.Reports.Select(r => r.Id).ToListAsync());
        Assert.Equal(ids.Order(), stored.Order());
        Assert.Equal(30, await app.QueryAsync(db => db.ReportSubmissions.CountAsync()));
        Assert.Equal(0, await app.QueryAsync(db => db.Intake.CountAsync()));
        await app.WaitUntilAsync(async () => (await app.OutboxAsync()).Count(m => m.State == OutboxState.Done) == 30);
    }

    [Fact]
    public async Task A_repeat_and_another_readers_duplicate_find_a_report_still_in_the_intake()
    {
        var burst = BurstGoesOn(app);
        var first = Infrastructure.Reports.Valid(clientRequestId: "first-reader", exact: "teh");
        var id = await app.SubmitAcceptedAsync(first);

        Assert.Equal(id, await app.SubmitAcceptedAsync(first));
        Assert.Equal(id, await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid(clientRequestId: "second-reader", exact: "teh")));
        Assert.Equal(0, await app.QueryAsync(db => db.Reports.CountAsync()));

        burst.Dispose();
        await app.WaitUntilAsync(async () => await UnsortedGroupsAsync(app) == 0);
        var report = await app.QueryAsync(db => db.Reports.Include(r => r.Submissions).SingleAsync());
        Assert.Equal(id, report.Id);
        Assert.Equal(2, report.ReaderCount);
        Assert.Equal(["first-reader", "second-reader"], report.Submissions.Select(s => s.ClientRequestId).Order());
        Assert.Single(await app.OutboxAsync());
    }

    [Fact]
    public async Task Readers_in_the_intake_who_join_a_report_stored_before_are_added_to_its_count()
    {
        var id = await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "teh"));
        var burst = BurstGoesOn(app);

        await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ => Assert.Equal(id, await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "teh")))));
        Assert.Equal(1, await app.QueryAsync(db => db.Reports.Where(r => r.Id == id).Select(r => r.ReaderCount).SingleAsync()));

        burst.Dispose();
        await app.WaitUntilAsync(async () => await app.QueryAsync(db => db.Reports.Where(r => r.Id == id).Select(r => r.ReaderCount).SingleAsync()) == 6);
        Assert.Equal(6, await app.QueryAsync(db => db.ReportSubmissions.CountAsync()));
    }

    [Fact]
    public async Task A_burst_that_lasts_is_sorted_once_its_first_group_has_waited_a_minute()
    {
        using var burst = BurstGoesOn(app);
        await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "early"));
        await Task.Delay(100);
        Assert.Equal(0, await app.QueryAsync(db => db.Reports.CountAsync()));

        app.Time.Advance(SubmissionIntake.SortWithin);

        await app.WaitUntilAsync(async () => await app.QueryAsync(db => db.Reports.CountAsync()) == 1);
    }

    [Fact]
    public async Task A_burst_that_goes_on_past_the_intakes_limits_is_sorted_a_few_groups_at_a_time()
    {
        using var sorted = new MetricCollector<long>(app.Services.GetRequiredService<IMeterFactory>(), CorrectionsMetrics.MeterName, "corrections_intake_sorted");
        using var burst = BurstGoesOn(app);
        const int groups = 13, readers = 10; // in groups of 10 at most, as readers' reports come
        var count = groups * readers;
        for (var g = 0; g < groups; g++)
            await Task.WhenAll(Enumerable.Range(0, readers).Select(i => app.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"mistake {g}.{i}"))));

        app.Time.Advance(SubmissionIntake.SortWithin);

        await app.WaitUntilAsync(async () => await app.QueryAsync(db => db.Reports.CountAsync()) == count);
        var steps = sorted.GetMeasurementSnapshot();
        Assert.Equal(count, steps.Sum(m => m.Value));
        // Whole groups, so a step may pass the chunk by less than a group; a reader waits for a step, not for the lot.
        Assert.True(steps.Count >= 2, $"sorted in {steps.Count} step(s)");
        Assert.All(steps, m => Assert.True(m.Value < SubmissionIntake.OverdueSortChunk + readers));
    }

    [Fact]
    public async Task Erasing_a_readers_address_erases_it_from_submissions_still_in_the_intake()
    {
        using var burst = BurstGoesOn(app);
        await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "teh"));

        var response = await app.CreateAdminClient().DeleteAsync("/api/readers/reader@example.net");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, (await response.Content.ReadFromJsonAsync<EraseReaderResultBody>())!.Erased);
        Assert.Null(await app.QueryAsync(db => db.ReportSubmissions.Select(s => s.ReaderEmail).SingleAsync()));
    }

    private sealed record EraseReaderResultBody(int Erased);

    [Fact]
    public async Task Groups_left_in_the_intake_by_a_stopped_service_are_found_by_repeats_and_sorted_after_the_restart()
    {
        using var restarted = new TestData(Corrections.Configuration.DatabaseProvider.Sqlite);
        var resent = Infrastructure.Reports.Valid(clientRequestId: "sent-before-the-restart", exact: "teh");
        Guid id;
        await using (var before = new CorrectionsApp(restarted))
        {
            using var burst = BurstGoesOn(before);
            id = await before.SubmitAcceptedAsync(resent);
            await before.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "another"));
        }
        await using var after = new CorrectionsApp(restarted);
        Assert.Equal(id, await after.SubmitAcceptedAsync(resent));

        await after.WaitUntilAsync(async () => await after.QueryAsync(db => db.Reports.CountAsync()) == 2);
        Assert.Equal(0, await after.QueryAsync(db => db.Intake.CountAsync()));
        Assert.Equal(2, await after.QueryAsync(db => db.ReportSubmissions.CountAsync()));
    }

    [Fact]
    public async Task An_intake_row_that_cannot_be_read_is_set_aside_with_the_reason_and_the_others_are_sorted()
    {
        using var restarted = new TestData(Corrections.Configuration.DatabaseProvider.Sqlite);
        await using (var before = new CorrectionsApp(restarted))
        {
            using var burst = BurstGoesOn(before);
            await before.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "teh"));
            Assert.Equal(1, await UnsortedGroupsAsync(before));
            await before.QueryAsync(async db =>
            {
                db.Intake.Add(new IntakeGroup { Rows = "{ not what the writer wrote"u8.ToArray(), TakenAt = before.Time.GetUtcNow() });
                db.Intake.Add(new IntakeGroup { Rows = "neither JSON nor compressed"u8.ToArray(), TakenAt = before.Time.GetUtcNow() });
                return await db.SaveChangesAsync();
            });
        }

        await using var after = new CorrectionsApp(restarted);
        _ = after.Server;

        await after.WaitUntilAsync(async () => await after.QueryAsync(db => db.Reports.CountAsync()) == 1);
        var setAside = await after.QueryAsync(db => db.Intake.OrderBy(g => g.Id).ToListAsync());
        Assert.Collection(setAside,
            damagedJson => Assert.StartsWith("JsonException", damagedJson.SortError),
            notCompressed => Assert.StartsWith("InvalidDataException", notCompressed.SortError));
        foreach (var group in setAside)
            Assert.Contains(after.Logs.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error && l.Message.Contains($"Intake group {group.Id} cannot be read"));
    }

    [Fact]
    public async Task A_group_is_stored_compressed_and_one_stored_as_plain_json_by_an_earlier_version_is_sorted_all_the_same()
    {
        using var restarted = new TestData(Corrections.Configuration.DatabaseProvider.Sqlite);
        var report = Infrastructure.Reports.Valid(clientRequestId: "stored-as-json", exact: "teh");
        Guid id;
        await using (var before = new CorrectionsApp(restarted))
        {
            using var burst = BurstGoesOn(before);
            id = await before.SubmitAcceptedAsync(report);
            await before.QueryAsync(async db =>
            {
                var group = await db.Intake.SingleAsync();
                Assert.NotEqual((byte)'{', group.Rows[0]);
                using var zlib = new ZLibStream(new MemoryStream(group.Rows), CompressionMode.Decompress);
                using var json = new MemoryStream();
                await zlib.CopyToAsync(json);
                group.Rows = json.ToArray();
                Assert.Equal((byte)'{', group.Rows[0]);
                return await db.SaveChangesAsync();
            });
        }

        await using var after = new CorrectionsApp(restarted);
        Assert.Equal(id, await after.SubmitAcceptedAsync(report));
        await after.WaitUntilAsync(async () => await after.QueryAsync(db => db.Reports.CountAsync()) == 1);
        Assert.Equal(0, await after.QueryAsync(db => db.Intake.CountAsync()));
        Assert.Equal("teh", await after.QueryAsync(db => db.Reports.Select(r => r.Exact).SingleAsync()));
    }

    [Fact]
    public async Task A_group_that_became_unreadable_while_the_service_ran_is_set_aside_and_the_writer_goes_on()
    {
        var burst = BurstGoesOn(app);
        await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "teh"));
        await app.QueryAsync(db => db.Intake.ExecuteUpdateAsync(set => set.SetProperty(g => g.Rows, "damaged"u8.ToArray())));

        burst.Dispose();
        await app.WaitUntilAsync(async () => await app.QueryAsync(db => db.Intake.CountAsync(g => g.SortError != null)) == 1);
        await app.IntakeSortedAsync();

        await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "after it"));
        Assert.Equal(["after it"], await app.QueryAsync(db => db.Reports.Select(r => r.Exact).ToListAsync()));
        Assert.Contains(app.Logs.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Warning && l.Message.Contains("they are forgotten"));
    }

    [Fact]
    public async Task A_full_intake_takes_only_groups_that_join_its_reports_and_the_others_go_straight_into_their_tables()
    {
        using var own = new TestData(Corrections.Configuration.DatabaseProvider.Sqlite);
        await using var service = new CorrectionsApp(own, settings: new Dictionary<string, string?> { ["Database:IntakeLimit"] = "10" });
        var storedBefore = await service.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "stored before"));
        var burst = BurstGoesOn(service);
        var first = Infrastructure.Reports.Valid(clientRequestId: "first-in-the-intake", exact: "in the intake 0");
        var inIntake = new List<Guid> { await service.SubmitAcceptedAsync(first) };
        for (var i = 1; i < 9; i++)
            inIntake.Add(await service.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"in the intake {i}")));
        Assert.Equal(storedBefore, await service.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "stored before")));
        Assert.Equal(1, await service.QueryAsync(db => db.Reports.CountAsync()));

        // Full: a new passage goes straight into the tables, and so does a reader of a report stored before.
        var straight = await service.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "straight into the table"));
        service.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(storedBefore, await service.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "stored before")));
        var lastReader = service.Time.GetUtcNow();
        Assert.Equal(new[] { storedBefore, straight }.Order(), (await service.QueryAsync(db => db.Reports.Select(r => r.Id).ToListAsync())).Order());
        Assert.Equal(2, await service.QueryAsync(db => db.Reports.Where(r => r.Id == storedBefore).Select(r => r.ReaderCount).SingleAsync()));
        Assert.Equal(2, await service.QueryAsync(db => db.Outbox.CountAsync()));

        // A reader of a report in the intake goes in behind it; a repeat gets its answer.
        Assert.Equal(inIntake[3], await service.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "in the intake 3")));
        Assert.Equal(inIntake[0], await service.SubmitAcceptedAsync(first));
        Assert.Equal(2, await service.QueryAsync(db => db.Reports.CountAsync()));
        Assert.Equal(11, service.Services.GetRequiredService<SubmissionIntake>().Unsorted);

        burst.Dispose();
        await service.WaitUntilAsync(async () => await UnsortedGroupsAsync(service) == 0);
        Assert.Equal(11, await service.QueryAsync(db => db.Reports.CountAsync()));
        Assert.Equal(2, await service.QueryAsync(db => db.Reports.Where(r => r.Id == inIntake[3]).Select(r => r.ReaderCount).SingleAsync()));
        // The reader sorted from the intake came before the one who went straight in: the report keeps the later time.
        var joined = await service.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == storedBefore));
        Assert.Equal(3, joined.ReaderCount);
        Assert.Equal(lastReader, joined.UpdatedAt, TimeSpan.FromMilliseconds(1));
        Assert.Equal(14, await service.QueryAsync(db => db.ReportSubmissions.CountAsync()));
        Assert.Equal(11, await service.QueryAsync(db => db.Outbox.CountAsync()));
    }

    [Fact]
    public async Task Readers_who_join_a_full_intakes_report_take_it_at_most_a_group_past_its_limit_before_it_is_sorted_as_they_come()
    {
        using var own = new TestData(Corrections.Configuration.DatabaseProvider.Sqlite);
        await using var service = new CorrectionsApp(own, settings: new Dictionary<string, string?> { ["Database:IntakeLimit"] = "10" });
        var intake = service.Services.GetRequiredService<SubmissionIntake>();
        using var burst = BurstGoesOn(service);
        var viral = await service.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "viral"));
        for (var i = 1; i < 10; i++)
            await service.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"in the intake {i}"));

        var readers = SubmissionWriter.MaxBatch + 20;
        for (var i = 0; i < readers; i++)
        {
            Assert.Equal(viral, await service.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "viral")));
            Assert.True(intake.Unsorted <= 10 + SubmissionWriter.MaxBatch, $"{intake.Unsorted} submissions unsorted");
        }

        // Sorted while the burst goes on; the readers who came after it joined the report in its table.
        Assert.True(await service.QueryAsync(db => db.Reports.AnyAsync(r => r.Id == viral)));
        await service.IntakeSortedAsync();
        Assert.Equal(1 + readers, await service.QueryAsync(db => db.Reports.Where(r => r.Id == viral).Select(r => r.ReaderCount).SingleAsync()));
    }

    /// <summary>An intake of <paramref name="limit"/> that took <paramref name="count"/> new reports at <paramref name="at"/>.</summary>
    private static SubmissionIntake IntakeHolding(int limit, int count, DateTimeOffset at)
    {
        var intake = new SubmissionIntake(
            Microsoft.Extensions.Options.Options.Create(new Corrections.Configuration.DatabaseOptions { IntakeLimit = limit }),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<SubmissionIntake>.Instance);
        var reports = Enumerable.Range(0, count).Select(i => new Report
        {
            Id = Guid.CreateVersion7(), SiteKey = "demo", Url = $"https://news.example.org/a/{i}", DuplicateKey = $"{i:x20}",
            Exact = $"passage {i}", ReplyToken = $"token-{i}", Status = ReportStatus.New,
        }).ToList();
        intake.Remember(reports, [.. reports.Select(r => new ReportSubmission { ReportId = r.Id, SiteKey = "demo", ClientRequestId = r.Id.ToString() })], [.. Enumerable.Range(0, count).Select(i => (ulong)i)], at);
        return intake;
    }

    [Fact]
    public void The_intake_takes_only_groups_that_join_its_reports_once_it_is_full_or_has_held_a_group_a_minute()
    {
        var at = DateTimeOffset.UnixEpoch;
        Assert.False(IntakeHolding(limit: 10, count: 9, at).TakesOnlyJoiners(at + SubmissionIntake.SortWithin - TimeSpan.FromSeconds(1)));
        Assert.True(IntakeHolding(limit: 10, count: 10, at).TakesOnlyJoiners(at));
        Assert.True(IntakeHolding(limit: 10, count: 1, at).TakesOnlyJoiners(at + SubmissionIntake.SortWithin));
    }

    [Fact]
    public void The_intake_is_sorted_during_a_burst_once_it_has_held_a_group_a_minute_or_is_a_whole_group_past_its_limit()
    {
        var at = DateTimeOffset.UnixEpoch;
        Assert.False(IntakeHolding(limit: 10, count: 10 + SubmissionWriter.MaxBatch - 1, at).Overdue(at));
        Assert.True(IntakeHolding(limit: 10, count: 10 + SubmissionWriter.MaxBatch, at).Overdue(at));
        Assert.True(IntakeHolding(limit: 10, count: 1, at).Overdue(at + SubmissionIntake.SortWithin));
    }

    [Fact]
    public async Task With_the_intake_turned_off_a_burst_is_written_straight_into_the_tables()
    {
        using var own = new TestData(Corrections.Configuration.DatabaseProvider.Sqlite);
        await using var straight = new CorrectionsApp(own, settings: new Dictionary<string, string?> { ["Database:IntakeDuringBursts"] = "false" });
        using var burst = BurstGoesOn(straight);

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => straight.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"mistake {i}"))));

        Assert.Equal(10, await straight.QueryAsync(db => db.Reports.CountAsync()));
        Assert.Equal(0, await straight.QueryAsync(db => db.Intake.CountAsync()));
    }
}
