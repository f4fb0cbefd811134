using System.Text.Json.Nodes;
using Corrections.Data;
using Corrections.Outbox;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Corrections.Tests.Infrastructure;

/// <summary>
/// The real service in-process, on its own database (see <see cref="TestData"/>), with the defaults of the repository's
/// appsettings.json and the tests' settings (<see cref="ServiceSettings.ForTest"/>), a clock the test moves, and mail
/// sent to a test SMTP server (or, without one, to a pickup folder).
/// </summary>
public sealed class CorrectionsApp : WebApplicationFactory<Program>
{
    private readonly ServiceSettings settings;

    public CorrectionsApp(TestData data, TestSmtpServer? smtp = null, FakeTimeProvider? time = null, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        Data = data;
        Time = time ?? new FakeTimeProvider(DateTimeOffset.UtcNow);
        this.settings = ServiceSettings.ForTest(data, smtp?.Port).Set(settings);
    }

    public TestData Data { get; }

    /// <summary>The service's own connection string, which differs from the test's (the service adds its settings).</summary>
    private string? serviceConnectionString;

    /// <summary>Changes to the service's registrations, made after its own.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    public CapturedLogs Logs { get; } = new();
    public FakeTimeProvider Time { get; }
    public TestLog Log { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environments.Production);
        builder.UseContentRoot(AppContext.BaseDirectory);
        foreach (var (key, value) in settings.Values)
            builder.UseSetting(key, value);
        builder.ConfigureLogging(logging => logging.AddProvider(Log));
        builder.ConfigureServices(services =>
        {
            services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Time));
            ConfigureServices?.Invoke(services);
        });
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        using var scope = host.Services.CreateScope();
        serviceConnectionString = scope.ServiceProvider.GetRequiredService<CorrectionsDb>().Database.GetConnectionString();
        return host;
    }

    /// <summary>
    /// Closes the idle pooled connections to this test's SQLite file, the service's and the test's own, and no others:
    /// SQLite removes a database's log when its last connection closes, under the feet of a test running alongside.
    /// </summary>
    public void ClearSqlitePools()
    {
        if (Data.Provider != Corrections.Configuration.DatabaseProvider.Sqlite)
            return;
        if (serviceConnectionString is not null)
        {
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection(serviceConnectionString);
            Microsoft.Data.Sqlite.SqliteConnection.ClearPool(connection);
        }
        Data.ClearSqlitePool();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        ClearSqlitePools();
    }

    public Task<HttpResponseMessage> SubmitAsync(JsonObject report) => CreateClient().SubmitAsync(report);

    public Task<Guid> SubmitAcceptedAsync(JsonObject report) => CreateClient().SubmitAcceptedAsync(report);

    public HttpClient CreateAdminClient(string key = ServiceSettings.AdminKey)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return client;
    }

    public async Task<T> QueryAsync<T>(Func<CorrectionsDb, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<CorrectionsDb>());
    }

    public Task<List<OutboxMessage>> OutboxAsync() => QueryAsync(db => db.Outbox.AsNoTracking().OrderBy(m => m.Id).ToListAsync());

    /// <summary>
    /// Writes reports with their outbox rows straight to the database, due at <paramref name="dueAt"/>, without waking
    /// the dispatcher: the test decides when they are dispatched.
    /// </summary>
    public async Task<List<Guid>> SeedReportsAsync(int count, DateTimeOffset dueAt)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var id = Guid.CreateVersion7();
            db.Reports.Add(new Report
            {
                Id = id, SiteKey = "demo", Url = $"https://news.example.org/a/{i}", DuplicateKey = id.ToString("N")[^Report.DuplicateKeyLength..],
                Exact = $"passage {i}", ReaderCount = 1, CreatedAt = Time.GetUtcNow(), UpdatedAt = Time.GetUtcNow(),
                ReplyToken = new Corrections.Features.Reports.Submit.ReportKeys().NewReplyToken(Time.GetUtcNow()),
            });
            var message = OutboxNotifications.Create(new Corrections.Features.Notifications.ReportSubmitted(id, "editors@news.example.org"), Time.GetUtcNow());
            message.DueAt = dueAt;
            db.Outbox.Add(message);
            ids.Add(id);
        }
        await db.SaveChangesAsync();
        return ids;
    }

    public OutboxDispatcher Dispatcher => Services.GetServices<IHostedService>().OfType<OutboxDispatcher>().Single();

    /// <summary>Runs one dispatcher batch now, on the test's thread, to observe exactly what one pass does.</summary>
    public Task<bool> DispatchOnceAsync() => Dispatcher.DispatchBatchAsync(CancellationToken.None);

    /// <summary>Moves the clock in small steps until the condition holds, giving the dispatcher a moment after each step.</summary>
    public async Task AdvanceUntilAsync(Func<Task<bool>> condition, TimeSpan step, TimeSpan? maxFakeTime = null)
    {
        var limit = maxFakeTime ?? TimeSpan.FromHours(1);
        var moved = TimeSpan.Zero;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (moved >= limit || deadline.IsCancellationRequested)
                throw new TimeoutException($"The condition did not hold after moving the clock by {moved}{ServiceWarnings()}");
            Time.Advance(step);
            moved += step;
            await Task.Delay(25);
        }
    }

    public async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!await condition())
        {
            if (deadline.IsCancellationRequested)
                throw new TimeoutException("The condition did not hold in time" + ServiceWarnings());
            await Task.Delay(20);
        }
    }

    /// <summary>What the service warned about so far, so that a test that times out says why the service did not get there.</summary>
    private string ServiceWarnings()
    {
        var warnings = Logs.Lines.Where(l => l.Level >= LogLevel.Warning).Select(l => $"{l.Level} {l.Category}: {l.Message}").ToList();
        return warnings.Count == 0 ? "; the service logged no warnings" : "; the service logged:\n" + string.Join("\n", warnings);
    }
}
