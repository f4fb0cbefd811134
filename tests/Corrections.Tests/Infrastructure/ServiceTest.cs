using Corrections.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Corrections.Tests.Infrastructure;

/// <summary>Where the mail of a test's services goes.</summary>
public enum TestRelay
{
    /// <summary>To the test's SMTP server, listening from the start.</summary>
    Running,

    /// <summary>To the test's SMTP server, down (its port reserved, connections refused) until the test calls <see cref="TestSmtpServer.Start"/>.</summary>
    Down,

    /// <summary>Nowhere on the network: the mail is written to the pickup folder.</summary>
    None,
}

/// <summary>
/// A test of the service: its own database (see <see cref="TestData"/>), one SMTP server, and the services it runs, all
/// with the tests' settings (<see cref="ServiceSettings.ForTest"/>) and the test's own on top: in-process
/// (<see cref="App"/>, <see cref="NewApp"/>), or as processes of their own for crashes, signals and real sockets
/// (<see cref="StartProcessAsync"/>, <see cref="RunProcess"/>). After each test, passed or failed, everything it started
/// is stopped, the last started first, then the relay, then its database is deleted.
/// </summary>
public abstract class ServiceTest : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> started = [];
    private readonly TestRelay relay;
    private readonly TestSmtpServer? smtp;
    private CorrectionsApp? app;

    /// <param name="relay">Where the mail goes.</param>
    /// <param name="database">The database, where the test needs one provider whatever the run is on.</param>
    protected ServiceTest(TestRelay relay = TestRelay.Running, DatabaseProvider? database = null)
    {
        this.relay = relay;
        Data = database is { } provider ? new TestData(provider) : new TestData();
        smtp = relay == TestRelay.None ? null : TestSmtpServer.Reserve();
    }

    protected TestData Data { get; }

    protected TestSmtpServer Smtp => smtp ?? throw new InvalidOperationException("This test has no SMTP server: its mail goes to the pickup folder");

    /// <summary>The test class's settings for <see cref="App"/>, on top of the tests' own.</summary>
    protected virtual Dictionary<string, string?>? Settings => null;

    /// <summary>The test class's changes to the registrations of <see cref="App"/>, made after the service's own.</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>The service in-process with the class's <see cref="Settings"/>; it starts when first used.</summary>
    protected CorrectionsApp App
    {
        get
        {
            lock (started)
                return app ??= NewApp(Settings, services: ConfigureServices);
        }
    }

    public virtual Task InitializeAsync()
    {
        if (relay == TestRelay.Running)
            smtp!.Start();
        return Task.CompletedTask;
    }

    /// <summary>Another service in-process on the test's database; it starts when first used.</summary>
    protected CorrectionsApp NewApp(Dictionary<string, string?>? settings = null, FakeTimeProvider? time = null, Action<IServiceCollection>? services = null) =>
        Track(new CorrectionsApp(Data, smtp, time, settings) { ConfigureServices = services });

    /// <summary>Another service in-process on the test's database, started.</summary>
    protected CorrectionsApp StartApp(Dictionary<string, string?>? settings = null, FakeTimeProvider? time = null, Action<IServiceCollection>? services = null)
    {
        var service = NewApp(settings, time, services);
        service.StartServer();
        return service;
    }

    /// <summary>The settings of the service as a process: the tests' own on the real clock, and <paramref name="settings"/> on top.</summary>
    private ServiceSettings ProcessSettings(Dictionary<string, string?>? settings = null) =>
        ServiceSettings.ForTest(Data, smtp?.Port).OnTheRealClock().Set(settings);

    /// <summary>The built service as a process on the test's database, answering on a port of its own.</summary>
    protected async Task<ServiceProcess> StartProcessAsync(Dictionary<string, string?>? settings = null) =>
        Track(await ServiceProcess.StartAsync(ProcessSettings(settings)));

    /// <summary>The built service run as a command (<c>migrate</c>, <c>backup</c>), or started to see it refuse to start.</summary>
    protected ServiceProcess RunProcess(Dictionary<string, string?>? settings, params string[] args) =>
        Track(ServiceProcess.Run(ProcessSettings(settings), args));

    /// <summary>Something the test started, to be stopped after it, before the relay and the database.</summary>
    protected T Track<T>(T resource) where T : IAsyncDisposable
    {
        lock (started)
            started.Add(resource);
        return resource;
    }

    public virtual async Task DisposeAsync()
    {
        // One that fails to stop does not leave the others running.
        var failures = new List<Exception>();
        async Task StopAsync(Func<ValueTask> stop)
        {
            try
            {
                await stop();
            }
            catch (Exception ex)
            {
                failures.Add(ex);
            }
        }
        for (var i = started.Count - 1; i >= 0; i--)
            await StopAsync(started[i].DisposeAsync);
        if (smtp is not null)
            await StopAsync(smtp.DisposeAsync);
        await StopAsync(() =>
        {
            Data.Dispose();
            return ValueTask.CompletedTask;
        });
        if (failures.Count > 0)
            throw new AggregateException("Stopping what the test started failed", failures);
    }
}
