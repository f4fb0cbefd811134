using System.Diagnostics.Metrics;
using System.Net;
using Corrections.Data;
using Corrections.Features.Reports.Submit;
using Corrections.Storage;
using Mediator;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Corrections.Tests.Reports;

/// <summary>Submissions that arrive together are committed together, and each is answered only after its commit.</summary>
public sealed class GroupCommitTests() : ServiceTest(TestRelay.None)
{
    private readonly CommitGate probe = new();

    protected override void ConfigureServices(IServiceCollection services) =>
        services.ConfigureDbContext<CorrectionsDb>(options => options.AddInterceptors(probe));

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        App.StartServer();
        probe.Armed = true; // the migrations at start-up are not the writer's commits
    }

    public override async Task DisposeAsync()
    {
        probe.Open();
        await base.DisposeAsync();
    }

    private GroupCommitStore Store => App.Services.GetRequiredService<GroupCommitStore>();

    /// <summary>Holds the writer in a batch of its own, so that what is sent meanwhile queues up for the next batch.</summary>
    private async Task<Task<Guid>> HoldTheWriterAsync()
    {
        var held = App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: CommitGate.Hold));
        await App.WaitUntilAsync(() => Task.FromResult(probe.Holding));
        return held;
    }

    private async Task WaitUntilQueuedAsync(int count) =>
        await App.WaitUntilAsync(() => Task.FromResult(Store.Queued >= count));

    [Fact]
    public async Task Many_concurrent_submissions_are_all_stored_once_each()
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"mistake {i}"))));

        Assert.Equal(60, ids.Distinct().Count());
        Assert.Equal(60, await App.QueryAsync(db => db.Reports.CountAsync()));
        Assert.Equal(60, await App.QueryAsync(db => db.ReportSubmissions.CountAsync()));
        Assert.Equal(60, await App.QueryAsync(db => db.Outbox.CountAsync()));
        var stored = await App.QueryAsync(db => db.Reports.Select(r => r.Id).ToListAsync());
        Assert.Equal(ids.Order(), stored.Order());
    }

    [Fact]
    public async Task Submissions_queued_behind_a_commit_are_written_in_one_transaction()
    {
        var held = await HoldTheWriterAsync();
        var queued = Enumerable.Range(0, 20).Select(i => App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"mistake {i}"))).ToList();
        await WaitUntilQueuedAsync(20);
        var commitsBefore = probe.Commits;

        probe.Open();
        await held;
        await Task.WhenAll(queued);

        Assert.Equal(2, probe.Commits - commitsBefore);
        Assert.Equal(21, await App.QueryAsync(db => db.Reports.CountAsync()));
    }

    [Fact]
    public async Task Each_groups_size_and_commit_time_are_measured()
    {
        var meters = App.Services.GetRequiredService<IMeterFactory>();
        using var sizes = new MetricCollector<int>(meters, StorageMetrics.MeterName, "corrections_writer_group_size");
        using var commits = new MetricCollector<double>(meters, StorageMetrics.MeterName, "corrections_writer_commit_duration");
        var held = await HoldTheWriterAsync();
        var queued = Enumerable.Range(0, 20).Select(i => App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"mistake {i}"))).ToList();
        await WaitUntilQueuedAsync(20);

        probe.Open();
        await held;
        await Task.WhenAll(queued);

        Assert.Equal([1, 20], sizes.GetMeasurementSnapshot().Select(m => m.Value));
        Assert.Equal(2, commits.GetMeasurementSnapshot().Count);
        Assert.All(commits.GetMeasurementSnapshot(), m => Assert.True(m.Value > 0));
    }

    [Fact]
    public async Task Within_one_batch_a_resend_is_a_repeat_and_another_readers_duplicate_joins_the_report()
    {
        var held = await HoldTheWriterAsync();
        var resent = Infrastructure.Reports.Valid(clientRequestId: "resent-in-one-batch", exact: "teh");
        var sends = new List<Task<Guid>>
        {
            App.SubmitAcceptedAsync(resent),
            App.SubmitAcceptedAsync(resent),
            App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "teh")),
            App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "teh")),
        };
        await WaitUntilQueuedAsync(4);

        probe.Open();
        await held;
        var ids = await Task.WhenAll(sends);

        Assert.Single(ids.Distinct());
        var report = await App.QueryAsync(db => db.Reports.Include(r => r.Submissions).SingleAsync(r => r.Exact == "teh"));
        Assert.Equal(3, report.ReaderCount);
        Assert.Equal(3, report.Submissions.Count);
        Assert.Single(await App.QueryAsync(db => db.Outbox.Where(m => m.Payload.Contains(report.Id.ToString())).ToListAsync()));
    }

    [Fact]
    public async Task A_submission_that_cannot_be_stored_fails_alone_and_the_rest_of_its_batch_is_stored()
    {
        var held = await HoldTheWriterAsync();
        var good = Enumerable.Range(0, 10).Select(i => App.SubmitAsync(Infrastructure.Reports.Valid(exact: $"mistake {i}"))).ToList();
        var bad = App.SubmitAsync(Infrastructure.Reports.Valid(exact: CommitGate.Unstorable));
        await WaitUntilQueuedAsync(11);

        probe.Open();
        await held;

        Assert.All(await Task.WhenAll(good), r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        Assert.Equal(HttpStatusCode.InternalServerError, (await bad).StatusCode);
        Assert.Equal(11, await App.QueryAsync(db => db.Reports.CountAsync()));
        Assert.Equal(0, await App.QueryAsync(db => db.Reports.CountAsync(r => r.Exact == CommitGate.Unstorable)));
        Assert.Equal(11, await App.QueryAsync(db => db.Outbox.CountAsync()));
    }

    [Fact]
    public async Task The_answer_waits_for_the_commit()
    {
        probe.HoldCommits = true;
        var sending = App.SubmitAsync(Infrastructure.Reports.Valid());
        await App.WaitUntilAsync(() => Task.FromResult(probe.Holding));

        await Task.Delay(200);
        Assert.False(sending.IsCompleted);

        probe.Open();
        Assert.Equal(HttpStatusCode.Accepted, (await sending).StatusCode);
        Assert.Equal(1, await App.QueryAsync(db => db.Reports.CountAsync()));
    }

    [Fact]
    public async Task A_failed_commit_is_not_answered_with_202_and_stores_nothing()
    {
        probe.FailCommits = true;

        var response = await App.SubmitAsync(Infrastructure.Reports.Valid());

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(0, await App.QueryAsync(db => db.Reports.CountAsync()));
        Assert.Equal(0, await App.QueryAsync(db => db.Outbox.CountAsync()));
    }

    [Fact]
    public async Task A_submission_given_up_while_queued_leaves_nothing_behind()
    {
        var held = await HoldTheWriterAsync();
        using var giveUp = new CancellationTokenSource();
        var command = new SubmitReport("demo", "https://news.example.org/a", null, null, "given up", "", "", null, null, null, "given-up");
        await using var scope = App.Services.CreateAsyncScope();
        var writing = scope.ServiceProvider.GetRequiredService<IMediator>().Send(command, giveUp.Token).AsTask();
        await WaitUntilQueuedAsync(1);

        await giveUp.CancelAsync();
        probe.Open();
        await held;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writing);
        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "after it"));
        Assert.Equal(0, await App.QueryAsync(db => db.Reports.CountAsync(r => r.Exact == "given up")));
        Assert.Equal(0, await App.QueryAsync(db => db.ReportSubmissions.CountAsync(s => s.ClientRequestId == "given-up")));
    }
}

/// <summary>One process may hold services on different databases (as this test suite does); each has its own model.</summary>
public sealed class WriterOnTwoProvidersTests
{
    [SkippableFact]
    public async Task Services_on_SQLite_and_on_PostgreSQL_in_one_process_both_store_submissions()
    {
        TestDatabase.SkipWithoutPostgres();
        using var sqliteData = new TestData(Corrections.Configuration.DatabaseProvider.Sqlite);
        using var postgresData = new TestData(Corrections.Configuration.DatabaseProvider.PostgreSql);
        await using var onSqlite = new CorrectionsApp(sqliteData);
        await using var onPostgres = new CorrectionsApp(postgresData);

        for (var i = 0; i < 2; i++)
        {
            await onSqlite.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"mistake {i}"));
            await onPostgres.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"mistake {i}"));
        }

        Assert.Equal(2, await onSqlite.QueryAsync(db => db.Reports.CountAsync()));
        Assert.Equal(2, await onPostgres.QueryAsync(db => db.Reports.CountAsync()));
    }
}
