using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Corrections.Data;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Webhooks;

public sealed class WebhookDeliveryTests() : ServiceTest(TestRelay.None)
{
    private WebhookReceiver receiver = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        receiver = Track(await WebhookReceiver.StartAsync());
    }

    private Dictionary<string, string?> Hook(string format = "json", string secret = WebhookReceiver.Secret, params string[] events)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Webhooks:AllowPrivateNetworks"] = "true",
            ["Sites:0:Webhooks:0:Url"] = receiver.Url(),
            ["Sites:0:Webhooks:0:Secret"] = secret,
            ["Sites:0:Webhooks:0:Format"] = format,
            ["Outbox:FirstRetrySeconds"] = "1",
            ["Outbox:MaxRetrySeconds"] = "2",
        };
        for (var i = 0; i < events.Length; i++)
            settings[$"Sites:0:Webhooks:0:Events:{i}"] = events[i];
        return settings;
    }

    [Fact]
    public async Task A_new_report_is_posted_as_a_signed_json_event_with_an_idempotency_key()
    {
        var app = StartApp(Hook());

        var id = await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        var delivery = (await receiver.WaitForAsync(1)).Single();

        Assert.True(delivery.SignatureValid, delivery.Headers.GetValueOrDefault("Corrections-Signature"));
        Assert.Equal(app.Time.GetUtcNow().ToUnixTimeSeconds(), delivery.SignedAt);
        Assert.StartsWith("application/json", delivery.Headers["Content-Type"]);
        var json = delivery.Json;
        Assert.Equal("report.created", (string?)json["type"]);
        Assert.Equal((string?)json["id"], delivery.Headers["Idempotency-Key"]);
        Assert.Equal(id.ToString(), (string?)json["report"]!["id"]);
        Assert.Equal("new", (string?)json["report"]!["status"]);
        Assert.Equal("brave new wrold", (string?)json["report"]!["selection"]!["exact"]);
        Assert.Equal("demo", (string?)json["site"]!["key"]);
        Assert.Contains("#:~:text=", (string?)json["report"]!["articleLink"]);
        Assert.Null(json["change"]);
        Assert.DoesNotContain("reader@example.net", delivery.Body);
    }

    [Fact]
    public async Task A_status_change_is_posted_with_who_changed_it_and_how()
    {
        var app = StartApp(Hook());
        var id = await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await receiver.WaitForAsync(1);

        var triage = await app.CreateAdminClient().PostAsJsonAsync($"/api/reports/{id}/triage", new { action = "fixed", note = "Done." });
        var deliveries = await receiver.WaitForAsync(2);

        Assert.Equal(HttpStatusCode.OK, triage.StatusCode);
        var change = deliveries[1].Json;
        Assert.Equal("report.status_changed", (string?)change["type"]);
        Assert.Equal("fixed", (string?)change["report"]!["status"]);
        Assert.Equal(new JsonObject
        {
            ["from"] = "new", ["to"] = "fixed", ["action"] = "fixed", ["actor"] = ServiceSettings.AdminKeyName, ["channel"] = "api", ["note"] = "Done.",
        }.ToJsonString(), change["change"]!.ToJsonString());
        Assert.NotEqual(deliveries[0].Headers["Idempotency-Key"], deliveries[1].Headers["Idempotency-Key"]);
    }

    [Fact]
    public async Task A_webhook_gets_only_the_events_it_lists()
    {
        var app = StartApp(Hook(events: "report.status_changed"));
        var id = await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await app.CreateAdminClient().PostAsJsonAsync($"/api/reports/{id}/triage", new { action = "spam" });

        var deliveries = await receiver.WaitForAsync(1);
        await Task.Delay(200);

        Assert.Equal(["report.status_changed"], receiver.Deliveries.Select(d => (string?)d.Json["type"]));
    }

    [Fact]
    public async Task A_5xx_answer_is_retried_with_the_same_idempotency_key_until_it_is_taken()
    {
        receiver.AnswerWith(503, 500);
        var app = StartApp(Hook());
        await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());

        await app.AdvanceUntilAsync(() => Task.FromResult(receiver.Deliveries.Count >= 3), TimeSpan.FromSeconds(1));
        await app.WaitUntilAsync(async () => (await app.OutboxAsync()).Any(m => m.Type == "WebhookDelivery" && m.State == OutboxState.Done));

        var deliveries = receiver.Deliveries.ToList();
        Assert.Equal(3, deliveries.Count);
        Assert.Single(deliveries.Select(d => d.Headers["Idempotency-Key"]).Distinct());
        Assert.All(deliveries, d => Assert.True(d.SignatureValid));
        var row = (await app.OutboxAsync()).Single(m => m.Type == "WebhookDelivery");
        Assert.Equal(3, row.Attempts);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(307)]
    public async Task A_4xx_answer_or_a_redirect_parks_the_delivery_which_the_outbox_api_can_requeue(int status)
    {
        receiver.AnswerWith(status);
        var app = StartApp(Hook());
        await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await app.WaitUntilAsync(async () => (await app.OutboxAsync()).Any(m => m.Type == "WebhookDelivery" && m.State == OutboxState.Parked));
        var parked = (await app.OutboxAsync()).Single(m => m.Type == "WebhookDelivery");

        var retry = await app.CreateAdminClient().PostAsync($"/api/outbox/{parked.Id}/retry", null);
        await receiver.WaitForAsync(2);
        await app.WaitUntilAsync(async () => (await app.OutboxAsync()).Single(m => m.Id == parked.Id).State == OutboxState.Done);

        Assert.Contains($"{status}", parked.LastError);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.All(receiver.Deliveries, d => Assert.Equal("/hook", d.Path)); // the redirect was not followed
    }

    [Fact]
    public async Task A_410_answer_disables_the_webhook_until_its_configuration_changes()
    {
        receiver.AnswerWith(410);
        var app = StartApp(Hook());
        await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await app.WaitUntilAsync(async () => (await app.OutboxAsync()).Any(m => m.Type == "WebhookDelivery" && m.State == OutboxState.Parked));

        await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "second mistake"));
        await app.WaitUntilAsync(async () => (await app.OutboxAsync()).Count(m => m.Type == "WebhookDelivery" && m.State != OutboxState.Pending) == 2);
        Assert.Single(receiver.Deliveries);
        await app.DisposeAsync();

        var changed = StartApp(Hook(secret: WebhookReceiver.Secret).Also("Sites:0:Webhooks:0:Events:0", "report.created"));
        await changed.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "third mistake"));
        var deliveries = await receiver.WaitForAsync(2);

        Assert.Equal("third mistake", (string?)deliveries[1].Json["report"]!["selection"]!["exact"]);
        Assert.Equal(1, await changed.QueryAsync(db => db.DisabledWebhooks.CountAsync()));
    }

    [Fact]
    public async Task A_slack_message_shows_the_passage_the_correction_and_links_that_triage_as_the_webhook()
    {
        var app = StartApp(Hook(format: "slack"));
        var id = await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "brave <!channel> @channel wrold"));

        var delivery = (await receiver.WaitForAsync(1)).Single();
        var text = (string)delivery.Json["text"]!;
        var fixedLink = System.Text.RegularExpressions.Regex.Match(text, @"<(http[^|>]+/triage/[^|>]+)\|Fixed>").Groups[1].Value;
        var page = await app.CreateClient().GetAsync(new Uri(WebUtility.HtmlDecode(fixedLink)).PathAndQuery);

        Assert.True(delivery.SignatureValid);
        Assert.Contains("*brave &lt;!channel&gt; @\u2060channel wrold*", text, StringComparison.Ordinal);
        Assert.Contains("~wrold~", text);
        Assert.Contains("*world*", text);
        Assert.Contains("|Europe's new security order>", text);
        Assert.DoesNotContain("<!channel>", text);
        Assert.DoesNotContain("@channel", text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task An_answer_of_many_megabytes_is_read_only_to_64_kilobytes_and_the_delivery_is_done()
    {
        receiver.AnswerBytes = 8 * 1024 * 1024;
        var app = StartApp(Hook());

        await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());

        await app.WaitUntilAsync(async () => (await app.OutboxAsync()).Any(m => m.Type == "WebhookDelivery" && m.State == OutboxState.Done));
        Assert.Single(receiver.Deliveries);
    }

    [Fact]
    public async Task A_receiver_that_does_not_answer_within_10_seconds_is_retried()
    {
        receiver.Delay = TimeSpan.FromSeconds(30);
        var app = StartApp(Hook());
        await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        var started = System.Diagnostics.Stopwatch.StartNew();

        await app.WaitUntilAsync(async () => (await app.OutboxAsync()).Any(m => m.Type == "WebhookDelivery" && m.Attempts == 1 && m.State == OutboxState.Pending));

        var row = (await app.OutboxAsync()).Single(m => m.Type == "WebhookDelivery");
        Assert.Contains("did not answer within 10 s", row.LastError);
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task The_openapi_document_describes_both_events_as_webhooks_with_the_events_schema()
    {
        var document = (await App.CreateClient().GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;

        foreach (var type in new[] { "report.created", "report.status_changed" })
        {
            var post = document["webhooks"]![type]!["post"]!;
            Assert.Equal("#/components/schemas/WebhookEvent", (string?)post["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]);
            Assert.Contains(post["parameters"]!.AsArray(), p => (string?)p!["name"] == "Corrections-Signature");
        }
        var properties = document["components"]!["schemas"]!["WebhookEvent"]!["properties"]!.AsObject();
        Assert.Equal(["id", "type", "createdAt", "site", "report", "change"], properties.Select(p => p.Key));
        var reportSchema = properties["report"]!;
        var report = (reportSchema["$ref"] is { } reference
            ? document["components"]!["schemas"]![((string)reference!).Split('/')[^1]]!
            : reportSchema)["properties"]!.AsObject();
        Assert.Contains("desk", report.Select(p => p.Key));
        Assert.Contains("articleLink", report.Select(p => p.Key));
    }
}

internal static class SettingsExtensions
{
    public static Dictionary<string, string?> Also(this Dictionary<string, string?> settings, string key, string? value)
    {
        settings[key] = value;
        return settings;
    }
}
