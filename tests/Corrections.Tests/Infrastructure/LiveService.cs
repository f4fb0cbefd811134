using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Corrections.Data;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Infrastructure;

/// <summary>
/// The built service as a real process on 127.0.0.1, with its own database (see <see cref="TestData"/>) and mail sent to a test SMTP port,
/// the outbox on short real-time timers. Restarting starts a new process on the same data and port.
/// </summary>
public sealed class LiveService : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key-0123456789abcdef";

    private readonly Dictionary<string, string> environment;

    private LiveService(TestData data, Dictionary<string, string> environment, int port)
    {
        Data = data;
        this.environment = environment;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public TestData Data { get; }
    public Uri BaseAddress { get; }
    public HttpClient Client { get; }
    public ServiceProcess Process { get; private set; } = null!;

    public static async Task<LiveService> StartAsync(TestData data, int smtpPort, IDictionary<string, string>? settings = null)
    {
        var port = TestPorts.Next();
        var environment = new Dictionary<string, string>(data.Environment())
        {
            ["Mail__PickupDirectory"] = data.MailFolder,
            ["Mail__Smtp__Host"] = "127.0.0.1",
            ["Mail__Smtp__Port"] = smtpPort.ToString(),
            ["Mail__Smtp__Security"] = "None",
            ["Mail__Smtp__TimeoutSeconds"] = "5",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Outbox__PollIntervalSeconds"] = "1",
            ["Outbox__FirstRetrySeconds"] = "1",
            ["Outbox__MaxRetrySeconds"] = "2",
            ["Abuse__ReportsPerClientPerMinute"] = "0",
            ["Admin__ApiKeys__0__Name"] = "operator",
            ["Admin__ApiKeys__0__Key"] = AdminKey,
            ["Logging__Console__TimestampFormat"] = "HH:mm:ss.fff ",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            environment[key.Replace(":", "__")] = value;

        var service = new LiveService(data, environment, port);
        await service.RestartAsync();
        return service;
    }

    /// <summary>Starts the process (again, after a kill or a stop) and waits until it answers /health/live.</summary>
    public async Task RestartAsync()
    {
        if (Process is { HasExited: false })
            throw new InvalidOperationException("The service is still running");
        Process?.Dispose();
        Process = ServiceProcess.Start(environment);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (Process.HasExited)
                throw new InvalidOperationException($"The service exited while starting. Its output:\n{Process.Output}");
            try
            {
                using var live = await Client.GetAsync("/health/live", deadline.Token);
                if (live.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
            }
            if (deadline.IsCancellationRequested)
                throw new TimeoutException($"The service did not answer /health/live. Its output:\n{Process.Output}");
            await Task.Delay(50);
        }
    }

    public async Task<HttpResponseMessage> SubmitAsync(JsonObject report, CancellationToken cancellationToken = default) =>
        await Client.PostAsync("/api/reports", JsonContent.Create(report), cancellationToken);

    public async Task<Guid> SubmitAcceptedAsync(JsonObject report)
    {
        using var response = await SubmitAsync(report);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await IdOf(response);
    }

    public static async Task<Guid> IdOf(HttpResponseMessage accepted)
    {
        var body = await accepted.Content.ReadFromJsonAsync<JsonObject>();
        return Guid.Parse((string)body!["id"]!);
    }

    public HttpRequestMessage AdminRequest(HttpMethod method, string path) => new(method, path)
    {
        Headers = { Authorization = new AuthenticationHeaderValue("Bearer", AdminKey) },
    };

    public Task<List<OutboxMessage>> OutboxAsync() => Data.QueryAsync(db => db.Outbox.AsNoTracking().OrderBy(m => m.Id).ToListAsync());

    public async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? what = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (Process.HasExited)
                throw new InvalidOperationException($"The service exited (code {Process.ExitCode}) while the test waited for: {what ?? "a condition"}. Its output:\n{Process.Output}");
            if (deadline.IsCancellationRequested)
                throw new TimeoutException($"{what ?? "The condition"} did not hold in time. The service's output:\n{Process.Output}");
            await Task.Delay(50);
        }
    }

    public ValueTask DisposeAsync()
    {
        Process?.Dispose();
        Client.Dispose();
        return ValueTask.CompletedTask;
    }
}
