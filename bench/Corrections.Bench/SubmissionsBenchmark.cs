using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Corrections.Bench;

/// <summary>
/// Benchmark 1 and 4: durable submissions to the service (SQLite, 202 after the commit) against the bare endpoint, same
/// connections, same run; and the service's resident memory idle and at its peak under that load.
/// </summary>
public static class SubmissionsBenchmark
{
    public static async Task RunAsync(BenchArgs args, TextWriter output)
    {
        var connections = args.Int("connections", 32);
        var duration = args.Seconds("duration", 20);
        var warmup = args.Seconds("warmup", 20);
        var runId = ReportBodies.NewRunId();
        var trapped = args.Text("bot-trap", "no") == "yes";
        var passages = args.Int("passages", 0);
        var bodies = new ReportBodies(runId, trapped, passages);
        output.WriteLine($"## Submissions: {connections} connections, {duration.TotalSeconds:F0} s measured after {warmup.TotalSeconds:F0} s warm-up, bodies of {bodies.TypicalSize} bytes"
            + (trapped ? ", every report caught by the bot trap (stored, no outbox row, no mail)" : "")
            + (passages > 0 ? $", every report on one of {passages} passages (each joins that passage's report)" : ""));
        output.WriteLine($"Machine: {Machine.Describe()}");
        output.WriteLine();
        output.WriteLine("| target | 202/s | p50 ms | p99 ms | max ms | answers | CPU µs a request: target, generator | load average before → after |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | --- | ---: | --- |");

        LoadResult? bare = null;
        if (args.Text("bare", "yes") == "yes")
        {
            await using var target = await TargetProcess.StartBareAsync();
            (bare, _) = await MeasureAsync("bare Kestrel, parse only", target, bodies, connections, duration, warmup, output);
        }

        using var folder = new TempFolder();
        LoadResult service;
        string? inside;
        double idle, peak;
        string? mail = null;
        await using (var target = await TargetProcess.StartServiceAsync(folder.Path, args.ServiceSettings))
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            idle = target.ResidentMegabytes().Now;
            (service, inside) = await MeasureAsync("service, durable (" + args.ServiceSettings.GetValueOrDefault("Database:Provider", "Sqlite") + ")", target, bodies, connections, duration, warmup, output);
            peak = target.ResidentMegabytes().Peak;
            if (!trapped && !args.ServiceSettings.ContainsKey("Database:Provider"))
                mail = await MailBacklogAsync(Path.Combine(folder.Path, "corrections.db"), args.Text("drain", "no") == "yes");
        }

        output.WriteLine();
        if (bare is not null)
            output.Write($"Durable / bare: {service.AcceptedPerSecond / bare.AcceptedPerSecond:P1} (target ≥ 30 %); ");
        output.WriteLine($"service p99 {service.Accepted.P99:F1} ms (target ≤ 25 ms at 32 connections).");
        output.WriteLine($"Service memory: idle {idle:F0} MB, peak {peak:F0} MB resident (target ≤ 250 MB).");
        if (inside is not null)
            output.WriteLine(inside);
        if (mail is not null)
            output.WriteLine(mail);
    }

    /// <summary>
    /// How much of the run's mail went out during it (the dispatcher gives way to submissions), and with
    /// <paramref name="drain"/> how long the rest took once the load stopped.
    /// </summary>
    public static async Task<string> MailBacklogAsync(string database, bool drain)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        // Mail of reports a burst left in the intake waits too: its outbox rows are made when they are sorted.
        async Task<(long Done, long Waiting, long Unsorted)> CountAsync()
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FILTER (WHERE State = 'Done'), COUNT(*) FILTER (WHERE State = 'Pending'), "
                + "(SELECT COALESCE(SUM(json_array_length(CAST(Rows AS TEXT), '$.Outbox')), 0) FROM Intake WHERE SortError IS NULL) FROM Outbox";
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            return (reader.GetInt64(0), reader.GetInt64(1) + reader.GetInt64(2), reader.GetInt64(2));
        }
        var (done, waiting, unsorted) = await CountAsync();
        var text = $"Mail when the load stopped: {done} sent, {waiting} waiting (of them {unsorted} for reports not yet sorted from the intake).";
        if (!drain || waiting == 0)
            return text;
        var started = Stopwatch.GetTimestamp();
        var left = waiting;
        while (left > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            (_, left, _) = await CountAsync();
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return text + $" Those were sent within {seconds:F0} s after it ({waiting / seconds:F0} mails/s).";
    }

    /// <returns>The load's result, and for the service what its writer and its garbage collector did meanwhile.</returns>
    public static async Task<(LoadResult Result, string? Inside)> MeasureAsync(string name, TargetProcess target, ReportBodies bodies, int connections, TimeSpan duration, TimeSpan warmup, TextWriter output)
    {
        var before = Machine.LoadAverage();
        using var client = LoadGenerator.CreateClient(connections);
        using var scraper = new HttpClient();
        var run = new LoadGenerator(client, target.Address, bodies).RunClosedLoopAsync(connections, duration, warmup);
        // CPU used while the answers are counted, per answer: what a request costs, apart from how busy the machine was.
        await Task.Delay(warmup);
        var (targetCpu, generatorCpu) = (target.CpuTime(), Machine.CpuTime(Environment.ProcessId));
        var metricsBefore = await ServiceMetrics.ReadAsync(scraper, target.Address);
        var result = await run;
        var requests = result.StatusCodes.Values.Sum();
        var targetPerRequest = (target.CpuTime() - targetCpu).TotalMicroseconds / requests;
        var generatorPerRequest = (Machine.CpuTime(Environment.ProcessId) - generatorCpu).TotalMicroseconds / requests;
        var metricsAfter = await ServiceMetrics.ReadAsync(scraper, target.Address);
        output.WriteLine($"| {name} | {result.AcceptedPerSecond:F0} | {result.Accepted.P50:F1} | {result.Accepted.P99:F1} | {result.Accepted.Max:F1} | {result.Codes} | {targetPerRequest:F0}, {generatorPerRequest:F0} | {before} → {Machine.LoadAverage()} |");
        if (metricsBefore is null || metricsAfter is null)
            return (result, null);
        var during = metricsAfter - metricsBefore;
        return (result, during.DescribeWriter(duration) + Environment.NewLine + during.DescribeCollector(duration, requests));
    }
}

/// <summary>A temporary folder for one run's database and mail; deleted afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("corrections-bench-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
