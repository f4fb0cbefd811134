using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Corrections.Data;

/// <summary>Statements run on an open connection's SQLite handle itself, with their values bound by position.</summary>
public static class SqliteStatements
{
    /// <summary>Prepares <paramref name="sql"/>; the caller disposes the statement before the connection closes.</summary>
    public static sqlite3_stmt Prepare(this SqliteConnection connection, string sql)
    {
        var handle = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(handle, sql, out var statement), handle);
        return statement;
    }
}
