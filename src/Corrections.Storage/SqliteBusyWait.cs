using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace Corrections.Storage;

/// <summary>
/// Makes a SQLite connection wait for a lock held by another connection in steps of a millisecond, giving up after a
/// limit. Without a busy handler, Microsoft.Data.Sqlite retries a locked write every 150 ms, and SQLite's own
/// busy_timeout backs off to steps of 25 to 100 ms: either way a connection would wait far longer than the lock is held.
/// </summary>
public sealed class SqliteBusyWait
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int BusyHandler(IntPtr state, int count);

    // Kept by this object, which lives as long as the connections that SQLite may call it for.
    private readonly BusyHandler waitOneMillisecond;

    public SqliteBusyWait(TimeSpan giveUpAfter)
    {
        var giveUpAfterMilliseconds = (int)giveUpAfter.TotalMilliseconds;
        waitOneMillisecond = (_, count) =>
        {
            if (count >= giveUpAfterMilliseconds)
                return 0;
            Thread.Sleep(1);
            return 1;
        };
    }

    /// <summary>Sets the wait for an open connection, for as long as it stays open (pooled, too).</summary>
    public void SetFor(SqliteConnection connection)
    {
        var handle = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        _ = sqlite3_busy_handler(handle.DangerousGetHandle(), waitOneMillisecond, IntPtr.Zero);
    }

    // The bundled SQLite's own entry point: its .NET binding offers busy_timeout but not a busy handler.
#pragma warning disable SYSLIB1054 // a delegate argument needs the runtime's marshalling
    [DllImport("e_sqlite3", CallingConvention = CallingConvention.Cdecl)]
    private static extern int sqlite3_busy_handler(IntPtr db, BusyHandler handler, IntPtr state);
#pragma warning restore SYSLIB1054
}
