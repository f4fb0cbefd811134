using Corrections.Data;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Corrections.Tests.Data;

/// <summary>The writer's connection prepares each of its statements once; one used before must behave as a new one.</summary>
public sealed class KeptStatementsTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("corrections-statements-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private async Task<StatementKeepingConnection> OpenAsync()
    {
        var connection = new StatementKeepingConnection($"Data Source={Path.Combine(folder, "kept.db")};Pooling=False");
        await connection.OpenAsync();
        await using var create = connection.CreateCommand();
        create.CommandText = "CREATE TABLE IF NOT EXISTS Items (Id INTEGER PRIMARY KEY, Name TEXT)";
        await create.ExecuteNonQueryAsync();
        return connection;
    }

    private static List<(long, string?)> Items(SqliteConnection connection)
    {
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT Id, Name FROM Items ORDER BY Id";
        using var reader = select.ExecuteReader();
        var items = new List<(long, string?)>();
        while (reader.Read())
            items.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        return items;
    }

    [Fact]
    public async Task A_statement_is_prepared_once_and_each_use_starts_with_no_values_bound()
    {
        await using var connection = await OpenAsync();
        const string insert = "INSERT INTO Items (Id, Name) VALUES (?1, ?2)";

        sqlite3_stmt first;
        using (var prepared = connection.Prepare(insert))
        {
            first = prepared.Statement;
            raw.sqlite3_bind_int64(first, 1, 1);
            raw.sqlite3_bind_text16(first, 2, "one".AsSpan());
            first.Execute(connection.Handle!);
        }
        using (var prepared = connection.Prepare(insert))
        {
            Assert.Same(first, prepared.Statement);
            raw.sqlite3_bind_int64(prepared.Statement, 1, 2); // the name left unbound: null, not "one"
            prepared.Statement.Execute(connection.Handle!);
        }

        Assert.Equal([(1L, "one"), (2L, null)], Items(connection));
    }

    [Fact]
    public async Task A_statement_that_failed_is_used_again_and_closing_the_connection_finalizes_it()
    {
        sqlite3_stmt statement;
        await using (var connection = await OpenAsync())
        {
            const string insert = "INSERT INTO Items (Id, Name) VALUES (?1, ?2)";
            foreach (var (id, again) in new[] { (7L, false), (7L, true), (8L, false) })
            {
                using var prepared = connection.Prepare(insert);
                raw.sqlite3_bind_int64(prepared.Statement, 1, id);
                raw.sqlite3_bind_text16(prepared.Statement, 2, $"item {id}".AsSpan());
                if (again)
                    Assert.Throws<SqliteException>(() => prepared.Statement.Execute(connection.Handle!)); // the same key again
                else
                    prepared.Statement.Execute(connection.Handle!);
            }
            Assert.Equal([(7L, "item 7"), (8L, "item 8")], Items(connection));
            statement = connection.Prepare(insert).Statement;
            Assert.False(statement.IsClosed);
        }

        Assert.True(statement.IsClosed);
    }
}
