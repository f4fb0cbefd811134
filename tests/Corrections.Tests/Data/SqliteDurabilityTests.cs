using Corrections.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Corrections.Tests.Data;

public sealed class SqliteDurabilityTests() : ServiceTest(TestRelay.None)
{
    private Task<string> PragmaAsync(string name) => App.QueryAsync(async db =>
    {
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
    });

    [SkippableFact]
    public async Task Every_commit_is_synced_to_disk_so_a_202_survives_a_power_cut()
    {
        Skip.If(Data.Provider != Corrections.Configuration.DatabaseProvider.Sqlite, "These tests are about the SQLite file; tests/run.sh runs them on SQLite");
        // WAL with synchronous=NORMAL would lose the last commits on a power cut; FULL (2) syncs the log at each commit.
        Assert.Equal("wal", await PragmaAsync("journal_mode"));
        Assert.Equal("2", await PragmaAsync("synchronous"));
    }

    [SkippableFact]
    public async Task A_submission_that_meets_another_writers_lock_waits_for_it_and_is_stored()
    {
        Skip.If(Data.Provider != Corrections.Configuration.DatabaseProvider.Sqlite, "These tests are about the SQLite file; tests/run.sh runs them on SQLite");
        _ = await PragmaAsync("journal_mode");
        await using var other = new SqliteConnection($"Data Source={Data.DatabasePath}");
        await other.OpenAsync();
        await using (var hold = other.CreateCommand())
        {
            hold.CommandText = "BEGIN IMMEDIATE";
            await hold.ExecuteNonQueryAsync();
        }

        var sending = App.SubmitAsync(Infrastructure.Reports.Valid());
        await Task.Delay(300);
        Assert.False(sending.IsCompleted);
        await using (var release = other.CreateCommand())
        {
            release.CommandText = "COMMIT";
            await release.ExecuteNonQueryAsync();
        }

        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await sending).StatusCode);
        Assert.Equal(1, await App.QueryAsync(db => db.Reports.CountAsync()));
    }

    [SkippableFact]
    public async Task After_mails_are_recorded_the_pooled_connections_still_sync_every_commit()
    {
        Skip.If(Data.Provider != Corrections.Configuration.DatabaseProvider.Sqlite, "These tests are about the SQLite file; tests/run.sh runs them on SQLite");
        await App.SeedReportsAsync(3, App.Time.GetUtcNow());

        while (await App.DispatchOnceAsync())
        {
        }
        await App.WaitUntilAsync(async () => (await App.OutboxAsync()).All(m => m.State == Corrections.Data.OutboxState.Done));

        Assert.Equal("2", await PragmaAsync("synchronous"));
    }

    [SkippableFact]
    public async Task Commits_do_not_copy_the_log_into_the_database_the_background_checkpoint_does_and_the_log_stops_growing()
    {
        Skip.If(Data.Provider != Corrections.Configuration.DatabaseProvider.Sqlite, "These tests are about the SQLite file; tests/run.sh runs them on SQLite");
        Assert.Equal("0", await PragmaAsync("wal_autocheckpoint"));
        // SQLite removes the log when the database's last connection closes; one stays open for the whole test.
        await using var holdsTheLog = new SqliteConnection($"Data Source={Data.DatabasePath};Pooling=False");
        await holdsTheLog.OpenAsync();
        var log = new FileInfo(Data.DatabasePath + "-wal");
        var later = App.Time.GetUtcNow().AddDays(1); // not due: the dispatcher leaves them alone

        await App.SeedReportsAsync(300, later);
        log.Refresh();
        var afterFirst = log.Length;
        await App.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Corrections.Storage.SqliteCheckpointer>().Single()
            .CheckpointAsync(CancellationToken.None);
        // Fewer than the first time: written again from its start, the log needs no more room than it has. (The same
        // number again can take a few pages more, the tables being larger.)
        await App.SeedReportsAsync(100, later);
        log.Refresh();

        // Copied into the database, the log is written again from its start instead of growing.
        Assert.InRange(log.Length, 1, afterFirst);
    }

    [SkippableFact]
    public async Task A_long_log_is_started_again_although_a_reader_was_reading_from_it_when_it_was_copied()
    {
        Skip.If(Data.Provider != Corrections.Configuration.DatabaseProvider.Sqlite, "These tests are about the SQLite file; tests/run.sh runs them on SQLite");
        Assert.Equal("wal", await PragmaAsync("journal_mode"));
        // A log that grew while a long reader kept it from starting again is cut back once it does.
        Assert.Equal(Corrections.Storage.SqliteConnectionSetup.LogSizeLimitBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), await PragmaAsync("journal_size_limit"));
        await using var writer = new SqliteConnection($"Data Source={Data.DatabasePath};Pooling=False");
        await writer.OpenAsync();
        await writer.ExecuteAsync("PRAGMA wal_autocheckpoint=0; CREATE TABLE Filler (Bytes BLOB)");
        // More log than the checkpointer lets stand (with 4 KB pages).
        await writer.ExecuteAsync($"INSERT INTO Filler VALUES (zeroblob({(Corrections.Storage.SqliteCheckpointer.RestartAtPages + 500) * 4096}))");

        // A reader began before the copy: a commit after it, while the reader is still at it, would have to go on at
        // the end of the log. A service under load nearly always has one.
        await using var reader = new SqliteConnection($"Data Source={Data.DatabasePath};Pooling=False");
        await reader.OpenAsync();
        await reader.ExecuteAsync("BEGIN; SELECT count(*) FROM Reports");
        // On a thread of its own: the checkpoint below holds a pool thread while it waits, and on two cores the pool may
        // have no other to give a timer's continuation within the wait.
        var readerDone = Task.Factory.StartNew(() =>
        {
            Thread.Sleep(Corrections.Storage.SqliteCheckpointer.MaxWaitForRestart / 2);
            using var commit = reader.CreateCommand();
            commit.CommandText = "COMMIT";
            commit.ExecuteNonQuery();
        }, TaskCreationOptions.LongRunning);

        await App.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Corrections.Storage.SqliteCheckpointer>().Single()
            .CheckpointAsync(CancellationToken.None);
        await writer.ExecuteAsync("INSERT INTO Filler VALUES (x'00')");
        await readerDone;

        Assert.InRange(await LogPagesAsync(writer), 1, 10); // the pages of the last commit, from the start of the log
    }

    /// <summary>The pages in the log, as a passive checkpoint finds them; retried while the service's own checkpoint runs.</summary>
    private static async Task<long> LogPagesAsync(SqliteConnection connection)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            await using var result = await checkpoint.ExecuteReaderAsync();
            Assert.True(await result.ReadAsync());
            var pages = result.GetInt64(1);
            if (pages >= 0 || attempt == 50)
                return pages; // -1: another checkpoint was running
            await Task.Delay(20);
        }
    }
}
