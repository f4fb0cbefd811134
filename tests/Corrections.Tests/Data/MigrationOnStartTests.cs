using System.Net;
using Corrections.Configuration;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Data;

/// <summary>The database is migrated by the <c>migrate</c> command, or at start where <c>Database:MigrateOnStartup</c> says so.</summary>
public sealed class MigrationOnStartTests() : ServiceTest(TestRelay.None)
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(90);

    /// <summary>The service's own default unless told: on SQLite it migrates at start, on a database server it does not.</summary>
    private static Dictionary<string, string?> MigrateOnStartup(bool? migrate) =>
        new() { ["Database:MigrateOnStartup"] = migrate is { } on ? (on ? "true" : "false") : null };

    private async Task<ServiceProcess> MigrateAsync(string? connectionString = null, int expectedExitCode = 0)
    {
        var settings = MigrateOnStartup(null);
        if (connectionString is not null)
            settings["ConnectionStrings:Corrections"] = connectionString;
        var command = RunProcess(settings, "migrate");
        var exitCode = await command.WaitForExitAsync(ProcessTimeout);
        Assert.True(exitCode == expectedExitCode, $"migrate exited with {exitCode}:\n{command.Output}");
        return command;
    }

    [Fact]
    public async Task The_migrate_command_applies_the_migrations_and_exits_and_a_second_run_has_nothing_to_do()
    {
        var first = await MigrateAsync();
        var second = await MigrateAsync();

        Assert.Matches($@"Applied 1 migration\(s\) to the {Data.Provider} database: \d+_Initial", first.Output);
        Assert.Contains($"The {Data.Provider} database is up to date.", second.Output);
        await using var db = Data.CreateDb();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public async Task The_migrate_command_exits_with_1_and_the_reason_when_the_database_cannot_be_reached()
    {
        var closedPort = TestPorts.Next();
        File.WriteAllText(Path.Combine(Data.Folder, "a-file"), "");
        var unreachable = Data.Provider switch
        {
            DatabaseProvider.PostgreSql => $"Host=127.0.0.1;Port={closedPort};Username=postgres;Timeout=5",
            DatabaseProvider.SqlServer => $"Server=127.0.0.1,{closedPort};Connect Timeout=5;TrustServerCertificate=true",
            _ => $"Data Source={Path.Combine(Data.Folder, "a-file", "corrections.db")}",
        };

        var command = await MigrateAsync(unreachable, expectedExitCode: 1);

        Assert.Contains("Migrating the database failed: ", command.Output);
    }

    [Fact]
    public async Task With_MigrateOnStartup_off_the_service_refuses_to_start_on_a_database_that_lacks_migrations()
    {
        var service = RunProcess(MigrateOnStartup(false));

        var exitCode = await service.WaitForExitAsync(ProcessTimeout);

        Assert.Equal(1, exitCode);
        Assert.Contains("lacks 1 migration(s)", service.Output);
        Assert.Contains("Database:MigrateOnStartup is false: apply them with 'dotnet Corrections.Web.dll migrate'", service.Output);
    }

    [Fact]
    public async Task After_the_migrate_command_the_service_starts_without_migrating_and_takes_reports()
    {
        await MigrateAsync();
        var service = await StartProcessAsync(MigrateOnStartup(false));

        var response = await service.Client.SubmitAsync(Infrastructure.Reports.Valid());

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [SkippableFact]
    public async Task On_a_database_server_the_service_does_not_migrate_at_start_unless_told_to()
    {
        Skip.If(Data.Provider == DatabaseProvider.Sqlite, "This run is on SQLite, which the service migrates at start by default; tests/run.sh runs this test on PostgreSQL");
        var service = RunProcess(MigrateOnStartup(null));

        var exitCode = await service.WaitForExitAsync(ProcessTimeout);

        Assert.Equal(1, exitCode);
        Assert.Contains("Database:MigrateOnStartup is false", service.Output);
    }

    [Fact]
    public async Task SQLite_is_migrated_at_start_by_default()
    {
        using var sqlite = new TestData(DatabaseProvider.Sqlite);
        await using var app = new CorrectionsApp(sqlite, settings: new Dictionary<string, string?> { ["Database:MigrateOnStartup"] = null });

        var response = await app.SubmitAsync(Infrastructure.Reports.Valid());

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
