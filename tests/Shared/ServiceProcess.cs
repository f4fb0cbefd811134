using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Corrections.Testing;

/// <summary>
/// The built service as a process of its own, configured through environment variables made from
/// <see cref="ServiceSettings"/>: started on a port of 127.0.0.1 and restarted on the same port and data, killed
/// (SIGKILL) or stopped (SIGTERM) in the middle of its work, its output kept to read and to wait for. It also runs the
/// service's commands (<c>migrate</c>, <c>backup</c>) and, for the benchmarks, other programs. Killed when disposed.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable, IDisposable
{
    private const int SigTerm = 15;
    private static readonly string ServiceDll = Path.Combine(AppContext.BaseDirectory, "Corrections.Web.dll");

    private readonly string program;
    private readonly string[] args;
    private readonly Dictionary<string, string?> environment;
    private readonly Uri? address;
    private readonly string readyPath;
    private readonly TimeSpan startTimeout;
    private readonly int? keepLastLines;
    private readonly Queue<string> output = new();
    private HttpClient? client;
    private Process? process;
    private bool disposed;

    private ServiceProcess(string program, string[] args, Dictionary<string, string?> environment, Uri? address, string readyPath, TimeSpan startTimeout, int? keepLastLines)
    {
        this.program = program;
        this.args = args;
        this.environment = environment;
        this.address = address;
        this.readyPath = readyPath;
        this.startTimeout = startTimeout;
        this.keepLastLines = keepLastLines;
    }

    /// <summary>
    /// Starts the service on <paramref name="port"/> (a free one if not given) and waits until it answers /health/live.
    /// <paramref name="keepLastLines"/> bounds the output kept, for a run that logs for minutes.
    /// </summary>
    public static Task<ServiceProcess> StartAsync(ServiceSettings settings, int? port = null, TimeSpan? startTimeout = null, int? keepLastLines = null)
    {
        var address = new Uri($"http://127.0.0.1:{port ?? TestPorts.Next()}");
        var environment = new Dictionary<string, string?>(settings.ToEnvironment())
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{address.Port}",
        };
        return StartAsync(new ServiceProcess(ServiceDll, [], environment, address, "/health/live", startTimeout ?? TimeSpan.FromSeconds(60), keepLastLines));
    }

    /// <summary>Another program that serves HTTP at <paramref name="address"/>, as its arguments tell it; ready once it answers at all.</summary>
    public static Task<ServiceProcess> StartProgramAsync(string dll, string[] args, Uri address, TimeSpan startTimeout, int? keepLastLines = null) =>
        StartAsync(new ServiceProcess(dll, args, [], address, "/", startTimeout, keepLastLines));

    /// <summary>Runs a command of the service, such as <c>migrate</c> or <c>backup</c>, or a start that is to fail; does not wait.</summary>
    public static ServiceProcess Run(ServiceSettings settings, params string[] args)
    {
        var environment = new Dictionary<string, string?>(settings.ToEnvironment())
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            // Should it start after all, it takes no port that anything else wants.
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        };
        var command = new ServiceProcess(ServiceDll, args, environment, null, "", TimeSpan.Zero, null);
        command.Launch();
        return command;
    }

    private static async Task<ServiceProcess> StartAsync(ServiceProcess service)
    {
        try
        {
            await service.RestartAsync();
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    public Uri BaseAddress => address ?? throw new InvalidOperationException("This process was not started to serve HTTP");

    /// <summary>A client of the service, with a timeout that a stalled service cannot hold a test past.</summary>
    public HttpClient Client => client ??= new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public HttpClient CreateAdminClient(string key = ServiceSettings.AdminKey)
    {
        var admin = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return admin;
    }

    private Process Current => process ?? throw new InvalidOperationException("The process has not started");

    public int Id => Current.Id;
    public bool HasExited => Current.HasExited;
    public int ExitCode => Current.ExitCode;

    /// <summary>What the process has written since it last started, standard output and error together.</summary>
    public string Output
    {
        get
        {
            lock (output)
                return string.Concat(output.Select(line => line + "\n"));
        }
    }

    /// <summary>Starts the process (again, after a kill or a stop) on the same port and data, and waits until it answers.</summary>
    public async Task RestartAsync()
    {
        if (process is { HasExited: false })
            throw new InvalidOperationException("The service is still running");
        Launch();
        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        using var deadline = new CancellationTokenSource(startTimeout);
        while (true)
        {
            if (HasExited)
                throw new InvalidOperationException($"The service exited (code {ExitCode}) while starting. Its output:\n{Output}");
            try
            {
                using var answer = await probe.GetAsync(readyPath, deadline.Token);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
            }
            if (deadline.IsCancellationRequested)
                throw new TimeoutException($"The service did not answer {readyPath} at {BaseAddress} within {startTimeout}. Its output:\n{Output}");
            await Task.Delay(50);
        }
    }

    private void Launch()
    {
        process?.Dispose();
        lock (output)
            output.Clear();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(program);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment)
        {
            if (value is null)
                start.Environment.Remove(key);
            else
                start.Environment[key] = value;
        }
        var started = new Process { StartInfo = start, EnableRaisingEvents = true };
        started.OutputDataReceived += (_, e) => Append(e.Data);
        started.ErrorDataReceived += (_, e) => Append(e.Data);
        started.Start();
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (output)
        {
            output.Enqueue(line);
            if (output.Count > keepLastLines)
                output.Dequeue();
        }
    }

    /// <summary>SIGKILL: the process ends at once, in the middle of whatever it does.</summary>
    public void Kill() => Current.Kill(entireProcessTree: false);

    /// <summary>SIGTERM, as an orchestrator stops a container: the service shuts down gracefully.</summary>
    public void Terminate()
    {
        if (SendSignal(Current.Id, SigTerm) != 0)
            throw new InvalidOperationException($"kill({Current.Id}, SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await Current.WaitForExitAsync(deadline.Token);
        Current.WaitForExit(); // flushes the redirected output
        return Current.ExitCode;
    }

    /// <summary>Waits until the output has a line containing <paramref name="text"/> at least <paramref name="count"/> times.</summary>
    public async Task WaitForOutputAsync(string text, int count = 1, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (CountInOutput(text) < count)
        {
            if (deadline.IsCancellationRequested)
                throw new TimeoutException($"The service did not write '{text}' {count} time(s). Its output:\n{Output}");
            await Task.Delay(20);
        }
    }

    public int CountInOutput(string text)
    {
        var all = Output;
        var count = 0;
        for (var at = all.IndexOf(text, StringComparison.Ordinal); at >= 0; at = all.IndexOf(text, at + text.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    /// <summary>Waits until the condition holds; fails with the service's output if it exits or the time runs out.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? what = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (HasExited)
                throw new InvalidOperationException($"The service exited (code {ExitCode}) while the test waited for: {what ?? "a condition"}. Its output:\n{Output}");
            if (deadline.IsCancellationRequested)
                throw new TimeoutException($"{what ?? "The condition"} did not hold in time. The service's output:\n{Output}");
            await Task.Delay(50);
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        if (process is not null)
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            process.WaitForExit();
            process.Dispose();
        }
        client?.Dispose();
    }
}
