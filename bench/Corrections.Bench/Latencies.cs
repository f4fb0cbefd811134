using System.Diagnostics;

namespace Corrections.Bench;

/// <summary>Latencies in milliseconds, with nearest-rank percentiles.</summary>
public sealed class Latencies
{
    private readonly List<double> values = [];

    public int Count
    {
        get
        {
            lock (values)
                return values.Count;
        }
    }

    public void Add(double milliseconds)
    {
        lock (values)
            values.Add(milliseconds);
    }

    public void AddSince(long startTimestamp) => Add(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds);

    public void AddRange(IEnumerable<double> milliseconds)
    {
        lock (values)
            values.AddRange(milliseconds);
    }

    public double Percentile(double p)
    {
        double[] sorted;
        lock (values)
            sorted = [.. values];
        if (sorted.Length == 0)
            return double.NaN;
        Array.Sort(sorted);
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public double P50 => Percentile(50);
    public double P99 => Percentile(99);
    public double Max => Percentile(100);
}
