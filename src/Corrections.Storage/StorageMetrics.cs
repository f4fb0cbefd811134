using System.Diagnostics.Metrics;

namespace Corrections.Storage;

/// <summary>The write engine's measurements, on the service's meter "Corrections".</summary>
public sealed class StorageMetrics
{
    public const string MeterName = "Corrections";

    // Seconds: a group's commit takes milliseconds; a second or more is a disk in trouble.
    private static readonly double[] CommitSeconds = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly Histogram<int> groupSize;
    private readonly Histogram<double> commitDuration;

    public StorageMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        groupSize = meter.CreateHistogram("corrections_writer_group_size", "{report}", "Submissions committed together in one transaction",
            tags: null, advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128] });
        commitDuration = meter.CreateHistogram("corrections_writer_commit_duration", "s", "Time a group of submissions took to be decided, written and durably committed",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CommitSeconds });
    }

    public void GroupCommitted(int size, TimeSpan took)
    {
        groupSize.Record(size);
        commitDuration.Record(took.TotalSeconds);
    }
}
