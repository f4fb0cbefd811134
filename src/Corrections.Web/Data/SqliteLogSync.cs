using Microsoft.Data.Sqlite;
using Microsoft.Win32.SafeHandles;

namespace Corrections.Data;

/// <summary>
/// SQLite's files, synced to disk from outside SQLite: the write-ahead log after commits made without a sync, and the
/// database file after checkpoints that SQLite left unsynced (<see cref="SqliteCheckpointer"/>).
/// </summary>
public class SqliteLogSync
{
    /// <summary>The log of the connection's database, by its full path.</summary>
    public static string PathOf(SqliteConnection connection) => connection.DataSource + "-wal";

    /// <summary>
    /// Writes what was written to the file and is still in the operating system's cache to disk. A sync of the file from
    /// any handle covers every write made to it before, by any connection.
    /// </summary>
    public virtual void SyncToDisk(string path)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            // Only the log can be missing. SQLite removes it only as its database's last connection closes, after
            // copying it into the database file and syncing that: what the log held is on disk.
            return;
        }
        using (handle)
            RandomAccess.FlushToDisk(handle);
    }
}

/// <summary>Reports were committed but could not be confirmed on disk; sent again, each finds its report.</summary>
public sealed class NotSyncedException(Exception inner)
    : Exception("The database's log could not be synced to disk: " + inner.Message, inner);
