using Corrections.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Corrections.Data;

/// <summary>
/// Copies SQLite's write-ahead log into the database file in the background. By default the commit that fills the log
/// to 1,000 pages does that copy itself, with a sync of the database file, while every submission waiting for that
/// commit waits for the copy too; here no connection checkpoints on its own, and a passive checkpoint, which never waits
/// for readers or writers, runs every second (<see cref="SqliteConnectionSetup"/> turns the automatic one off).
/// <para>
/// Once all of the log is copied, the next commit writes it again from its start, unless a reader that began before the
/// copy still reads from the log. Under a steady stream of reports there nearly always is one (the outbox dispatcher's,
/// a request's), and the log would grow by tens of megabytes a second. So once the log has grown past
/// <see cref="RestartAtPages"/>, a restarting checkpoint follows the passive one: it holds writers off while it copies
/// the little committed since and waits for those readers to finish, so the next commit starts the log again. It waits
/// at most <see cref="MaxWaitForRestart"/>; a reader that takes longer only puts the restart off to the next second.
/// </para>
/// <para>
/// SQLite syncs the database file after a checkpoint only if it copied the log to its very end. Under a steady stream of
/// commits a passive checkpoint hardly ever gets there, so a second's copy, tens of megabytes, would be synced by the
/// restarting checkpoint, while it holds writers off: every submission waited 20 to 50 ms once a second. So before it
/// restarts the log, the checkpointer syncs the database file itself, which holds no one off, and copies what was
/// committed meanwhile, twice; the restart is left with a few milliseconds of work.
/// </para>
/// </summary>
public sealed class SqliteCheckpointer(
    IServiceScopeFactory scopes,
    SqliteLogSync sync,
    IOptions<DatabaseOptions> options,
    ILogger<SqliteCheckpointer> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>About 16 MB of log with SQLite's 4 KB pages.</summary>
    public const int RestartAtPages = 4000;

    public static readonly TimeSpan MaxWaitForRestart = TimeSpan.FromMilliseconds(250);

    private readonly SqliteBusyWait restartWait = new(MaxWaitForRestart);

    // A connection of its own, outside the pool: its shorter wait for locks must not be handed to a request.
    private readonly Lazy<string> ownConnectionString = new(() =>
    {
        using var scope = scopes.CreateScope();
        var connectionString = scope.ServiceProvider.GetRequiredService<CorrectionsDb>().Database.GetConnectionString();
        return new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString();
    });

    // SQLite runs one checkpoint at a time and turns a second away; one asked for meanwhile waits for the first instead.
    private readonly SemaphoreSlim oneAtATime = new(1, 1);

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
        await oneAtATime.WaitAsync(cancellationToken);
        try
        {
            await using var connection = new SqliteConnection(ownConnectionString.Value);
            await connection.OpenAsync(cancellationToken);
            restartWait.SetFor(connection);

            var passive = await CheckpointAsync(connection, "PASSIVE", cancellationToken);
            if (passive.LogPages < RestartAtPages)
                return;
            for (var round = 0; round < 2; round++)
            {
                sync.SyncToDisk(connection.DataSource);
                await CheckpointAsync(connection, "PASSIVE", cancellationToken);
            }
            var restart = await CheckpointAsync(connection, "RESTART", cancellationToken);
            if (restart.Busy)
                logger.LogDebug("The SQLite log of {Pages} pages could not be started again: a reader or writer kept at it for {Milliseconds} ms", restart.LogPages, MaxWaitForRestart.TotalMilliseconds);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The log keeps growing meanwhile; the next tick tries again.
            logger.LogWarning("Checkpointing the SQLite log failed: {Error}", ex.Message);
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    private static async Task<(bool Busy, long LogPages)> CheckpointAsync(SqliteConnection connection, string mode, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_checkpoint({mode})";
        await using var result = await command.ExecuteReaderAsync(cancellationToken);
        await result.ReadAsync(cancellationToken);
        return (result.GetInt64(0) != 0, result.GetInt64(1));
    }
}
