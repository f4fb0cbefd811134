using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace Corrections.Bench;

/// <summary>Benchmark 3: from the 202 to the editors' mail accepted by a local SMTP server, at a steady rate.</summary>
public static class EndToEndBenchmark
{
    public static async Task RunAsync(BenchArgs args, TextWriter output)
    {
        var rate = args.Double("rate", 200);
        var duration = args.Seconds("duration", 30);
        output.WriteLine($"## End to end: {rate:F0} reports/s for {duration.TotalSeconds:F0} s, mail to a local SMTP server");
        output.WriteLine($"Machine: {Machine.Describe()}");
        output.WriteLine();

        using var folder = new TempFolder();
        await using var sink = TestSmtpServer.StartNew(keepMessages: false);
        var settings = new Dictionary<string, string>(args.ServiceSettings)
        {
            ["Mail:Smtp:Host"] = "127.0.0.1",
            ["Mail:Smtp:Port"] = sink.Port.ToString(),
            ["Mail:Smtp:Security"] = "None",
        };
        await using var service = await TargetProcess.StartServiceAsync(folder.Path, settings);
        var before = Machine.LoadAverage();
        var run = await RunAsync(service.Address, sink, rate, duration, TimeSpan.FromSeconds(60));
        var peak = service.ResidentMegabytes().Peak;

        output.WriteLine("| measured | p50 ms | p99 ms | max ms | count | load average before → after |");
        output.WriteLine("| --- | ---: | ---: | ---: | --- | --- |");
        output.WriteLine($"| submission (request → 202) | {run.Load.Accepted.P50:F1} | {run.Load.Accepted.P99:F1} | {run.Load.Accepted.Max:F1} | {run.Load.Codes} | {before} → {Machine.LoadAverage()} |");
        output.WriteLine($"| 202 → mail accepted by SMTP | {run.Mail.P50:F1} | {run.Mail.P99:F1} | {run.Mail.Max:F1} | {run.Mail.Count} mailed, {run.Missing} missing | |");
        output.WriteLine();
        output.WriteLine($"Target: end-to-end p50 ≤ 1 s. Service peak memory {peak:F0} MB resident.");
    }

    public sealed record Run(LoadResult Load, Latencies Mail, int Missing);

    /// <summary>Sends at <paramref name="rate"/> and pairs each 202 with its mail; waits up to <paramref name="drain"/> for the last mails.</summary>
    public static async Task<Run> RunAsync(Uri service, TestSmtpServer sink, double rate, TimeSpan duration, TimeSpan drain, HttpMessageInvoker? client = null)
    {
        var acceptedAt = new ConcurrentDictionary<Guid, long>();
        using var ownClient = client is null ? LoadGenerator.CreateClient(64) : null;
        var generator = new LoadGenerator(client ?? ownClient!, service, new ReportBodies(ReportBodies.NewRunId()))
        {
            OnAccepted = (body, at) => acceptedAt[JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid()] = at,
        };
        var load = await generator.RunAtRateAsync(rate, duration);

        var deadline = Stopwatch.GetTimestamp() + (long)(drain.TotalSeconds * Stopwatch.Frequency);
        while (acceptedAt.Keys.Any(id => !sink.ReportMailAt.ContainsKey(id)) && Stopwatch.GetTimestamp() < deadline)
            await Task.Delay(100);

        var mail = new Latencies();
        var missing = 0;
        foreach (var (id, at) in acceptedAt)
        {
            if (sink.ReportMailAt.TryGetValue(id, out var mailedAt))
                mail.Add(Stopwatch.GetElapsedTime(at, mailedAt).TotalMilliseconds);
            else
                missing++;
        }
        return new Run(load, mail, missing);
    }
}
