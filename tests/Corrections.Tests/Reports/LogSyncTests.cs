using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Corrections.Data;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Corrections.Tests.Reports;

/// <summary>On SQLite the writer commits without waiting for the disk; the answer waits for a sync of the log.</summary>
public sealed class LogSyncTests : IAsyncLifetime
{
    private readonly TestData data = new();
    private readonly GatedLogSync sync = new();
    private CorrectionsApp app = null!;

    public Task InitializeAsync()
    {
        app = new CorrectionsApp(data)
        {
            ConfigureServices = services => services.Replace(ServiceDescriptor.Singleton<SqliteLogSync>(sync)),
        };
        _ = app.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        sync.Open();
        await app.DisposeAsync();
        data.Dispose();
    }

    [SkippableFact]
    public async Task A_submission_is_answered_only_after_the_log_holding_its_report_is_synced_to_disk()
    {
        Skip.If(data.Provider != Corrections.Configuration.DatabaseProvider.Sqlite, "A database server's commit is durable by itself; tests/run.sh runs this on SQLite");
        sync.Hold = true;

        var sending = app.SubmitAsync(Infrastructure.Reports.Valid(exact: "a mistake"));
        await app.WaitUntilAsync(async () => sync.Holding && await app.QueryAsync(db => db.Reports.AnyAsync()));
        await Task.Delay(200);

        Assert.False(sending.IsCompleted, "answered before the log was on disk");
        Assert.Equal(Path.GetFullPath(data.DatabasePath) + "-wal", sync.Synced.First());
        sync.Open();
        using var response = await sending;
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [SkippableFact]
    public async Task When_the_log_cannot_be_synced_the_reader_is_told_to_send_again_and_the_resend_finds_the_report()
    {
        Skip.If(data.Provider != Corrections.Configuration.DatabaseProvider.Sqlite, "A database server's commit is durable by itself; tests/run.sh runs this on SQLite");
        var report = Infrastructure.Reports.Valid(clientRequestId: "7d0c1f52-resend", exact: "a mistake");
        sync.Fail = true;

        using var failed = await app.SubmitAsync(report);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal("application/problem+json", failed.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(failed.Headers.RetryAfter);
        var problem = await failed.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains("send the same request again", (string)problem!["detail"]!, StringComparison.OrdinalIgnoreCase);

        sync.Fail = false;
        var id = await app.SubmitAcceptedAsync(report);
        var stored = await app.QueryAsync(db => db.Reports.Select(r => r.Id).ToListAsync());
        Assert.Equal([id], stored);
        Assert.Equal(1, await app.QueryAsync(db => db.ReportSubmissions.CountAsync()));
    }

    [Fact]
    public void A_log_that_SQLite_removed_after_copying_it_into_the_database_needs_no_sync()
    {
        var missing = Path.Combine(data.Folder, "removed.db-wal");

        new SqliteLogSync().SyncToDisk(missing);

        Assert.False(File.Exists(missing));
    }

    [Fact]
    public void A_log_whose_folder_is_gone_is_not_taken_for_synced()
    {
        Assert.Throws<DirectoryNotFoundException>(() => new SqliteLogSync().SyncToDisk(Path.Combine(data.Folder, "gone", "corrections.db-wal")));
    }
}
