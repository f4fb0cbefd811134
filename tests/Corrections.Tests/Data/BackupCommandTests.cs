using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Tests.Infrastructure;
using Corrections.Tests.Reliability;
using Microsoft.Data.Sqlite;

namespace Corrections.Tests.Data;

/// <summary>The <c>backup</c> command copies the SQLite database through SQLite, also while the service takes reports.</summary>
[Collection(ServiceProcessCollection.Name)]
public sealed class BackupCommandTests() : ServiceTest(database: DatabaseProvider.Sqlite)
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(90);

    private string Target => Path.Combine(Data.Folder, "backups", "nightly", "corrections.db");

    [Fact]
    public async Task A_backup_taken_while_clients_post_reports_passes_the_integrity_check_and_holds_every_report_answered_202_before_it_began()
    {
        const int clients = 6;
        const int reportsPerClient = 1000;
        var live = await StartProcessAsync();
        // A long read, as an operator's open sqlite3 shell makes: while it lasts, nothing committed after it began is
        // copied from the log into the database file, so the reports of the load are in corrections.db-wal alone.
        await using var longRead = OpenReadOnly(Data.DatabasePath);
        await using (var begin = longRead.CreateCommand())
        {
            begin.CommandText = """BEGIN; SELECT count(*) FROM "Reports";""";
            await begin.ExecuteScalarAsync();
        }
        var accepted = new ConcurrentQueue<Guid>();
        var unexpected = new ConcurrentQueue<HttpStatusCode>();
        using var stopLoad = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var load = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            for (var i = 0; i < reportsPerClient && !stopLoad.IsCancellationRequested; i++)
            {
                using var response = await live.Client.SubmitAsync(Infrastructure.Reports.Valid(exact: $"mistake {client}-{i}"));
                if (response.StatusCode == HttpStatusCode.Accepted)
                    accepted.Enqueue(await Infrastructure.Reports.IdOf(response));
                else
                    unexpected.Enqueue(response.StatusCode);
            }
        })).ToList();
        await live.WaitUntilAsync(() => Task.FromResult(accepted.Count >= 100), what: "The load under way");

        var answeredBefore = accepted.ToArray();
        var backup = RunProcess(null, "backup", Target);
        var exitCode = await backup.WaitForExitAsync(ProcessTimeout);
        var loadOutlastedTheBackup = !load.All(client => client.IsCompleted);
        await stopLoad.CancelAsync();
        await Task.WhenAll(load);

        Assert.True(exitCode == 0, $"backup exited with {exitCode}:\n{backup.Output}");
        Assert.Matches($@"Wrote {Regex.Escape(Target)}: [\d,]+ bytes, [\d,]+ report\(s\)", backup.Output);
        Assert.True(loadOutlastedTheBackup, "the clients should still be posting when the backup ends");
        Assert.Empty(unexpected);
        Assert.Equal([Target], Directory.GetFiles(Path.GetDirectoryName(Target)!));
        Assert.Equal("ok", IntegrityCheck(Target));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Target));

        var inCopy = ReportIds(Target);
        var missing = answeredBefore.Where(id => !inCopy.Contains(id)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {answeredBefore.Length} reports answered 202 before the backup began are not in it");
    }

    [Fact]
    public async Task An_existing_target_is_refused_with_exit_code_1_and_left_untouched()
    {
        await MigrateAsync();
        Directory.CreateDirectory(Path.GetDirectoryName(Target)!);
        await File.WriteAllTextAsync(Target, "last night's backup");

        var backup = RunProcess(null, "backup", Target);

        Assert.Equal(1, await backup.WaitForExitAsync(ProcessTimeout));
        Assert.Contains($"{Target} already exists; a backup never overwrites it.", backup.Output);
        Assert.Equal("last night's backup", await File.ReadAllTextAsync(Target));
        Assert.Equal([Target], Directory.GetFiles(Path.GetDirectoryName(Target)!));
    }

    [Fact]
    public async Task A_database_locked_by_another_process_is_waited_for_and_then_backed_up()
    {
        await MigrateAsync();

        ServiceProcess backup;
        await using (var locker = await LockExclusivelyAsync())
        {
            backup = RunProcess(new() { ["Database:BusyTimeoutSeconds"] = "60" }, "backup", Target);
            await backup.WaitForOutputAsync("Backing up", timeout: ProcessTimeout);
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.False(backup.HasExited, $"the backup should wait for the lock:\n{backup.Output}");
        }
        var exitCode = await backup.WaitForExitAsync(ProcessTimeout);

        Assert.True(exitCode == 0, $"backup exited with {exitCode}:\n{backup.Output}");
        Assert.Equal("ok", IntegrityCheck(Target));
    }

    [Fact]
    public async Task A_database_locked_for_longer_than_BusyTimeoutSeconds_fails_with_exit_code_1_and_leaves_no_file()
    {
        await MigrateAsync();
        await using var locker = await LockExclusivelyAsync();

        var backup = RunProcess(new() { ["Database:BusyTimeoutSeconds"] = "1" }, "backup", Target);

        Assert.Equal(1, await backup.WaitForExitAsync(ProcessTimeout));
        Assert.Contains("The database stayed locked for longer than Database:BusyTimeoutSeconds (1 s); no backup was written.", backup.Output);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(Target)!));
    }

    [Theory]
    [InlineData(DatabaseProvider.PostgreSql, "pg_dump")]
    [InlineData(DatabaseProvider.SqlServer, "BACKUP DATABASE")]
    public async Task On_a_database_server_the_command_names_the_servers_own_tools_and_exits_with_1(DatabaseProvider provider, string tool)
    {
        var closedPort = TestPorts.Next();

        var backup = RunProcess(new()
        {
            ["Database:Provider"] = provider.ToString(),
            ["ConnectionStrings:Corrections"] = provider == DatabaseProvider.PostgreSql
                ? $"Host=127.0.0.1;Port={closedPort};Username=postgres;Timeout=5"
                : $"Server=127.0.0.1,{closedPort};Connect Timeout=5;TrustServerCertificate=true",
        }, "backup", Target);

        Assert.Equal(1, await backup.WaitForExitAsync(ProcessTimeout));
        Assert.Contains($"Database:Provider is {provider}", backup.Output);
        Assert.Contains(tool, backup.Output);
        Assert.False(File.Exists(Target));
    }

    private async Task MigrateAsync()
    {
        await using (var db = Data.CreateDb())
            await DatabaseSetup.MigrateAsync(db, CancellationToken.None);
        Data.ClearSqlitePool();
    }

    /// <summary>A connection that holds the database file in exclusive locking mode: readers, too, wait until it closes.</summary>
    private async Task<SqliteConnection> LockExclusivelyAsync()
    {
        var locker = new SqliteConnection($"Data Source={Data.DatabasePath};Pooling=False");
        await locker.OpenAsync();
        await using var command = locker.CreateCommand();
        command.CommandText = """PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; CREATE TABLE "Held"(x);""";
        await command.ExecuteNonQueryAsync();
        return locker;
    }

    private static string IntegrityCheck(string database)
    {
        using var connection = OpenReadOnly(database);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        return (string)command.ExecuteScalar()!;
    }

    private static HashSet<Guid> ReportIds(string database)
    {
        using var connection = OpenReadOnly(database);
        using var command = connection.CreateCommand();
        command.CommandText = """SELECT "Id" FROM "Reports" """;
        using var reader = command.ExecuteReader();
        var ids = new HashSet<Guid>();
        while (reader.Read())
            ids.Add(reader.GetGuid(0));
        return ids;
    }

    private static SqliteConnection OpenReadOnly(string database)
    {
        var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        return connection;
    }
}
