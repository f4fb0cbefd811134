using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using SQLitePCL;

namespace Corrections.Storage;

/// <summary>
/// Sets up each SQLite connection once, the first time the pool hands it out (its settings belong to the connection and
/// last while it is pooled):
/// <list type="bullet">
/// <item>It waits for the write lock in steps of a millisecond (<see cref="SqliteBusyWait"/>), so that a submission that
/// meets the outbox dispatcher's short commit waits no longer than that took. It gives up after
/// <c>busyTimeout</c>; the request then answers 503.</item>
/// <item>It never copies the log into the database itself: <see cref="SqliteCheckpointer"/> does, in the background.</item>
/// <item>A log that grew past 64 MB (a long reader kept it from starting again) is cut back to that when it starts again.</item>
/// <item>It overwrites what it deletes or moves with zeros (<c>secure_delete</c>), so that an erased reader's address
/// leaves no copy in a page's free space (<see cref="SecureErasure"/>, docs/decisions/0016-secure-delete-everywhere.md).</item>
/// </list>
/// </summary>
public sealed class SqliteConnectionSetup(TimeSpan busyTimeout) : DbConnectionInterceptor
{
    public const long LogSizeLimitBytes = 64L * 1024 * 1024;

    private readonly SqliteBusyWait busyWait = new(busyTimeout);

    // The connections already set up, by SQLite's handle, which a pooled connection keeps until it is closed for good.
    private readonly ConditionalWeakTable<sqlite3, object> setUp = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => SetUp(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        SetUp(connection);
        return Task.CompletedTask;
    }

    private void SetUp(DbConnection connection)
    {
        if (connection is not SqliteConnection { Handle: { } handle } sqlite || setUp.TryGetValue(handle, out _))
            return;
        SetUp(sqlite);
        setUp.AddOrUpdate(handle, this);
    }

    /// <summary>Sets up an open connection that EF Core did not open.</summary>
    public void SetUp(SqliteConnection connection)
    {
        busyWait.SetFor(connection);
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit={LogSizeLimitBytes}; PRAGMA secure_delete=ON";
        command.ExecuteNonQuery();
    }
}
