namespace Corrections.Bench;

/// <summary>
/// A flood from one client must not slow the others: one reader sends at a steady rate, first alone, then while another
/// client floods far over its per-client limit. Behind a trusted proxy (loopback) X-Forwarded-For names the client.
/// </summary>
public static class FloodBenchmark
{
    public static async Task RunAsync(BenchArgs args, TextWriter output)
    {
        var rate = args.Double("rate", 5);
        var duration = args.Seconds("duration", 20);
        var flooders = args.Int("connections", 16);
        var perMinute = args.Int("limit", 600);
        output.WriteLine($"## Flood: a reader at {rate:F0} reports/s, alone and while another client floods on {flooders} connections; Abuse:ReportsPerClientPerMinute = {perMinute}");
        output.WriteLine($"Machine: {Machine.Describe()}");
        output.WriteLine();

        using var folder = new TempFolder();
        var settings = new Dictionary<string, string>(args.ServiceSettings)
        {
            ["Abuse:KnownProxies:0"] = "127.0.0.1",
            ["Abuse:ReportsPerClientPerMinute"] = perMinute.ToString(),
        };
        await using var service = await TargetProcess.StartServiceAsync(folder.Path, settings);
        var bodies = new ReportBodies(ReportBodies.NewRunId());
        using var readerClient = LoadGenerator.CreateClient(8);
        using var floodClient = LoadGenerator.CreateClient(flooders);
        var reader = new LoadGenerator(readerClient, service.Address, bodies) { ForwardedFor = "198.51.100.23" };
        var flood = new LoadGenerator(floodClient, service.Address, bodies) { ForwardedFor = "203.0.113.66" };

        output.WriteLine("| phase | reader p50 ms | reader p99 ms | reader answers | flood answers | flood req/s | load average before → after |");
        output.WriteLine("| --- | ---: | ---: | --- | --- | ---: | --- |");
        var before = Machine.LoadAverage();
        var alone = await reader.RunAtRateAsync(rate, duration);
        output.WriteLine($"| reader alone | {alone.All.P50:F1} | {alone.All.P99:F1} | {alone.Codes} | | | {before} → {Machine.LoadAverage()} |");

        before = Machine.LoadAverage();
        var flooding = flood.RunClosedLoopAsync(flooders, duration + TimeSpan.FromSeconds(2), TimeSpan.Zero);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var during = await reader.RunAtRateAsync(rate, duration);
        var flooded = await flooding;
        output.WriteLine($"| reader during the flood | {during.All.P50:F1} | {during.All.P99:F1} | {during.Codes} | {flooded.Codes} | {flooded.RequestsPerSecond:F0} | {before} → {Machine.LoadAverage()} |");
    }
}
