using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Corrections.Bench;

/// <summary>
/// The admin API on a large database: each list's first page, a page far down the list, filtered pages, the outbox,
/// <c>/health/ready</c> and the stats, one request at a time, and the export of every report; then submissions per
/// second on that database against an empty one.
/// </summary>
public static class AdminBenchmark
{
    private const string AdminKey = "admin-benchmark-key-0123456789abcdef";

    /// <summary>One request measured again and again.</summary>
    public sealed record Row(string What, string Url, Latencies Latencies, int Failures);

    /// <summary>The rows, and the walk down the list that found the deep page.</summary>
    public sealed record Measured(IReadOnlyList<Row> Rows, int PagesWalked, TimeSpan Walk);

    public static async Task RunAsync(BenchArgs args, TextWriter output)
    {
        var reports = args.Int("reports", 1_000_000);
        var requests = args.Int("requests", 50);
        var depth = args.Int("depth", 1000);
        var connections = args.Int("connections", 32);
        var duration = args.Seconds("duration", 10);
        var warmup = args.Seconds("warmup", 5);
        output.WriteLine($"## Admin API with {reports:N0} reports stored (SQLite)");
        output.WriteLine($"Machine: {Machine.Describe()}");
        output.WriteLine();

        using var folder = new TempFolder();
        var filled = await AdminDatabase.FillAsync(folder.Path, reports, output);
        output.WriteLine($"Filled in {filled.Took.TotalSeconds:F0} s: {filled.Reports:N0} reports, {filled.Submissions:N0} submissions, "
            + $"{filled.OutboxRows:N0} outbox rows ({filled.Parked:N0} parked, {filled.Pending:N0} pending), {filled.Bytes / 1048576.0:N0} MB.");
        var settings = new Dictionary<string, string>(args.ServiceSettings)
        {
            ["Admin:ApiKeys:0:Name"] = "benchmark",
            ["Admin:ApiKeys:0:Key"] = AdminKey,
        };

        LoadResult onFilled;
        var started = Stopwatch.GetTimestamp();
        await using (var service = await TargetProcess.StartServiceAsync(folder.Path, settings))
        {
            output.WriteLine($"The service answered {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s after it was started on that database.");
            output.WriteLine();
            using var admin = new HttpClient { BaseAddress = service.Address };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
            var before = Machine.LoadAverage();
            var measured = await MeasureAsync(admin, requests, depth);
            output.WriteLine($"{requests} requests each, one at a time, after 3 not counted; load average {before} → {Machine.LoadAverage()}.");
            output.WriteLine();
            output.WriteLine("| request | p50 ms | p99 ms | max ms | not 200 |");
            output.WriteLine("| --- | ---: | ---: | ---: | ---: |");
            foreach (var row in measured.Rows)
                output.WriteLine($"| {row.What}: `{Shorten(row.Url)}` | {row.Latencies.P50:F1} | {row.Latencies.P99:F1} | {row.Latencies.Max:F1} | {row.Failures} |");
            output.WriteLine();
            output.WriteLine($"The deep page was found by following next {measured.PagesWalked} times from the first page: {measured.Walk.TotalSeconds:F1} s, "
                + $"{measured.Walk.TotalMilliseconds / Math.Max(measured.PagesWalked, 1):F1} ms a page.");
            var (bytes, took) = await ExportAsync(admin);
            output.WriteLine($"The export of every report as CSV: {bytes / 1048576.0:N0} MB in {took.TotalSeconds:F1} s; "
                + $"the service's resident memory at its highest so far: {service.ResidentMegabytes().Peak:F0} MB.");
            onFilled = await SubmitAsync(service.Address, connections, duration, warmup);
        }

        using var emptyFolder = new TempFolder();
        LoadResult onEmpty;
        await using (var service = await TargetProcess.StartServiceAsync(emptyFolder.Path, settings))
            onEmpty = await SubmitAsync(service.Address, connections, duration, warmup);

        output.WriteLine();
        output.WriteLine($"Submissions, {connections} connections, {duration.TotalSeconds:F0} s measured after {warmup.TotalSeconds:F0} s warm-up:");
        output.WriteLine();
        output.WriteLine("| database | 202/s | p50 ms | p99 ms | answers |");
        output.WriteLine("| --- | ---: | ---: | ---: | --- |");
        output.WriteLine($"| {reports:N0} reports | {onFilled.AcceptedPerSecond:F0} | {onFilled.Accepted.P50:F1} | {onFilled.Accepted.P99:F1} | {onFilled.Codes} |");
        output.WriteLine($"| empty | {onEmpty.AcceptedPerSecond:F0} | {onEmpty.Accepted.P50:F1} | {onEmpty.Accepted.P99:F1} | {onEmpty.Codes} |");
        output.WriteLine();
        output.WriteLine($"Filled / empty: {onFilled.AcceptedPerSecond / onEmpty.AcceptedPerSecond:P0}. Target: every list's first page and /health/ready ≤ 50 ms.");
    }

    /// <summary>
    /// Measures each request <paramref name="requests"/> times, one at a time, with <paramref name="admin"/> (its base
    /// address and key set); the deep page is the one after following next <paramref name="depth"/> times, or the last.
    /// </summary>
    public static async Task<Measured> MeasureAsync(HttpClient admin, int requests, int depth)
    {
        var first = await GetJsonAsync(admin, "/api/reports");
        var someReport = first.RootElement.GetProperty("items")[0].GetProperty("id").GetString();
        var walk = Stopwatch.GetTimestamp();
        string? cursor = null;
        var walked = 0;
        for (var next = Next(first); walked < depth && next is not null; walked++)
        {
            cursor = next;
            next = Next(await GetJsonAsync(admin, "/api/reports?cursor=" + cursor));
        }
        var walkTook = Stopwatch.GetElapsedTime(walk);

        // The stats read every report: a few requests tell their cost.
        var statsRequests = Math.Min(requests, 5);
        (string What, string Url, int Requests)[] targets =
        [
            ("reports, first page", "/api/reports", requests),
            ($"reports, page {walked + 1}", cursor is null ? "/api/reports" : "/api/reports?cursor=" + cursor, requests),
            ("reports of one site", $"/api/reports?site={AdminDatabase.Sites[1]}", requests),
            ("reports of one status", "/api/reports?status=spam", requests),
            ("reports of one site and status", $"/api/reports?site={AdminDatabase.Sites[3]}&status=new", requests),
            ("reports, 200 a page", "/api/reports?pageSize=200", requests),
            ("outbox, parked", "/api/outbox", requests),
            ("outbox, pending", "/api/outbox?state=pending", requests),
            ("outbox, done", "/api/outbox?state=done", requests),
            ("health", "/health/ready", requests),
            ("one report with its history", $"/api/reports/{someReport}", requests),
            ($"stats, {statsRequests} requests", "/api/reports/stats", statsRequests),
        ];
        var rows = new List<Row>();
        foreach (var (what, url, count) in targets)
        {
            var latencies = new Latencies();
            var failures = 0;
            for (var i = -3; i < count; i++)
            {
                var sent = Stopwatch.GetTimestamp();
                using var response = await admin.GetAsync(url, HttpCompletionOption.ResponseContentRead);
                if (i < 0)
                    continue;
                latencies.AddSince(sent);
                failures += response.StatusCode == HttpStatusCode.OK ? 0 : 1;
            }
            rows.Add(new Row(what, url, latencies, failures));
        }
        return new Measured(rows, walked, walkTook);
    }

    /// <summary>Every report as CSV, read as it comes: how many bytes, and how long from the request to the last byte.</summary>
    public static async Task<(long Bytes, TimeSpan Took)> ExportAsync(HttpClient admin)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await admin.GetAsync("/api/reports/export", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        long bytes = 0;
        for (int read; (read = await body.ReadAsync(buffer)) > 0;)
            bytes += read;
        return (bytes, Stopwatch.GetElapsedTime(started));
    }

    private static async Task<JsonDocument> GetJsonAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
    }

    private static string? Next(JsonDocument page) =>
        page.RootElement.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;

    private static string Shorten(string url) => url.Contains("cursor=", StringComparison.Ordinal) ? url[..(url.IndexOf("cursor=", StringComparison.Ordinal) + 7)] + "…" : url;

    private static async Task<LoadResult> SubmitAsync(Uri address, int connections, TimeSpan duration, TimeSpan warmup)
    {
        using var client = LoadGenerator.CreateClient(connections);
        return await new LoadGenerator(client, address, new ReportBodies(ReportBodies.NewRunId())).RunClosedLoopAsync(connections, duration, warmup);
    }
}
