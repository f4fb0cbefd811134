using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Corrections.Tests.Infrastructure;

/// <summary>The built service as a separate process, configured through environment variables; killed when disposed.</summary>
public sealed class ServiceProcess : IDisposable
{
    private const int SigTerm = 15;

    private readonly Process process;
    private readonly StringBuilder output = new();

    private ServiceProcess(Process process) => this.process = process;

    public string Output
    {
        get
        {
            lock (output)
                return output.ToString();
        }
    }

    public static ServiceProcess Start(IDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Corrections.Web.dll"));
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
            start.Environment[key] = value;

        var service = new ServiceProcess(new Process { StartInfo = start, EnableRaisingEvents = true });
        service.process.OutputDataReceived += (_, e) => service.Append(e.Data);
        service.process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        service.process.Start();
        service.process.BeginOutputReadLine();
        service.process.BeginErrorReadLine();
        return service;
    }

    public int Id => process.Id;
    public bool HasExited => process.HasExited;
    public int ExitCode => process.ExitCode;

    /// <summary>SIGKILL: the process ends at once, in the middle of whatever it does.</summary>
    public void Kill() => process.Kill(entireProcessTree: false);

    /// <summary>SIGTERM, as an orchestrator stops a container: the service shuts down gracefully.</summary>
    public void Terminate()
    {
        if (SendSignal(process.Id, SigTerm) != 0)
            throw new InvalidOperationException($"kill({process.Id}, SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

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
        var output = Output;
        var count = 0;
        for (var at = output.IndexOf(text, StringComparison.Ordinal); at >= 0; at = output.IndexOf(text, at + text.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(deadline.Token);
        process.WaitForExit(); // flushes the redirected output
        return process.ExitCode;
    }

    /// <summary>Waits until the service answers HTTP at <paramref name="baseAddress"/>; fails with its output if it exits or takes too long.</summary>
    public async Task WaitUntilAnsweringAsync(Uri baseAddress, TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"The service exited with {process.ExitCode} before answering:\n{Output}");
            try
            {
                await client.GetAsync("/assets/page.css", deadline.Token);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !deadline.IsCancellationRequested)
            {
                await Task.Delay(100, CancellationToken.None);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The service did not answer at {baseAddress} within {timeout}:\n{Output}");
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (output)
            output.AppendLine(line);
    }

    public void Dispose()
    {
        if (!process.HasExited)
            process.Kill(entireProcessTree: true);
        process.Dispose();
    }
}
