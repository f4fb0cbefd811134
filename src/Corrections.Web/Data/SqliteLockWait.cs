using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using SQLitePCL;

namespace Corrections.Data;

/// <summary>
/// Lets SQLite wait for its write lock itself, in steps of 1 to 25 ms. Without a busy timeout, Microsoft.Data.Sqlite
/// retries a locked write every 150 ms, so a submission that met the outbox dispatcher's short commit would wait 150 ms.
/// The limit matches the default command timeout.
/// </summary>
public sealed class SqliteLockWait : DbConnectionInterceptor
{
    private const int TimeoutMilliseconds = 30_000;

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Install(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Install(connection);
        return Task.CompletedTask;
    }

    private static void Install(DbConnection connection)
    {
        if (connection is SqliteConnection { Handle: { } handle })
            raw.sqlite3_busy_timeout(handle, TimeoutMilliseconds);
    }
}
