using Corrections.Configuration;
using Corrections.Data;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Corrections.Testing;

/// <summary>
/// The database the tests run on: SQLite unless <c>CORRECTIONS_TEST_DATABASE</c> names a server (<c>PostgreSql</c> or
/// <c>SqlServer</c>), whose connection string is then in <c>CORRECTIONS_TEST_POSTGRES</c> or <c>CORRECTIONS_TEST_SQLSERVER</c>.
/// tests/run.sh runs the suite once on SQLite and once on a PostgreSQL server it starts.
/// </summary>
public static partial class TestDatabase
{
    public const string ProviderVariable = "CORRECTIONS_TEST_DATABASE";
    public const string PostgresVariable = "CORRECTIONS_TEST_POSTGRES";
    public const string SqlServerVariable = "CORRECTIONS_TEST_SQLSERVER";

    public static DatabaseProvider Provider { get; } =
        Enum.TryParse<DatabaseProvider>(Environment.GetEnvironmentVariable(ProviderVariable), ignoreCase: true, out var provider) ? provider : DatabaseProvider.Sqlite;

    public static string? PostgresServer => Value(PostgresVariable);
    public static string? SqlServer => Value(SqlServerVariable);

    public static string ServerConnectionString(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.PostgreSql => PostgresServer ?? throw new InvalidOperationException($"{PostgresVariable} must hold the connection string of a PostgreSQL server (tests/run.sh starts one)"),
        DatabaseProvider.SqlServer => SqlServer ?? throw new InvalidOperationException($"{SqlServerVariable} must hold the connection string of a SQL Server"),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "not a database server"),
    };

    private static string? Value(string variable) => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null;
}

/// <summary>
/// One test's database and mail pickup folder, deleted afterwards: a SQLite file in a temporary folder, or a database of
/// its own on the test server (see <see cref="TestDatabase"/>). The database starts empty; the service migrates it.
/// </summary>
public sealed class TestData : IDisposable
{
    public TestData() : this(TestDatabase.Provider)
    {
    }

    public TestData(DatabaseProvider provider)
    {
        Provider = provider;
        if (provider == DatabaseProvider.Sqlite)
        {
            ConnectionString = $"Data Source={DatabasePath}";
            return;
        }
        DatabaseName = $"corrections_{Guid.NewGuid():N}";
        var server = TestDatabase.ServerConnectionString(provider);
        if (provider == DatabaseProvider.PostgreSql)
        {
            RunOnPostgres(server, $"""CREATE DATABASE "{DatabaseName}" """);
            ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = DatabaseName }.ConnectionString;
        }
        else
        {
            RunOnSqlServer(server, $"CREATE DATABASE [{DatabaseName}]");
            ConnectionString = new SqlConnectionStringBuilder(server) { InitialCatalog = DatabaseName }.ConnectionString;
        }
    }

    public DatabaseProvider Provider { get; }
    public string ConnectionString { get; }

    /// <summary>The server database's name; null on SQLite.</summary>
    public string? DatabaseName { get; }

    public string Folder { get; } = Directory.CreateTempSubdirectory("corrections-test-").FullName;

    /// <summary>The SQLite file, on SQLite.</summary>
    public string DatabasePath => Path.Combine(Folder, "corrections.db");

    public string MailFolder => Path.Combine(Folder, "mail");

    /// <summary>The configuration that points the service at this database and lets it migrate it at start.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Database:Provider"] = Provider.ToString(),
        ["Database:MigrateOnStartup"] = "true",
        ["ConnectionStrings:Corrections"] = ConnectionString,
    };

    /// <summary>A context on this database outside the service, e.g. to look at what the service stored.</summary>
    public CorrectionsDb CreateDb()
    {
        var options = Provider switch
        {
            DatabaseProvider.PostgreSql => new DbContextOptionsBuilder<CorrectionsDb>().UseNpgsql(ConnectionString, o => o.MigrationsAssembly("Corrections.Migrations.PostgreSql")),
            DatabaseProvider.SqlServer => new DbContextOptionsBuilder<CorrectionsDb>().UseSqlServer(ConnectionString, o => o.MigrationsAssembly("Corrections.Migrations.SqlServer")),
            _ => new DbContextOptionsBuilder<CorrectionsDb>().UseSqlite(ConnectionString, o => o.MigrationsAssembly("Corrections.Migrations.Sqlite")),
        };
        return new CorrectionsDb(options.Options);
    }

    public async Task<T> QueryAsync<T>(Func<CorrectionsDb, Task<T>> query)
    {
        await using var db = CreateDb();
        return await query(db);
    }

    /// <summary>The outbox as the service left it, oldest first.</summary>
    public Task<List<OutboxMessage>> OutboxAsync() => QueryAsync(db => db.Outbox.AsNoTracking().OrderBy(m => m.Id).ToListAsync());

    /// <summary>Closes the idle pooled connections of this database's own connection string, not other tests'.</summary>
    public void ClearSqlitePool()
    {
        using var connection = new SqliteConnection(ConnectionString);
        SqliteConnection.ClearPool(connection);
    }

    public void Dispose()
    {
        switch (Provider)
        {
            case DatabaseProvider.Sqlite:
                ClearSqlitePool();
                break;
            case DatabaseProvider.PostgreSql:
                using (var connection = new NpgsqlConnection(ConnectionString))
                    NpgsqlConnection.ClearPool(connection);
                RunOnPostgres(TestDatabase.ServerConnectionString(Provider), $"""DROP DATABASE IF EXISTS "{DatabaseName}" WITH (FORCE)""");
                break;
            case DatabaseProvider.SqlServer:
                using (var connection = new SqlConnection(ConnectionString))
                    SqlConnection.ClearPool(connection);
                RunOnSqlServer(TestDatabase.ServerConnectionString(Provider),
                    $"IF DB_ID('{DatabaseName}') IS NOT NULL BEGIN ALTER DATABASE [{DatabaseName}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [{DatabaseName}]; END");
                break;
        }
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void RunOnPostgres(string server, string sql)
    {
        // Pooling off: a pooled connection to the server's own database would outlive the test for nothing.
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static void RunOnSqlServer(string server, string sql)
    {
        using var connection = new SqlConnection(new SqlConnectionStringBuilder(server) { Pooling = false, InitialCatalog = "master" }.ConnectionString);
        connection.Open();
        using var command = new SqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
