using System.Globalization;

namespace Corrections.Bench;

/// <summary>
/// The submission writer's histograms and the runtime's collector as the service's <c>/metrics</c> shows them (sums and
/// counts only): read before and after the counted part of a run, their difference says how the writer and the
/// collector spent it.
/// </summary>
public sealed record ServiceMetrics(
    double Groups, double Reports, double CommitSeconds, double Collections, double PauseSeconds, double AllocatedBytes)
{
    /// <summary>The service's metrics, or null when the target has none (the bare endpoint).</summary>
    public static async Task<ServiceMetrics?> ReadAsync(HttpClient client, Uri target)
    {
        using var response = await client.GetAsync(new Uri(target, "/metrics"));
        if (!response.IsSuccessStatusCode)
            return null;
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n'))
        {
            if (!line.StartsWith("corrections_writer_", StringComparison.Ordinal) && !line.StartsWith("corrections_runtime_gc_", StringComparison.Ordinal))
                continue;
            // Summed over labels: the collections are counted by generation.
            var name = line[..line.IndexOfAny(['{', ' '])];
            values[name] = values.GetValueOrDefault(name) + double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        double Value(string name) => values.GetValueOrDefault(name);
        return new ServiceMetrics(
            Value("corrections_writer_group_size_count"), Value("corrections_writer_group_size_sum"),
            Value("corrections_writer_commit_duration_seconds_sum"),
            Value("corrections_runtime_gc_collections_total"), Value("corrections_runtime_gc_pause_time_seconds_total"),
            Value("corrections_runtime_gc_allocated_bytes_total"));
    }

    public static ServiceMetrics operator -(ServiceMetrics after, ServiceMetrics before) => new(
        after.Groups - before.Groups, after.Reports - before.Reports, after.CommitSeconds - before.CommitSeconds,
        after.Collections - before.Collections, after.PauseSeconds - before.PauseSeconds, after.AllocatedBytes - before.AllocatedBytes);

    public string DescribeWriter(TimeSpan duration) =>
        $"Writer: {Groups / duration.TotalSeconds:F0} groups/s of {Reports / Math.Max(1, Groups):F1} reports, "
        + $"commit {CommitSeconds * 1000 / Math.Max(1, Groups):F2} ms a group (busy {CommitSeconds / duration.TotalSeconds:P0} of the time).";

    /// <summary>What the garbage collector cost: the allocations a request are the same on a busy machine and an idle one.</summary>
    public string DescribeCollector(TimeSpan duration, long requests) =>
        $"Collector: {Collections / duration.TotalSeconds:F1} collections/s, paused {PauseSeconds / duration.TotalSeconds:P1} of the time, "
        + $"{AllocatedBytes / 1024 / Math.Max(1, requests):F1} KB allocated a request.";
}
