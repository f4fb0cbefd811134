using Corrections.Features.Notifications;
using System.Text;
using Corrections.Data;
using Corrections.Outbox;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Operations;

/// <summary>
/// Alone in its collection: the metrics pipeline listens to every meter named "Corrections" in the process, so
/// services of other tests running at the same time would add to the counts.
/// </summary>
[Collection(nameof(MetricsTests))]
public sealed class MetricsTests : ServiceTest
{
    private async Task<double> ReadAsync(string name, string labels = "", CorrectionsApp? app = null)
    {
        var text = await (app ?? App).CreateClient().GetStringAsync("/metrics");
        return text.Split('\n')
            .Where(l => (l.StartsWith(name + "{") || l.StartsWith(name + " ")) && l.Contains(labels))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task The_metrics_count_what_happened_to_reports_and_mail()
    {
        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        var unknownSite = Infrastructure.Reports.Valid();
        unknownSite["site"] = "nowhere";
        await App.SubmitAsync(unknownSite);
        var invalid = Infrastructure.Reports.Valid();
        invalid["url"] = "https://elsewhere.example/a";
        await App.SubmitAsync(invalid);
        await App.CreateClient().PostAsync("/api/reports", new StringContent("{", Encoding.UTF8, "application/json"));
        using var fromElsewhere = new HttpRequestMessage(HttpMethod.Post, "/api/reports")
        {
            Headers = { { "Origin", "https://mirror.example.com" } },
            Content = System.Net.Http.Json.JsonContent.Create(Infrastructure.Reports.Valid()),
        };
        await App.CreateClient().SendAsync(fromElsewhere);
        await Smtp.WaitForMessagesAsync(1);
        await App.WaitUntilAsync(async () => await ReadAsync("corrections_mails_sent_total") >= 1);

        Assert.Equal(6, await ReadAsync("corrections_reports_received_total"));
        Assert.Equal(2, await ReadAsync("corrections_reports_accepted_total", "site=\"demo\""));
        Assert.Equal(1, await ReadAsync("corrections_reports_duplicates_total", "site=\"demo\""));
        Assert.Equal(1, await ReadAsync("corrections_reports_rejected_total", "reason=\"unknown_site\""));
        Assert.Equal(2, await ReadAsync("corrections_reports_rejected_total", "reason=\"invalid\""));
        Assert.Equal(1, await ReadAsync("corrections_reports_rejected_total", "reason=\"origin\",site=\"demo\""));
        Assert.Equal(1, await ReadAsync("corrections_mails_sent_total"));
        Assert.Equal(1, await ReadAsync("corrections_outbox_done_total", "type=\"ReportSubmitted\""));
        Assert.Equal(0, await ReadAsync("corrections_outbox_backlog"));
        Assert.True(await ReadAsync("corrections_http_request_duration_seconds_count") > 0);
    }

    [Fact]
    public async Task The_outbox_backlog_and_the_age_of_its_oldest_due_message_are_measured()
    {
        // Without its dispatcher the service leaves the outbox as the test writes it: three messages 90 s overdue, one
        // due in ten minutes, and one parked, which no longer waits to be handled.
        var app = NewApp(services: services => services.Remove(services.Single(s => !s.IsKeyedService && s.ImplementationType == typeof(OutboxDispatcher))));
        await app.SeedReportsAsync(3, app.Time.GetUtcNow().AddSeconds(-90));
        await app.SeedReportsAsync(1, app.Time.GetUtcNow().AddMinutes(10));
        var parkedReport = (await app.SeedReportsAsync(1, app.Time.GetUtcNow().AddSeconds(-300))).Single();
        await app.QueryAsync(db => db.Outbox.Where(m => m.Payload.Contains(parkedReport.ToString()))
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.State, OutboxState.Parked)));

        var backlog = await ReadAsync("corrections_outbox_backlog", app: app);
        var age = await ReadAsync("corrections_outbox_oldest_due_age_seconds", app: app);
        var parked = await ReadAsync("corrections_outbox_parked_messages", app: app);

        Assert.Equal(4, backlog);
        Assert.Equal(90, age, precision: 3); // the database keeps times to 0.1 ms
        Assert.Equal(1, parked);
    }

    [Fact]
    public async Task The_runtimes_collector_cpu_time_and_thread_pool_queue_are_measured_under_the_services_prefix_and_its_other_instruments_left_out()
    {
        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        GC.Collect(); // a collection to count, whatever else ran

        var text = await App.CreateClient().GetStringAsync("/metrics");
        Assert.True(await ReadAsync("corrections_runtime_gc_collections_total") >= 1);
        Assert.True(await ReadAsync("corrections_runtime_gc_allocated_bytes_total") > 0);
        Assert.True(await ReadAsync("corrections_runtime_cpu_time_seconds_total", "cpu_mode=\"user\"") > 0);
        Assert.Contains("corrections_runtime_gc_pause_time_seconds_total", text);
        Assert.Contains("corrections_runtime_thread_pool_queue_length", text);
        // The runtime's other instruments are left out.
        Assert.DoesNotContain(text.Split('\n'), line => line.StartsWith("dotnet_", StringComparison.Ordinal));
    }
}

[CollectionDefinition(nameof(MetricsTests), DisableParallelization = true)]
public sealed class MetricsTestsCollection;
