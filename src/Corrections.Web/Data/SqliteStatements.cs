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

    /// <summary>
    /// Prepares <paramref name="sql"/>, or on a connection that keeps its statements (the writer's) takes the one prepared
    /// before; the caller disposes it before the connection closes, which finalizes it or, if kept, resets it.
    /// </summary>
    public static PreparedStatement Prepare(this SqliteConnection connection, string sql)
    {
        var handle = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        if (connection is StatementKeepingConnection keeping)
            return new PreparedStatement(keeping.Statement(sql), Kept: true);
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(handle, sql, out var statement), handle);
        return new PreparedStatement(statement, Kept: false);
    }
}

/// <summary>A statement in use: disposed, it is finalized, or if its connection keeps it, reset with no values bound.</summary>
public readonly record struct PreparedStatement(sqlite3_stmt Statement, bool Kept) : IDisposable
{
    public void Dispose()
    {
        if (Kept)
        {
            raw.sqlite3_reset(Statement);
            raw.sqlite3_clear_bindings(Statement);
        }
        else
        {
            Statement.Dispose();
        }
    }
}

/// <summary>
/// A connection that prepares each statement once and keeps it until it closes. The submission writer runs the same
/// few statements for every group; preparing them again each time was about a third of the time it spent in SQLite.
/// </summary>
public sealed class StatementKeepingConnection(string connectionString) : SqliteConnection(connectionString)
{
    private readonly Dictionary<string, sqlite3_stmt> kept = new(StringComparer.Ordinal);

    public sqlite3_stmt Statement(string sql)
    {
        if (kept.TryGetValue(sql, out var statement))
            return statement;
        var handle = Handle ?? throw new InvalidOperationException("The connection is not open.");
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(handle, sql, out statement), handle);
        kept[sql] = statement;
        return statement;
    }

    public override void Close()
    {
        foreach (var statement in kept.Values)
            statement.Dispose();
        kept.Clear();
        base.Close();
    }
}
