using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using SQLitePCL;

namespace Corrections.Data;

/// <summary>Statements run on an open connection's SQLite handle itself, with their values bound by position.</summary>
public static class SqliteStatements
{
    /// <summary>
    /// Runs <paramref name="work"/> on the context's SQLite connection, open while it runs (in a transaction, which holds
    /// it open, the opening is a no-op). On a database server it runs nothing and answers false.
    /// </summary>
    public static async Task<bool> RunOnSqliteAsync(this DbContext db, Action<SqliteConnection> work, CancellationToken cancellationToken)
    {
        if (db.Database.GetDbConnection() is not SqliteConnection sqlite)
            return false;
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            work(sqlite);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        return true;
    }

    /// <summary>Binds a Guid as Microsoft.Data.Sqlite stores one: as text, upper case, with hyphens.</summary>
    public static int BindGuid(this sqlite3_stmt statement, int index, Guid id)
    {
        Span<char> text = stackalloc char[36];
        id.TryFormat(text, out _);
        for (var i = 0; i < text.Length; i++)
            text[i] = char.ToUpperInvariant(text[i]);
        return raw.sqlite3_bind_text16(statement, index, text);
    }

    /// <summary>Runs a statement that gives no rows (an INSERT, an UPDATE) with its bound values, then resets it for the next.</summary>
    public static void Execute(this sqlite3_stmt statement, sqlite3 handle)
    {
        var step = raw.sqlite3_step(statement);
        if (step != raw.SQLITE_DONE)
            SqliteException.ThrowExceptionForRC(step, handle);
        raw.sqlite3_reset(statement);
    }

    /// <summary>Prepares <paramref name="sql"/>; the caller disposes the statement before the connection closes.</summary>
    public static sqlite3_stmt Prepare(this SqliteConnection connection, string sql)
    {
        var handle = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(handle, sql, out var statement), handle);
        return statement;
    }
}
