using System.Data.Common;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Corrections.Configuration;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace Corrections.Data;

/// <summary>
/// Waits for SQLite's write lock in steps of a millisecond. Without a busy handler, Microsoft.Data.Sqlite retries a
/// locked write every 150 ms, and SQLite's own busy_timeout backs off to steps of 25 to 100 ms: either way a
/// submission that met the outbox dispatcher's short commit would wait far longer than the commit took.
/// Gives up after <c>Database:BusyTimeoutSeconds</c>; the request then answers 503.
/// </summary>
public sealed class SqliteLockWait : DbConnectionInterceptor
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int BusyHandler(IntPtr state, int count);

    // Kept by the interceptor, a singleton, for as long as SQLite may call it.
    private readonly BusyHandler waitOneMillisecond;

    public SqliteLockWait(IOptions<DatabaseOptions> options)
    {
        var giveUpAfterMilliseconds = options.Value.BusyTimeoutSeconds * 1000;
        waitOneMillisecond = (_, count) =>
        {
            if (count >= giveUpAfterMilliseconds)
                return 0;
            Thread.Sleep(1);
            return 1;
        };
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Install(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Install(connection);
        return Task.CompletedTask;
    }

    private void Install(DbConnection connection)
    {
        if (connection is SqliteConnection { Handle: { } handle })
            _ = sqlite3_busy_handler(handle.DangerousGetHandle(), waitOneMillisecond, IntPtr.Zero);
    }

    // The bundled SQLite's own entry point: its .NET binding offers busy_timeout but not a busy handler.
#pragma warning disable SYSLIB1054 // a delegate argument needs the runtime's marshalling
    [DllImport("e_sqlite3", CallingConvention = CallingConvention.Cdecl)]
    private static extern int sqlite3_busy_handler(IntPtr db, BusyHandler handler, IntPtr state);
#pragma warning restore SYSLIB1054
}
