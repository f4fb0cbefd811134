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
        var rounds = args.Int("rounds", 1);
        if (rounds < 1)
            throw new ArgumentException($"--rounds must be 1 or more, not {rounds}");
        var runId = ReportBodies.NewRunId();
        var trapped = args.Text("bot-trap", "no") == "yes";
        var passages = args.Int("passages", 0);
        var bodies = new ReportBodies(runId, trapped, passages);
        output.WriteLine($"## Submissions: {connections} connections, {duration.TotalSeconds:F0} s measured after {warmup.TotalSeconds:F0} s warm-up, bodies of {bodies.TypicalSize} bytes"
            + (rounds > 1 ? $", {rounds} rounds of the bare endpoint then the service, each service with a new database" : "")
            + (trapped ? ", every report caught by the bot trap (stored, no outbox row, no mail)" : "")
            + (passages > 0 ? $", every report on one of {passages} passages (each joins that passage's report)" : ""));
        output.WriteLine($"Machine: {Machine.Describe()}");
        output.WriteLine();
        output.WriteLine("| target | 202/s | p50 ms | p99 ms | max ms | answers | CPU µs a request: target, generator | load average before → after |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | --- | ---: | --- |");

        // On a shared or virtual machine the speed of both drifts over minutes; rounds taken in turn show how far, and
        // their median ratio is not carried by one lucky or unlucky minute.
        var measured = new List<Round>();
        for (var round = 1; round <= rounds; round++)
        {
            var label = rounds > 1 ? $", round {round}" : "";
            LoadResult? bare = null;
            if (args.Text("bare", "yes") == "yes")
            {
                await using var target = await TargetProcess.StartBareAsync();
                (bare, _) = await MeasureAsync("bare Kestrel, parse only" + label, target, bodies, connections, duration, warmup, output);
            }

            LoadResult? textbook = null;
            if (args.Text("textbook", "yes") == "yes")
            {
                using var textbookFolder = new TempFolder();
                await using var target = await TargetProcess.StartTextbookAsync(textbookFolder.Path);
                (textbook, _) = await MeasureAsync("textbook EF Core, SaveChanges a request" + label, target, bodies, connections, duration, warmup, output);
            }

            using var folder = new TempFolder();
            await using var service = await TargetProcess.StartServiceAsync(folder.Path, args.ServiceSettings);
            await Task.Delay(TimeSpan.FromSeconds(3));
            var idle = service.ResidentMegabytes().Now;
            var (result, inside) = await MeasureAsync(
                "service, durable (" + args.ServiceSettings.GetValueOrDefault("Database:Provider", "Sqlite") + ")" + label, service, bodies, connections, duration, warmup, output);
            var peak = service.ResidentMegabytes().Peak;
            string? mail = null;
            if (!trapped && !args.ServiceSettings.ContainsKey("Database:Provider"))
                mail = await MailBacklogAsync(Path.Combine(folder.Path, "corrections.db"), args.Text("drain", "no") == "yes");
            measured.Add(new Round(bare, textbook, result, idle, peak, inside, mail));
        }

        output.WriteLine();
        if (rounds == 1)
        {
            var only = measured[0];
            if (only.Bare is not null)
                output.Write($"Durable / bare: {only.Ratio:P1} (target ≥ 25 %); ");
            if (only.Textbook is not null)
                output.Write($"service / textbook EF Core: {only.OverTextbook:F1}× (target ≥ 5×); ");
            output.WriteLine($"service p99 {only.Service.Accepted.P99:F1} ms (target ≤ 25 ms at 32 connections).");
            output.WriteLine($"Service memory: idle {only.Idle:F0} MB, peak {only.Peak:F0} MB resident (target ≤ 250 MB).");
        }
        else
        {
            if (measured[0].Bare is not null)
                output.WriteLine($"Durable / bare by round: {string.Join(", ", measured.Select(r => $"{r.Ratio:P1}"))}; median **{Median(measured.Select(r => r.Ratio!.Value)):P1}** (target ≥ 25 %).");
            if (measured[0].Textbook is not null)
                output.WriteLine($"Service / textbook EF Core by round: {string.Join(", ", measured.Select(r => $"{r.OverTextbook:F1}×"))}; median **{Median(measured.Select(r => r.OverTextbook!.Value)):F1}×** (target ≥ 5×).");
            output.WriteLine($"Service p99 by round: {string.Join(", ", measured.Select(r => $"{r.Service.Accepted.P99:F1}"))} ms; highest {measured.Max(r => r.Service.Accepted.P99):F1} ms (target ≤ 25 ms at 32 connections).");
            output.WriteLine($"Service memory: idle {measured.Max(r => r.Idle):F0} MB, peak {measured.Max(r => r.Peak):F0} MB resident at most (target ≤ 250 MB).");
        }
        for (var i = 0; i < measured.Count; i++)
        {
            var prefix = rounds > 1 ? $"Round {i + 1}: " : "";
            if (measured[i].Inside is { } inside)
                output.WriteLine(prefix + inside.Replace(Environment.NewLine, Environment.NewLine + prefix, StringComparison.Ordinal));
            if (measured[i].Mail is { } mail)
                output.WriteLine(prefix + mail);
        }
    }

    /// <summary>One round: the bare endpoint's run (unless left out), then a new service's, with its memory and what it did inside.</summary>
    private sealed record Round(LoadResult? Bare, LoadResult? Textbook, LoadResult Service, double Idle, double Peak, string? Inside, string? Mail)
    {
        public double? Ratio => Bare is null ? null : Service.AcceptedPerSecond / Bare.AcceptedPerSecond;
        public double? OverTextbook => Textbook is null ? null : Service.AcceptedPerSecond / Textbook.AcceptedPerSecond;
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>
    /// How much of the run's mail went out during it (the dispatcher gives way to submissions), and with
    /// <paramref name="drain"/> how long the rest took once the load stopped.
    /// </summary>
    public static async Task<string> MailBacklogAsync(string database, bool drain)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        async Task<(long Done, long Waiting)> CountAsync()
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FILTER (WHERE State = 'Done'), COUNT(*) FILTER (WHERE State = 'Pending') FROM Outbox";
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            return (reader.GetInt64(0), reader.GetInt64(1));
        }
        var (done, waiting) = await CountAsync();
        var text = $"Mail when the load stopped: {done} sent, {waiting} waiting.";
        if (!drain || waiting == 0)
            return text;
        var started = Stopwatch.GetTimestamp();
        var left = waiting;
        while (left > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            (_, left) = await CountAsync();
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
