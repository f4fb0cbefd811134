using Corrections.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Corrections.Storage;

/// <summary>
/// Copies SQLite's write-ahead log into the database file in the background, through SQLite's own checkpoints. By
/// default the commit that fills the log to 1,000 pages runs the checkpoint itself, and every submission of its group
/// waits for it; here no connection checkpoints on its own (<see cref="SqliteConnectionSetup"/>) and a passive
/// checkpoint, which never waits for readers or writers, runs every second.
/// <para>
/// Once all of the log is copied, the next commit writes it again from its start, unless a reader that began before the
/// copy still reads from the log. Under a steady stream of reports there nearly always is one (the outbox dispatcher's,
/// a request's), and the log would keep growing. So once it has grown past <see cref="RestartAtPages"/>, a restarting
/// checkpoint follows the passive one: it holds writers off while it copies what was committed since and waits for
/// those readers, at most <see cref="MaxWaitForRestart"/>; a reader that takes longer only puts it off to the next second.
/// </para>
/// </summary>
public sealed class SqliteCheckpointer(IServiceScopeFactory scopes, ILogger<SqliteCheckpointer> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>About 16 MB of log with SQLite's 4 KB pages.</summary>
    public const int RestartAtPages = 4000;

    public static readonly TimeSpan MaxWaitForRestart = TimeSpan.FromMilliseconds(250);

    private readonly SqliteBusyWait restartWait = new(MaxWaitForRestart);

    // SQLite runs one checkpoint at a time and turns a second away; one asked for meanwhile waits for the first instead.
    private readonly SemaphoreSlim oneAtATime = new(1, 1);

    private string? connectionString;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (await ConnectionStringAsync() is null)
            return;
        // The wall clock, not the service's TimeProvider: the log grows with real writes.
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

    /// <summary>The connection string of its own connections, outside the pool: their shorter wait for locks must not be handed to a request.</summary>
    private async Task<string?> ConnectionStringAsync()
    {
        if (connectionString is not null)
            return connectionString;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
        if (!db.Database.IsSqlite())
            return null;
        return connectionString = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()) { Pooling = false }.ToString();
    }

    /// <summary>
    /// Copies all of the log into the database file and truncates the log to nothing, so that older copies of erased
    /// pages are gone from it. Each try holds writers off for at most <see cref="MaxWaitForRestart"/>; a reader of an
    /// older snapshot that outlasts <paramref name="tries"/> tries, a second apart, leaves it undone (false).
    /// </summary>
    public async Task<bool> TruncateLogAsync(int tries, CancellationToken cancellationToken)
    {
        if (await ConnectionStringAsync() is not { } connectionString)
            return true;
        for (var attempt = 1; ; attempt++)
        {
            await oneAtATime.WaitAsync(cancellationToken);
            try
            {
                await using var connection = new SqliteConnection(connectionString);
                await connection.OpenAsync(cancellationToken);
                restartWait.SetFor(connection);
                if (!(await CheckpointAsync(connection, "TRUNCATE", cancellationToken)).Busy)
                    return true;
            }
            finally
            {
                oneAtATime.Release();
            }
            if (attempt >= tries)
                return false;
            await Task.Delay(Interval, cancellationToken);
        }
    }

    public async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        if (connectionString is null)
            return;
        await oneAtATime.WaitAsync(cancellationToken);
        try
        {
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            restartWait.SetFor(connection);
            var passive = await CheckpointAsync(connection, "PASSIVE", cancellationToken);
            if (passive.LogPages < RestartAtPages)
                return;
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
