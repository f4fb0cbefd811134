using Corrections.Configuration;
using Corrections.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Corrections.Tests.Data;

/// <summary>Each provider's migrations project matches the model and makes a deployable script, with no server at hand.</summary>
public sealed class ProviderMigrationsTests
{
    public static TheoryData<string> Providers => ["Sqlite", "SqlServer", "PostgreSql"];

    private static CorrectionsDb DesignTimeDb(string provider) => provider switch
    {
        "Sqlite" => new Corrections.Migrations.Sqlite.DesignTimeFactory().CreateDbContext([]),
        "SqlServer" => new Corrections.Migrations.SqlServer.DesignTimeFactory().CreateDbContext([]),
        "PostgreSql" => new Corrections.Migrations.PostgreSql.DesignTimeFactory().CreateDbContext([]),
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    [Theory]
    [MemberData(nameof(Providers))]
    public void The_migrations_have_no_pending_model_changes(string provider)
    {
        using var db = DesignTimeDb(provider);

        Assert.False(db.Database.HasPendingModelChanges(), $"The model has changed since the {provider} migrations were made: run scripts/regenerate-migrations.sh");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void Until_the_first_release_there_is_one_migration_named_Initial(string provider)
    {
        using var db = DesignTimeDb(provider);

        Assert.EndsWith("_Initial", Assert.Single(db.Database.GetMigrations()));
    }

    [Theory]
    [InlineData("SqlServer")]
    [InlineData("PostgreSql")]
    public void An_idempotent_script_is_generated_for_a_database_server(string provider)
    {
        using var db = DesignTimeDb(provider);

        var script = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        var migration = db.Database.GetMigrations().Single();
        Assert.Contains("__EFMigrationsHistory", script);
        Assert.Contains(migration, script);
        Assert.Contains("CREATE TABLE", script);
        Assert.Contains("Leases", script);
        Assert.Contains(provider == "SqlServer" ? "IF NOT EXISTS" : "IF NOT EXISTS(SELECT 1 FROM \"__EFMigrationsHistory\"", script);
    }

    [SkippableFact]
    public async Task The_idempotent_PostgreSQL_script_makes_the_schema_and_can_run_again()
    {
        Skip.If(TestDatabase.PostgresServer is null, $"{TestDatabase.PostgresVariable} is not set: no PostgreSQL server to run the script on (tests/run.sh starts one)");
        using var design = DesignTimeDb("PostgreSql");
        var script = design.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);
        using var data = new TestData(DatabaseProvider.PostgreSql);

        await using (var connection = new NpgsqlConnection(data.ConnectionString))
        {
            await connection.OpenAsync();
            for (var run = 0; run < 2; run++)
            {
                await using var command = new NpgsqlCommand(script, connection);
                await command.ExecuteNonQueryAsync();
            }
        }

        await using var db = data.CreateDb();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal(0, await db.Leases.CountAsync());
    }

    [Fact]
    public void A_script_is_generated_for_SQLite_which_cannot_have_an_idempotent_one()
    {
        using var db = DesignTimeDb("Sqlite");
        var migrator = db.GetService<IMigrator>();

        var script = migrator.GenerateScript();

        Assert.Contains("CREATE TABLE \"Leases\"", script);
        Assert.ThrowsAny<NotSupportedException>(() => migrator.GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent));
    }
}
