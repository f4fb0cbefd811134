using Corrections.Configuration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Corrections.Data;

/// <summary>
/// Copies SQLite's write-ahead log into the database file in the background. By default the commit that fills the log
/// to 1,000 pages does that copy itself, with a sync of the database file, while every submission waiting for that
/// commit waits for the copy too; here no connection checkpoints on its own, and a passive checkpoint, which never waits
/// for readers or writers, runs every second (<see cref="SqliteConnectionSetup"/> turns the automatic one off).
/// </summary>
public sealed class SqliteCheckpointer(
    IServiceScopeFactory scopes,
    IOptions<DatabaseOptions> options,
    ILogger<SqliteCheckpointer> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Provider != DatabaseProvider.Sqlite)
            return;
        // The wall clock, not the service's TimeProvider: the log grows with real writes, and a clock moved by days
        // must not replay a checkpoint for every second in between.
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await CheckpointAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(PASSIVE)", cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The log keeps growing meanwhile; the next tick tries again.
            logger.LogWarning("Checkpointing the SQLite log failed: {Error}", ex.Message);
        }
    }
}
