using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Corrections.Configuration;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Storage;

/// <summary>
/// Operators read the live SQLite database with its own tools. Whatever they do that SQLite allows, every report
/// answered 202 survives a kill -9 of the service.
/// </summary>
[Collection(Reliability.ServiceProcessCollection.Name)]
public sealed class OperatorReadsDuringLoadTests : ServiceTest
{
    /// <summary>The size of log at which SQLite checkpoints by default, in pages.</summary>
    private const int SqliteAutomaticCheckpointPages = 1000;

    /// <summary>A report near the largest the API takes, so that the log passes the checkpointer's threshold soon.</summary>
    private static JsonObject LargeReport(string name)
    {
        var report = Infrastructure.Reports.Valid(exact: name + " " + new string('x', 900));
        report["selection"]!["prefix"] = new string('p', 500);
        report["selection"]!["suffix"] = new string('s', 500);
        report["suggestion"] = new string('g', 2000);
        report["comment"] = new string('c', 2000);
        return report;
    }

    /// <summary>What an operator types: the sqlite3 shell, which opens, reads and closes the database.</summary>
    private async Task<string> Sqlite3Async(string sql)
    {
        var start = new ProcessStartInfo("sqlite3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Data.DatabasePath);
        start.ArgumentList.Add(sql);
        using var shell = Process.Start(start)!;
        var output = await shell.StandardOutput.ReadToEndAsync();
        var error = await shell.StandardError.ReadToEndAsync();
        await shell.WaitForExitAsync();
        return shell.ExitCode == 0 ? output.Trim() : "error: " + error.Trim();
    }

    [SkippableFact]
    public async Task Reports_accepted_while_the_sqlite3_shell_reads_the_database_past_a_checkpoint_survive_kill_9()
    {
        Skip.If(Data.Provider != DatabaseProvider.Sqlite, "The test is about the SQLite file; tests/run.sh runs it on SQLite");
        var service = await StartProcessAsync();
        var accepted = new ConcurrentBag<Guid>();
        var unexpected = new ConcurrentBag<HttpStatusCode>();
        var shellAnswers = new ConcurrentBag<string>();
        var logPassedThreshold = false;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        async Task SendAsync(int client, int count)
        {
            for (var i = 0; i < count && !stop.IsCancellationRequested; i++)
            {
                using var response = await service.Client.SubmitAsync(LargeReport($"client {client} report {i} {Guid.NewGuid()}"));
                if (response.StatusCode == HttpStatusCode.Accepted)
                    accepted.Add(await Infrastructure.Reports.IdOf(response));
                else
                    unexpected.Add(response.StatusCode);
            }
        }

        // Load enough to grow the log past the point where the checkpointer starts it again, while an operator reads.
        var load = Enumerable.Range(0, 8).Select(client => Task.Run(() => SendAsync(client, 400))).ToList();
        var reading = Task.Run(async () =>
        {
            while (!Task.WhenAll(load).IsCompleted)
            {
                shellAnswers.Add(await Sqlite3Async("select count(*) from Reports"));
                var log = new FileInfo(Data.DatabasePath + "-wal");
                if (log.Exists && log.Length > SqliteAutomaticCheckpointPages * 4096L)
                    logPassedThreshold = true;
                await Task.Delay(100);
            }
        });
        await Task.WhenAll(load);
        await reading;

        // After the load, more readers; then more reports, each answered 202 while nothing else holds the database open.
        for (var i = 0; i < 3; i++)
            shellAnswers.Add(await Sqlite3Async("select count(*) from Reports"));
        await SendAsync(99, 20);
        shellAnswers.Add(await Sqlite3Async("select count(*) from Reports"));

        service.Kill();
        await service.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await service.RestartAsync();

        Assert.Empty(unexpected);
        Assert.DoesNotContain(shellAnswers, answer => answer.StartsWith("error", StringComparison.Ordinal));
        Assert.True(logPassedThreshold, "the load should grow the log past the point where SQLite would checkpoint it");
        var stored = (await Data.QueryAsync(db => db.Reports.Select(r => r.Id).ToListAsync())).ToHashSet();
        var lost = accepted.Where(id => !stored.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {accepted.Count} reports answered 202 are gone after the restart");
    }
}
