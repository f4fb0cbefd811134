using Corrections.Configuration;
using Corrections.Data;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Corrections.Tests.Data;

/// <summary>
/// SQL Server cannot run on the build machines: these tests run where <c>CORRECTIONS_TEST_SQLSERVER</c> holds the
/// connection string of one (a login that may create databases), and are skipped, saying so, elsewhere. The whole suite
/// runs on it with <c>CORRECTIONS_TEST_DATABASE=SqlServer</c>.
/// </summary>
public sealed class SqlServerTests
{
    private static TestData Data()
    {
        Skip.If(TestDatabase.SqlServer is null, $"{TestDatabase.SqlServerVariable} is not set: no SQL Server to test against (SQL Server cannot run on the build machines)");
        return new TestData(DatabaseProvider.SqlServer);
    }

    [SkippableFact]
    public async Task The_service_migrates_a_SQL_Server_database_stores_a_report_and_mails_it_once()
    {
        using var data = Data();
        await using var smtp = TestSmtpServer.StartNew();
        await using var app = new CorrectionsApp(data, smtp);

        var id = await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());

        var mail = Assert.Single(await smtp.WaitForMessagesAsync(1));
        Assert.Equal(id.ToString(), mail.Headers["X-Corrections-Report"]);
        await app.WaitUntilAsync(async () => (await app.OutboxAsync()).Single().State == OutboxState.Done);
        Assert.Equal(id, (await app.QueryAsync(db => db.Reports.SingleAsync())).Id);
    }

    [SkippableFact]
    public async Task Of_instances_competing_for_a_lease_on_SQL_Server_exactly_one_gets_it()
    {
        using var data = Data();
        await using var app = new CorrectionsApp(data);
        app.StartServer();
        var instances = Enumerable.Range(0, 8).Select(i => new DatabaseLease(app.Services.GetRequiredService<IServiceScopeFactory>(), app.Time, Instances.SharingTheDatabase($"instance-{i}"))).ToList();

        var won = await Task.WhenAll(instances.Select(i => Task.Run(() => i.TryAcquireAsync("job", TimeSpan.FromMinutes(1), CancellationToken.None))));

        Assert.Single(won, w => w);
    }

    [SkippableFact]
    public async Task The_migrate_command_prepares_a_SQL_Server_database()
    {
        using var data = Data();
        var settings = ServiceSettings.ForTest(data, smtpPort: null).Set("Database:MigrateOnStartup", null);

        using var command = ServiceProcess.Run(settings, "migrate");

        Assert.True(await command.WaitForExitAsync(TimeSpan.FromSeconds(90)) == 0, command.Output);
        Assert.Contains("to the SqlServer database", command.Output);
    }
}
