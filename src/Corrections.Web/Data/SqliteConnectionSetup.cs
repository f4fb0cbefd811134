using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Corrections.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using SQLitePCL;

namespace Corrections.Data;

/// <summary>
/// Sets up each SQLite connection once, the first time the pool hands it out (both settings belong to the connection and
/// last while it is pooled):
/// <list type="bullet">
/// <item>It waits for the write lock in steps of a millisecond. Without a busy handler, Microsoft.Data.Sqlite retries a
/// locked write every 150 ms, and SQLite's own busy_timeout backs off to steps of 25 to 100 ms: either way a submission
/// that met the outbox dispatcher's short commit would wait far longer than the commit took. It gives up after
/// <c>Database:BusyTimeoutSeconds</c>; the request then answers 503.</item>
/// <item>It never copies the log into the database itself: <see cref="SqliteCheckpointer"/> does, in the background.</item>
/// </list>
/// </summary>
public sealed class SqliteConnectionSetup : DbConnectionInterceptor
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int BusyHandler(IntPtr state, int count);

    // Kept by the interceptor, a singleton, for as long as SQLite may call it.
    private readonly BusyHandler waitOneMillisecond;

    // The connections already set up, by SQLite's handle, which a pooled connection keeps until it is closed for good.
    private readonly ConditionalWeakTable<sqlite3, object> setUp = new();

    public SqliteConnectionSetup(IOptions<DatabaseOptions> options)
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
        _ = sqlite3_busy_handler(handle.DangerousGetHandle(), waitOneMillisecond, IntPtr.Zero);
        using (var command = sqlite.CreateCommand())
        {
            command.CommandText = "PRAGMA wal_autocheckpoint=0";
            command.ExecuteNonQuery();
        }
        setUp.AddOrUpdate(handle, this);
    }

    // The bundled SQLite's own entry point: its .NET binding offers busy_timeout but not a busy handler.
#pragma warning disable SYSLIB1054 // a delegate argument needs the runtime's marshalling
    [DllImport("e_sqlite3", CallingConvention = CallingConvention.Cdecl)]
    private static extern int sqlite3_busy_handler(IntPtr db, BusyHandler handler, IntPtr state);
#pragma warning restore SYSLIB1054
}
