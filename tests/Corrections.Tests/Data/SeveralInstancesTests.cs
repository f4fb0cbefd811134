using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Tests.Infrastructure;
using Xunit.Abstractions;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Data;

/// <summary>
/// Two instances of the built service on one database server, as behind a load balancer. They keep both cores busy for
/// a while, so this runs on its own, after the tests that run in parallel.
/// </summary>
[Collection(Name)]
public sealed partial class SeveralInstancesTests(ITestOutputHelper output) : ServiceTest
{
    public const string Name = "Several instances";
    private const int ReportCount = 1000;
    private static readonly string[] Editors = ["editors@news.example.org", "desk@news.example.org"];

    private readonly List<ServiceProcess> services = [];

    /// <summary>Both instances' settings: the database is migrated beforehand, as on a server, and the demo site has two editors.</summary>
    private static Dictionary<string, string?> InstanceSettings()
    {
        var settings = new Dictionary<string, string?> { ["Database:MigrateOnStartup"] = null };
        for (var i = 0; i < Editors.Length; i++)
            settings[$"Sites:0:Editors:{i}"] = Editors[i];
        return settings;
    }

    private async Task<HttpClient> StartInstanceAsync()
    {
        var service = await StartProcessAsync(InstanceSettings());
        services.Add(service);
        return service.Client;
    }

    private string Outputs() => string.Join("\n---\n", services.Select(s => s.Output));

    [SkippableFact]
    public async Task Reports_spread_over_two_instances_are_each_mailed_to_each_editor_exactly_once()
    {
        Skip.If(Data.Provider == DatabaseProvider.Sqlite, "SQLite is for one instance; tests/run.sh runs this test on PostgreSQL (CORRECTIONS_TEST_DATABASE=PostgreSql)");
        var migrate = RunProcess(InstanceSettings(), "migrate");
        Assert.True(await migrate.WaitForExitAsync(TimeSpan.FromSeconds(90)) == 0, migrate.Output);
        var first = await StartInstanceAsync();
        var second = await StartInstanceAsync();
        HttpClient[] instances = [first, second];

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var accepted = new ConcurrentBag<Guid>();
        await Parallel.ForAsync(0, ReportCount, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, cancellationToken) =>
        {
            var report = Infrastructure.Reports.Valid(exact: $"mistake number {i}", url: $"https://news.example.org/2024/11/25/article-{i % 50}");
            var response = await instances[i % 2].PostAsJsonAsync("/api/reports", report, cancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            var body = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
            accepted.Add(Guid.Parse((string)body!["id"]!));
        });
        Assert.Equal(ReportCount, accepted.Distinct().Count());
        output.WriteLine($"{ReportCount} reports accepted after {clock.Elapsed}; {Smtp.Messages.Count} mails sent by then");

        await Smtp.WaitForMessagesAsync(ReportCount * Editors.Length, TimeSpan.FromMinutes(5));
        await using (var db = Data.CreateDb())
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            while (await db.Outbox.AnyAsync(m => m.State != OutboxState.Done, deadline.Token))
                await Task.Delay(100, deadline.Token);
        }

        output.WriteLine($"All mail sent and every outbox row done after {clock.Elapsed}");
        var mails = Smtp.Messages;
        Assert.True(mails.Count == ReportCount * Editors.Length, $"{mails.Count} mails for {ReportCount} reports to {Editors.Length} editors\n{Outputs()}");
        var perReportAndEditor = mails
            .GroupBy(m => (Report: ReportOf(m), Editor: m.To.Mailboxes.Single().Address))
            .ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(
            accepted.SelectMany(id => Editors.Select(editor => (id, editor))).OrderBy(k => k).ToList(),
            perReportAndEditor.Keys.Select(k => (k.Report, k.Editor)).OrderBy(k => k).ToList());
        Assert.All(perReportAndEditor.Values, count => Assert.Equal(1, count));
        Assert.All(mails, m => Assert.Matches($"^report-{ReportOf(m):N}\\.", m.MessageId));

        // Data Protection keys live in the database: a triage link signed by whichever instance mailed it opens on both.
        var link = TriagePath().Match(mails.First().TextBody ?? "").Value;
        foreach (var instance in instances)
            Assert.Equal(HttpStatusCode.OK, (await instance.GetAsync(link)).StatusCode);
    }

    private static Guid ReportOf(MimeKit.MimeMessage mail) => Guid.Parse(mail.Headers["X-Corrections-Report"] ?? "");

    [GeneratedRegex(@"/triage/[A-Za-z0-9_\-]+")]
    private static partial Regex TriagePath();
}

[CollectionDefinition(SeveralInstancesTests.Name, DisableParallelization = true)]
public sealed class SeveralInstancesCollection;
