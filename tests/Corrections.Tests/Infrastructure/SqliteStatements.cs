using Microsoft.Data.Sqlite;

namespace Corrections.Tests.Infrastructure;

/// <summary>SQL run straight on a SQLite connection of a test's own, beside the service's.</summary>
public static class SqliteStatements
{
    public static async Task ExecuteAsync(this SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
