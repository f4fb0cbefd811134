using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Data;

public sealed class SqliteDurabilityTests : IAsyncLifetime
{
    private readonly TestData data = new();
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

    private Task<string> PragmaAsync(string name) => app.QueryAsync(async db =>
    {
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
    });

    [Fact]
    public async Task Every_commit_is_synced_to_disk_so_a_202_survives_a_power_cut()
    {
        // WAL with synchronous=NORMAL would lose the last commits on a power cut; FULL (2) syncs the log at each commit.
        Assert.Equal("wal", await PragmaAsync("journal_mode"));
        Assert.Equal("2", await PragmaAsync("synchronous"));
    }

    [Fact]
    public async Task A_writer_that_meets_a_locked_database_waits_for_the_lock_in_SQLite()
    {
        Assert.Equal("30000", await PragmaAsync("busy_timeout"));
    }
}
