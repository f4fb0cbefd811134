using Microsoft.Data.Sqlite;
using Microsoft.Win32.SafeHandles;

namespace Corrections.Data;

/// <summary>SQLite's write-ahead log, synced to disk from outside SQLite after commits made without a sync.</summary>
public class SqliteLogSync
{
    /// <summary>The log of the connection's database, by its full path.</summary>
    public static string PathOf(SqliteConnection connection) => connection.DataSource + "-wal";

    /// <summary>
    /// Writes what commits left of the log in the operating system's cache to disk. A sync of the file from any handle
    /// covers every write made to it before, by any connection.
    /// </summary>
    public virtual void SyncToDisk(string log)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(log, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            // SQLite removes the log only as its database's last connection closes, after copying the log into the
            // database file and syncing that: what the log held is on disk.
            return;
        }
        using (handle)
            RandomAccess.FlushToDisk(handle);
    }
}

/// <summary>Reports were committed but could not be confirmed on disk; sent again, each finds its report.</summary>
public sealed class NotSyncedException(Exception inner)
    : Exception("The database's log could not be synced to disk: " + inner.Message, inner);
