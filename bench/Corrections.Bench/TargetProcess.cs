using System.Diagnostics;
using System.Globalization;

namespace Corrections.Bench;

/// <summary>The service, or the bare endpoint, as its own process on a loopback port; killed when disposed.</summary>
public sealed class TargetProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly Queue<string> lastLines = new();

    private TargetProcess(Process process, Uri address)
    {
        this.process = process;
        Address = address;
    }

    public Uri Address { get; }
    public int ProcessId => process.Id;

    /// <summary>The service from this folder's Corrections.Web.dll, in Production, with its data in <paramref name="folder"/>.</summary>
    public static Task<TargetProcess> StartServiceAsync(string folder, IReadOnlyDictionary<string, string> settings)
    {
        var port = SmtpSink.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ConnectionStrings__Corrections"] = $"Data Source={Path.Combine(folder, "corrections.db")}",
            ["Mail__PickupDirectory"] = Path.Combine(folder, "mail"),
            ["Privacy__IpHashSecret"] = "benchmark-secret-0123456789",
            // One load generator is many readers here; the flood benchmark sets its own limits.
            ["Abuse__ReportsPerClientPerMinute"] = "0",
            ["Abuse__ReportsPerSitePerMinute"] = "0",
        };
        foreach (var (key, value) in settings)
            environment[key.Replace(":", "__")] = value;
        return StartAsync(Path.Combine(AppContext.BaseDirectory, "Corrections.Web.dll"), [], environment, port);
    }

    /// <summary>This program's bare endpoint.</summary>
    public static Task<TargetProcess> StartBareAsync()
    {
        var port = SmtpSink.FreePort();
        return StartAsync(typeof(TargetProcess).Assembly.Location, ["bare", "--url", $"http://127.0.0.1:{port}"], new Dictionary<string, string>(), port);
    }

    /// <summary>This program's textbook EF Core endpoint, on a new SQLite file in <paramref name="folder"/>.</summary>
    public static Task<TargetProcess> StartTextbookAsync(string folder)
    {
        var port = SmtpSink.FreePort();
        return StartAsync(typeof(TargetProcess).Assembly.Location,
            ["textbook", "--url", $"http://127.0.0.1:{port}", "--database", Path.Combine(folder, "textbook.db")], new Dictionary<string, string>(), port);
    }

    private static async Task<TargetProcess> StartAsync(string dll, string[] args, Dictionary<string, string> environment, int port)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        var target = new TargetProcess(new Process { StartInfo = start }, new Uri($"http://127.0.0.1:{port}"));
        target.process.OutputDataReceived += (_, e) => target.Keep(e.Data);
        target.process.ErrorDataReceived += (_, e) => target.Keep(e.Data);
        target.process.Start();
        target.process.BeginOutputReadLine();
        target.process.BeginErrorReadLine();
        await target.WaitUntilAnsweringAsync();
        return target;
    }

    private async Task WaitUntilAnsweringAsync()
    {
        using var client = new HttpClient { BaseAddress = Address };
        var deadline = Stopwatch.GetTimestamp() + 120 * Stopwatch.Frequency;
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"The process stopped at start:\n{Output}");
            try
            {
                await client.GetAsync("/");
                return;
            }
            catch (HttpRequestException) when (Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

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

    public string Output
    {
        get
        {
            lock (lastLines)
                return string.Join('\n', lastLines);
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
            return;
        lock (lastLines)
        {
            lastLines.Enqueue(line);
            if (lastLines.Count > 50)
                lastLines.Dequeue();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }
}
