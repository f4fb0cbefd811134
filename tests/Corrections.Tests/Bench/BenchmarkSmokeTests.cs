extern alias bench;
using System.Net;
using bench::Corrections.Bench;
using Corrections.Data;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Bench;

/// <summary>The benchmark code, run for a few requests so that it keeps working; nothing here is timed.</summary>
public sealed class BenchmarkSmokeTests() : ServiceTest(TestRelay.None)
{
    [Fact]
    public async Task The_load_generator_sends_distinct_reports_that_the_service_stores_each_once()
    {
        var generator = new LoadGenerator(App.CreateClient(), App.Server.BaseAddress, new ReportBodies(ReportBodies.NewRunId()));

        var result = await generator.RunClosedLoopAsync(connections: 2, TimeSpan.FromMinutes(1), TimeSpan.Zero, maxRequests: 10);

        Assert.Equal(10, result.Count(HttpStatusCode.Accepted));
        Assert.True(result.Accepted.P50 <= result.Accepted.P99);
        Assert.Equal(10, await App.QueryAsync(db => db.Reports.CountAsync()));
        Assert.Equal(10, await App.QueryAsync(db => db.Reports.Select(r => r.Exact).Distinct().CountAsync()));
    }

    [Fact]
    public async Task With_a_number_of_passages_the_load_generators_readers_join_that_many_reports()
    {
        var generator = new LoadGenerator(App.CreateClient(), App.Server.BaseAddress, new ReportBodies(ReportBodies.NewRunId(), passages: 2));

        var result = await generator.RunClosedLoopAsync(connections: 2, TimeSpan.FromMinutes(1), TimeSpan.Zero, maxRequests: 10);

        Assert.Equal(10, result.Count(HttpStatusCode.Accepted));
        Assert.Equal(2, await App.QueryAsync(db => db.Reports.CountAsync()));
        Assert.Equal(10, await App.QueryAsync(db => db.Reports.SumAsync(r => r.ReaderCount)));
        Assert.Equal(10, await App.QueryAsync(db => db.ReportSubmissions.CountAsync()));
    }

    [SkippableFact]
    public async Task The_mail_backlog_count_sees_what_was_sent_and_what_waits()
    {
        Skip.If(Data.Provider != Corrections.Configuration.DatabaseProvider.Sqlite, "The benchmark reads the backlog from the embedded SQLite file");
        await App.SeedReportsAsync(2, dueAt: App.Time.GetUtcNow().AddDays(1));

        var backlog = await SubmissionsBenchmark.MailBacklogAsync(Data.DatabasePath, drain: false);

        Assert.Equal("Mail when the load stopped: 0 sent, 2 waiting.", backlog);
    }

    [Fact]
    public async Task The_bare_endpoint_parses_the_same_reports_and_answers_202_and_has_no_service_metrics()
    {
        await using var bare = BareEndpoint.Build("http://127.0.0.1:0");
        await bare.StartAsync();
        var address = new Uri(bare.Urls.First());
        using var client = LoadGenerator.CreateClient(2);

        var result = await new LoadGenerator(client, address, new ReportBodies("smoke")).RunClosedLoopAsync(2, TimeSpan.FromMinutes(1), TimeSpan.Zero, maxRequests: 6);

        Assert.Equal(6, result.Count(HttpStatusCode.Accepted));
        using var scraper = new HttpClient();
        Assert.Null(await ServiceMetrics.ReadAsync(scraper, address));
        await bare.StopAsync();
    }

    [SkippableFact]
    public async Task The_textbook_endpoint_stores_each_report_with_its_submission_and_outbox_row()
    {
        Skip.If(Data.Provider != Corrections.Configuration.DatabaseProvider.Sqlite, "The textbook endpoint runs on a SQLite file");
        await using var textbook = await TextbookEndpoint.BuildAsync("http://127.0.0.1:0", Data.DatabasePath);
        await textbook.StartAsync();
        using var client = LoadGenerator.CreateClient(2);

        var result = await new LoadGenerator(client, new Uri(textbook.Urls.First()), new ReportBodies("smoke")).RunClosedLoopAsync(2, TimeSpan.FromMinutes(1), TimeSpan.Zero, maxRequests: 6);
        await textbook.StopAsync();

        Assert.Equal(6, result.Count(HttpStatusCode.Accepted));
        await using var db = Data.CreateDb();
        Assert.Equal(6, await db.Reports.CountAsync());
        Assert.Equal(6, await db.ReportSubmissions.CountAsync());
        Assert.Equal(6, await db.Outbox.CountAsync());
    }

    [Fact]
    public async Task The_service_metrics_count_the_reports_committed_and_the_memory_allocated_in_between()
    {
        // A process of its own: services built in the test process would also export one another's measurements.
        var service = await StartProcessAsync();
        var before = await ServiceMetrics.ReadAsync(service.Client, service.BaseAddress);

        foreach (var i in Enumerable.Range(0, 3))
            await service.Client.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"mistake {i}"));
        // The exporter may answer a scrape from its cache for a moment.
        var during = before!;
        await service.WaitUntilAsync(async () => (during = (await ServiceMetrics.ReadAsync(service.Client, service.BaseAddress))! - before!).Reports >= 3);

        Assert.Equal(3, during.Reports);
        Assert.InRange(during.Groups, 1, 3);
        Assert.True(during.CommitSeconds > 0);
        Assert.StartsWith("Writer: ", during.DescribeWriter(TimeSpan.FromSeconds(1)));
        Assert.True(during.AllocatedBytes > 0);
        Assert.StartsWith("Collector: ", during.DescribeCollector(TimeSpan.FromSeconds(1), requests: 3));
    }

    [Fact]
    public async Task The_end_to_end_run_pairs_each_202_with_its_mail()
    {
        // The benchmark's own copy of the SMTP server, which it compiles from the tests' harness.
        var sink = Track(bench::Corrections.Testing.TestSmtpServer.StartNew(keepMessages: false));
        var app = StartApp(new()
        {
            ["Mail:Smtp:Host"] = "127.0.0.1",
            ["Mail:Smtp:Port"] = sink.Port.ToString(),
        });

        var run = await EndToEndBenchmark.RunAsync(app.Server.BaseAddress, sink, rate: 20, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(30), app.CreateClient());

        Assert.Equal(10, run.Load.Count(HttpStatusCode.Accepted));
        Assert.Equal(10, run.Mail.Count);
        Assert.Equal(0, run.Missing);
    }

    [SkippableFact]
    public async Task The_mail_benchmark_stores_reports_with_their_outbox_rows_as_the_service_does()
    {
        Skip.If(Data.Provider != Corrections.Configuration.DatabaseProvider.Sqlite, "The mail benchmark seeds a SQLite file; tests/run.sh runs this on SQLite");
        await MailBenchmark.InsertReportsAsync(Data.Folder, 3);

        await App.WaitUntilAsync(async () => (await App.OutboxAsync()).All(m => m.State == OutboxState.Done));

        Assert.Equal(3, await App.QueryAsync(db => db.Reports.CountAsync()));
        Assert.Equal(3, Directory.GetFiles(Data.MailFolder, "*.eml").Length);
    }

    [SkippableFact]
    public async Task The_admin_benchmark_fills_a_database_that_the_service_reads_and_lists_page_by_page()
    {
        Skip.If(Data.Provider != Corrections.Configuration.DatabaseProvider.Sqlite, "The admin benchmark fills a SQLite file; tests/run.sh runs this on SQLite");
        var filled = await AdminDatabase.FillAsync(Data.Folder, 300);

        var measured = await AdminBenchmark.MeasureAsync(App.CreateAdminClient(), requests: 2, depth: 3);
        var (exported, _) = await AdminBenchmark.ExportAsync(App.CreateAdminClient());

        Assert.Equal(300, await App.QueryAsync(db => db.Reports.CountAsync()));
        Assert.Equal(filled.Submissions, await App.QueryAsync(db => db.ReportSubmissions.LongCountAsync()));
        Assert.Equal(300, await App.QueryAsync(db => db.Outbox.CountAsync(m => m.State == OutboxState.Done)));
        Assert.Equal(3, measured.PagesWalked);
        Assert.Contains(measured.Rows, r => r.What == "reports, page 4");
        Assert.All(measured.Rows, r => Assert.Equal((2, 0), (r.Latencies.Count, r.Failures)));
        Assert.True(exported > 300 * 500, $"the export of 300 reports took only {exported} bytes");
    }
}
