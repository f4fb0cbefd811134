using System.Net;
using Corrections.Configuration;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Data;

/// <summary>The database is migrated by the <c>migrate</c> command, or at start where <c>Database:MigrateOnStartup</c> says so.</summary>
public sealed class MigrationOnStartTests : IDisposable
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(90);

    private readonly TestData data = new();
    private readonly int port = TestPorts.Next();

    public void Dispose() => data.Dispose();

    private Dictionary<string, string> Environment(bool? migrateOnStartup)
    {
        var environment = data.Environment();
        environment.Remove("Database__MigrateOnStartup");
        if (migrateOnStartup is { } migrate)
            environment["Database__MigrateOnStartup"] = migrate ? "true" : "false";
        environment["Mail__PickupDirectory"] = data.MailFolder;
        environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        return environment;
    }

    private async Task<ServiceProcess> MigrateAsync(Dictionary<string, string> environment, int expectedExitCode = 0)
    {
        var command = ServiceProcess.Start(environment, "migrate");
        var exitCode = await command.WaitForExitAsync(ProcessTimeout);
        Assert.True(exitCode == expectedExitCode, $"migrate exited with {exitCode}:\n{command.Output}");
        return command;
    }

    [Fact]
    public async Task The_migrate_command_applies_the_migrations_and_exits_and_a_second_run_has_nothing_to_do()
    {
        using var first = await MigrateAsync(Environment(null));
        using var second = await MigrateAsync(Environment(null));

        Assert.Matches($@"Applied 1 migration\(s\) to the {data.Provider} database: \d+_Initial", first.Output);
        Assert.Contains($"The {data.Provider} database is up to date.", second.Output);
        await using var db = data.CreateDb();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public async Task The_migrate_command_exits_with_1_and_the_reason_when_the_database_cannot_be_reached()
    {
        var environment = Environment(null);
        var closedPort = TestPorts.Next();
        File.WriteAllText(Path.Combine(data.Folder, "a-file"), "");
        environment["ConnectionStrings__Corrections"] = data.Provider switch
        {
            DatabaseProvider.PostgreSql => $"Host=127.0.0.1;Port={closedPort};Username=postgres;Timeout=5",
            DatabaseProvider.SqlServer => $"Server=127.0.0.1,{closedPort};Connect Timeout=5;TrustServerCertificate=true",
            _ => $"Data Source={Path.Combine(data.Folder, "a-file", "corrections.db")}",
        };

        using var command = await MigrateAsync(environment, expectedExitCode: 1);

        Assert.Contains("Migrating the database failed: ", command.Output);
    }

    [Fact]
    public async Task With_MigrateOnStartup_off_the_service_refuses_to_start_on_a_database_that_lacks_migrations()
    {
        using var service = ServiceProcess.Start(Environment(migrateOnStartup: false));

        var exitCode = await service.WaitForExitAsync(ProcessTimeout);

        Assert.Equal(1, exitCode);
        Assert.Contains("lacks 1 migration(s)", service.Output);
        Assert.Contains("Database:MigrateOnStartup is false: apply them with 'dotnet Corrections.Web.dll migrate'", service.Output);
    }

    [Fact]
    public async Task After_the_migrate_command_the_service_starts_without_migrating_and_takes_reports()
    {
        (await MigrateAsync(Environment(null))).Dispose();
        using var service = ServiceProcess.Start(Environment(migrateOnStartup: false));
        var address = new Uri($"http://127.0.0.1:{port}");
        await service.WaitUntilAnsweringAsync(address, ProcessTimeout);

        using var client = new HttpClient { BaseAddress = address };
        var response = await client.PostAsync("/api/reports", System.Net.Http.Json.JsonContent.Create(Infrastructure.Reports.Valid()));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [SkippableFact]
    public async Task On_a_database_server_the_service_does_not_migrate_at_start_unless_told_to()
    {
        Skip.If(data.Provider == DatabaseProvider.Sqlite, "This run is on SQLite, which the service migrates at start by default; tests/run.sh runs this test on PostgreSQL");
        using var service = ServiceProcess.Start(Environment(migrateOnStartup: null));

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
