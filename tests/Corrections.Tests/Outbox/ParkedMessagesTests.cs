using Corrections.Features.Notifications;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Corrections.Data;
using Corrections.Telemetry;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;

namespace Corrections.Tests.Outbox;

/// <summary>Parked messages: listed with their last error in the admin API, re-queued on request, counted and logged.</summary>
public sealed class ParkedMessagesTests : ServiceTest
{
    private async Task<(Guid ReportId, OutboxMessage Row)> ParkOneAsync()
    {
        Smtp.ReplyNext(550);
        var id = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await App.WaitUntilAsync(async () => (await App.OutboxAsync()).Single().State == OutboxState.Parked);
        return (id, (await App.OutboxAsync()).Single());
    }

    [Fact]
    public async Task A_parked_message_is_listed_with_its_last_error_attempts_type_and_dates()
    {
        var (reportId, row) = await ParkOneAsync();

        var page = await App.CreateAdminClient().GetFromJsonAsync<JsonObject>("/api/outbox?state=parked");

        Assert.Null(page!["next"]);
        var item = Assert.Single(page["items"]!.AsArray())!;
        Assert.Equal(row.Id, (long?)item["id"]);
        Assert.Equal("ReportSubmitted", (string?)item["type"]);
        Assert.Equal("parked", (string?)item["state"]);
        Assert.Equal(1, (int?)item["attempts"]);
        Assert.StartsWith("SMTP 550", (string?)item["lastError"]);
        Assert.Equal(reportId, Guid.Parse((string)item["payload"]!["ReportId"]!));
        Assert.Equal(row.CreatedAt, DateTimeOffset.Parse((string)item["createdAt"]!));
        Assert.Equal(row.ProcessedAt, DateTimeOffset.Parse((string)item["processedAt"]!));
    }

    [Fact]
    public async Task The_list_defaults_to_parked_messages_newest_first_follows_its_cursor_and_filters_by_state()
    {
        await App.SeedReportsAsync(55, App.Time.GetUtcNow().AddHours(1));
        await App.QueryAsync(db => db.Outbox.Where(m => m.Id % 2 == 1 || m.Id <= 50).ExecuteUpdateAsync(s => s.SetProperty(m => m.State, OutboxState.Parked)));
        var parked = await App.QueryAsync(db => db.Outbox.CountAsync(m => m.State == OutboxState.Parked));

        var first = await App.CreateAdminClient().GetFromJsonAsync<JsonObject>("/api/outbox");
        var second = await App.CreateAdminClient().GetFromJsonAsync<JsonObject>($"/api/outbox?cursor={(string)first!["next"]!}");
        var pending = await App.CreateAdminClient().GetFromJsonAsync<JsonObject>("/api/outbox?state=Pending&pageSize=200");

        Assert.Equal(50, first["items"]!.AsArray().Count);
        Assert.Equal(50, (int?)first["pageSize"]);
        Assert.Equal(parked - 50, second!["items"]!.AsArray().Count);
        Assert.Null(second["next"]);
        var ids = first["items"]!.AsArray().Concat(second["items"]!.AsArray()).Select(i => (long)i!["id"]!).ToList();
        Assert.Equal(ids.OrderDescending(), ids);
        Assert.Equal(parked, ids.Distinct().Count());
        Assert.Equal(55 - parked, pending!["items"]!.AsArray().Count);
        Assert.All(pending["items"]!.AsArray(), i => Assert.Equal("pending", (string?)i!["state"]));
    }

    [Theory]
    [InlineData("/api/outbox?state=lost", "state")]
    [InlineData("/api/outbox?state=1", "state")]
    [InlineData("/api/outbox?cursor=two", "cursor")]
    [InlineData("/api/outbox?pageSize=0", "pageSize")]
    [InlineData("/api/outbox?pageSize=201", "pageSize")]
    [InlineData("/api/outbox?page=2", "page")]
    public async Task An_unknown_state_a_bad_cursor_or_page_size_or_a_page_number_gets_400_naming_the_parameter(string url, string parameter)
    {
        var response = await App.CreateAdminClient().GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(problem!["errors"]!.AsObject().ContainsKey(parameter), $"errors should name {parameter}: {problem["errors"]}");
    }

    [Theory]
    [InlineData("GET", "/api/outbox", null)]
    [InlineData("POST", "/api/outbox/1/retry", null)]
    [InlineData("GET", "/api/outbox", "not-the-key-but-just-as-long-0123")]
    public async Task The_outbox_admin_API_needs_an_API_key(string method, string url, string? key)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (key is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

        var response = await App.CreateClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Re_queuing_a_parked_message_makes_it_due_now_with_attempts_reset_and_it_is_mailed_once()
    {
        var (reportId, row) = await ParkOneAsync();

        var response = await App.CreateAdminClient().PostAsync($"/api/outbox/{row.Id}/retry", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("pending", (string?)body!["state"]);
        Assert.Equal(0, (int?)body["attempts"]);
        Assert.Equal(App.Time.GetUtcNow(), DateTimeOffset.Parse((string)body["dueAt"]!));
        Assert.StartsWith("SMTP 550", (string?)body["lastError"]);
        var mail = Assert.Single(await Smtp.WaitForMessagesAsync(1));
        Assert.Equal(reportId, TestSmtpServer.ReportOf(mail));
        await App.WaitUntilAsync(async () => (await App.OutboxAsync()).Single().State == OutboxState.Done);
        var done = (await App.OutboxAsync()).Single();
        Assert.Equal(1, done.Attempts);
        Assert.Null(done.LastError);
        Assert.Contains(App.Log.Entries, e => e.Level == LogLevel.Information && e.Message.Contains($"Outbox message {row.Id} (ReportSubmitted) re-queued by {ServiceSettings.AdminKeyName} after 1 attempt(s)"));
    }

    [Fact]
    public async Task Re_queuing_an_unknown_message_is_404_and_one_that_is_not_parked_is_409()
    {
        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await Smtp.WaitForMessagesAsync(1);
        await App.WaitUntilAsync(async () => (await App.OutboxAsync()).Single().State == OutboxState.Done);
        var done = (await App.OutboxAsync()).Single();

        var unknown = await App.CreateAdminClient().PostAsync("/api/outbox/999999/retry", null);
        var notParked = await App.CreateAdminClient().PostAsync($"/api/outbox/{done.Id}/retry", null);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Conflict, notParked.StatusCode);
        Assert.Equal("application/problem+json", notParked.Content.Headers.ContentType?.MediaType);
        Assert.Contains("is done, not parked", (string?)(await notParked.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        Assert.Single(Smtp.Messages);
    }

    [Fact]
    public async Task Parking_is_counted_in_a_metric_and_logged_as_a_warning_and_re_queuing_is_counted()
    {
        var meters = App.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var parked = new MetricCollector<long>(meters, CorrectionsMetrics.MeterName, "corrections_outbox_parked");
        using var requeued = new MetricCollector<long>(meters, CorrectionsMetrics.MeterName, "corrections_outbox_requeued");

        var (_, row) = await ParkOneAsync();
        await App.CreateAdminClient().PostAsync($"/api/outbox/{row.Id}/retry", null);

        var measurement = Assert.Single(parked.GetMeasurementSnapshot());
        Assert.Equal(1, measurement.Value);
        Assert.Equal("ReportSubmitted", measurement.Tags["type"]);
        Assert.Equal(1, Assert.Single(requeued.GetMeasurementSnapshot()).Value);
        Assert.Contains(App.Log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains($"Outbox message {row.Id} (ReportSubmitted) parked after 1 attempt(s): SMTP 550"));
    }
}
