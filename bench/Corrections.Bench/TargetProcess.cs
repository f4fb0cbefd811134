using System.Globalization;

namespace Corrections.Bench;

/// <summary>
/// What a benchmark measures: the service, or this program's bare or textbook endpoint, as its own process on a loopback
/// port (run by the tests' <see cref="ServiceProcess"/>), with what it costs in memory and CPU; killed when disposed.
/// </summary>
public sealed class TargetProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    // The last lines are enough to say why a target stopped; a run logs for minutes.
    private const int OutputLines = 50;

    private readonly ServiceProcess process;

    private TargetProcess(ServiceProcess process) => this.process = process;

    public Uri Address => process.BaseAddress;
    public int ProcessId => process.Id;
    public string Output => process.Output;

    /// <summary>The service from this folder's Corrections.Web.dll, in Production, with its data in <paramref name="folder"/>.</summary>
    public static async Task<TargetProcess> StartServiceAsync(string folder, IReadOnlyDictionary<string, string> settings)
    {
        var service = new ServiceSettings()
            .SqliteFile(Path.Combine(folder, "corrections.db"))
            .PickupFolder(Path.Combine(folder, "mail"))
            .Set("Privacy:IpHashSecret", "benchmark-secret-0123456789")
            // One load generator is many readers here; the flood benchmark sets its own limits.
            .WithoutRateLimits();
        foreach (var (key, value) in settings)
            service.Set(key, value);
        return new(await ServiceProcess.StartAsync(service, startTimeout: StartTimeout, keepLastLines: OutputLines));
    }

    /// <summary>This program's bare endpoint.</summary>
    public static Task<TargetProcess> StartBareAsync()
    {
        var url = $"http://127.0.0.1:{TestPorts.Next()}";
        return StartThisProgramAsync(["bare", "--url", url], url);
    }

    /// <summary>This program's textbook EF Core endpoint, on a new SQLite file in <paramref name="folder"/>.</summary>
    public static Task<TargetProcess> StartTextbookAsync(string folder)
    {
        var url = $"http://127.0.0.1:{TestPorts.Next()}";
        return StartThisProgramAsync(["textbook", "--url", url, "--database", Path.Combine(folder, "textbook.db")], url);
    }

    private static async Task<TargetProcess> StartThisProgramAsync(string[] args, string url) =>
        new(await ServiceProcess.StartProgramAsync(typeof(TargetProcess).Assembly.Location, args, new Uri(url), StartTimeout, OutputLines));

    /// <summary>Resident memory now and at its highest so far, in MB, from /proc.</summary>
    public (double Now, double Peak) ResidentMegabytes()
    {
        double Read(string key)
        {
            var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith(key + ":", StringComparison.Ordinal));
            var kilobytes = line[(key.Length + 1)..].Trim().Split(' ')[0];
            return double.Parse(kilobytes, CultureInfo.InvariantCulture) / 1024;
        }
        return (Read("VmRSS"), Read("VmHWM"));
    }

    /// <summary>The CPU time the process has used so far, user and kernel, from /proc.</summary>
    public TimeSpan CpuTime() => Machine.CpuTime(process.Id);

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
