using System.Globalization;

namespace Corrections.Bench;

/// <summary>What the numbers were measured on, and how busy the machine was.</summary>
public static class Machine
{
    public static string Describe()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var memory = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        var kilobytes = double.Parse(memory["MemTotal:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return $"{Environment.ProcessorCount} cores ({cpu}), {kilobytes / 1024 / 1024:F1} GiB, .NET {Environment.Version}, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC";
    }

    /// <summary>The 1, 5 and 15 minute load averages, as uptime shows them.</summary>
    public static string LoadAverage() => string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
