using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Data;

/// <summary>
/// On SQLite, the commits made while this is held go to the write-ahead log without waiting for the disk
/// (<c>synchronous=NORMAL</c>); the next synced commit makes them durable with it. A killed process loses none of them;
/// a power cut may lose the last ones. Elsewhere it does nothing.
/// </summary>
public sealed class SqliteUnsyncedCommits : IAsyncDisposable
{
    private readonly CorrectionsDb? db;

    private SqliteUnsyncedCommits(CorrectionsDb? db) => this.db = db;

    public static async Task<SqliteUnsyncedCommits> BeginAsync(CorrectionsDb db)
    {
        if (!db.Database.IsSqlite())
            return new SqliteUnsyncedCommits(null);
        await db.Database.OpenConnectionAsync();
        await SetAsync(db, "NORMAL");
        return new SqliteUnsyncedCommits(db);
    }

    // Straight to the connection: the dispatcher runs this twice a transaction, and EF Core's raw SQL
    // path costs more than the statement.
    private static async Task SetAsync(CorrectionsDb db, string synchronous)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA synchronous=" + synchronous;
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (db is null)
            return;
        // The connection goes back to the pool, where a submission may take it next: it must sync again, or not be reused.
        var connection = db.Database.GetDbConnection();
        try
        {
            await SetAsync(db, "FULL");
        }
        catch
        {
            SqliteConnection.ClearPool((SqliteConnection)connection);
            throw;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
