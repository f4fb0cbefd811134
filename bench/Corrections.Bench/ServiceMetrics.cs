using System.Globalization;

namespace Corrections.Bench;

/// <summary>
/// The submission writer's histograms as the service's <c>/metrics</c> shows them (sums and counts only): read before
/// and after the counted part of a run, their difference says how the writer spent it.
/// </summary>
public sealed record WriterMetrics(double Groups, double Reports, double CommitSeconds, double Syncs, double SyncSeconds)
{
    /// <summary>The writer's metrics, or null when the target has none (the bare endpoint).</summary>
    public static async Task<WriterMetrics?> ReadAsync(HttpClient client, Uri target)
    {
        using var response = await client.GetAsync(new Uri(target, "/metrics"));
        if (!response.IsSuccessStatusCode)
            return null;
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n'))
        {
            if (!line.StartsWith("corrections_writer_", StringComparison.Ordinal))
                continue;
            var name = line[..line.IndexOfAny(['{', ' '])];
            values[name] = double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        double Value(string name) => values.GetValueOrDefault(name);
        return new WriterMetrics(
            Value("corrections_writer_group_size_count"), Value("corrections_writer_group_size_sum"),
            Value("corrections_writer_commit_duration_seconds_sum"),
            Value("corrections_writer_sync_duration_seconds_count"), Value("corrections_writer_sync_duration_seconds_sum"));
    }

    public static WriterMetrics operator -(WriterMetrics after, WriterMetrics before) => new(
        after.Groups - before.Groups, after.Reports - before.Reports, after.CommitSeconds - before.CommitSeconds,
        after.Syncs - before.Syncs, after.SyncSeconds - before.SyncSeconds);

    public string Describe(TimeSpan duration) =>
        $"Writer: {Groups / duration.TotalSeconds:F0} groups/s of {Reports / Math.Max(1, Groups):F1} reports, "
        + $"commit {CommitSeconds * 1000 / Math.Max(1, Groups):F2} ms a group (busy {CommitSeconds / duration.TotalSeconds:P0} of the time)"
        + (Syncs > 0 ? $", {Syncs / duration.TotalSeconds:F0} log syncs/s of {SyncSeconds * 1000 / Syncs:F2} ms." : ".");
}
