using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Corrections.Abuse;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Features.Privacy;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Corrections.Tests.Abuse;

public sealed class AbuseTests() : ServiceTest(TestRelay.None)
{
    [Fact]
    public async Task A_client_over_its_limit_gets_429_problem_details_with_retry_after()
    {
        var app = NewApp(new() { ["Abuse:ReportsPerClientPerMinute"] = "3" });

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 4; i++)
            responses.Add(await app.SubmitAsync(Infrastructure.Reports.Valid(exact: $"mistake {i}")));

        Assert.All(responses.Take(3), r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var refused = responses[3];
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Equal(3, await app.QueryAsync(db => db.Reports.CountAsync()));
    }

    [Fact]
    public async Task A_site_over_its_limit_gets_429_whoever_sends()
    {
        var app = NewApp(new() { ["Abuse:ReportsPerSitePerMinute"] = "2" });

        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
            codes.Add((await app.SubmitAsync(Infrastructure.Reports.Valid(exact: $"mistake {i}"))).StatusCode);

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], codes);
    }

    [Fact]
    public async Task Reports_caught_by_a_bot_trap_do_not_use_up_the_sites_limit()
    {
        var app = NewApp(new() { ["Abuse:ReportsPerSitePerMinute"] = "2" });

        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            var bots = Infrastructure.Reports.Valid(exact: $"bot {i}");
            bots["website"] = "https://spam.example.com";
            codes.Add((await app.SubmitAsync(bots)).StatusCode);
        }
        var reader = await app.SubmitAsync(Infrastructure.Reports.Valid(exact: "a reader's mistake"));

        Assert.All(codes, code => Assert.Equal(HttpStatusCode.Accepted, code));
        Assert.Equal(HttpStatusCode.Accepted, reader.StatusCode);
        Assert.Equal(5, await app.QueryAsync(db => db.Reports.CountAsync(r => r.Status == ReportStatus.Spam)));
    }

    [Fact]
    public async Task A_browser_on_another_origin_gets_403_and_nothing_is_stored()
    {
        var app = NewApp();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/reports") { Content = JsonContent.Create(Infrastructure.Reports.Valid()) };
        request.Headers.Add("Origin", "https://evil.example.com");
        var own = new HttpRequestMessage(HttpMethod.Post, "/api/reports") { Content = JsonContent.Create(Infrastructure.Reports.Valid()) };
        own.Headers.Add("Origin", "https://news.example.org");

        var refused = await app.CreateClient().SendAsync(request);
        var accepted = await app.CreateClient().SendAsync(own);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(1, await app.QueryAsync(db => db.Reports.CountAsync()));
    }

    [Theory]
    [InlineData("website", "http://spam.example")]
    [InlineData("elapsedMs", 300)]
    public async Task A_report_caught_by_a_bot_trap_gets_202_is_kept_as_spam_and_never_mailed(string field, object value)
    {
        var app = NewApp();
        var report = Infrastructure.Reports.Valid();
        report[field] = JsonValue.Create(value);

        var response = await app.SubmitAsync(report);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var stored = await app.QueryAsync(db => db.Reports.Include(r => r.History).SingleAsync());
        Assert.Equal(ReportStatus.Spam, stored.Status);
        Assert.Equal(TriageChannel.Filter, Assert.Single(stored.History).Channel);
        Assert.Empty(await app.OutboxAsync());
    }

    [Fact]
    public async Task A_report_sent_after_a_human_pause_with_an_empty_honeypot_is_mailed()
    {
        var app = NewApp();
        var report = Infrastructure.Reports.Valid();
        report["website"] = "";
        report["elapsedMs"] = 4200;

        await app.SubmitAcceptedAsync(report);

        Assert.Equal(ReportStatus.New, (await app.QueryAsync(db => db.Reports.SingleAsync())).Status);
        Assert.Single(await app.OutboxAsync());
    }

    [Theory]
    [InlineData("\"elapsedMs\": \"soon\"")]
    [InlineData("\"elapsedMs\": -5")]
    [InlineData("\"elapsedMs\": 1e400")]
    [InlineData("\"elapsedMs\": 99999999999999999999999")]
    [InlineData("\"website\": 7")]
    public async Task Bot_trap_fields_of_the_wrong_type_get_400(string field)
    {
        var app = NewApp();
        var json = Infrastructure.Reports.Valid().ToJsonString().TrimEnd('}') + "," + field + "}";

        var response = await app.CreateClient().PostAsync("/api/reports", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public void The_client_address_hash_is_keyed_and_changes_daily()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T10:00:00Z"));
        var hasher = new ClientAddressHasher(Options.Create(new PrivacyOptions { IpHashSecret = "a-secret-of-the-installation" }), time);
        var otherInstallation = new ClientAddressHasher(Options.Create(new PrivacyOptions { IpHashSecret = "another-secret-entirely" }), time);
        var address = IPAddress.Parse("203.0.113.7");

        var morning = hasher.Hash(address);
        var sameAddressAsIPv6 = hasher.Hash(address.MapToIPv6());
        time.Advance(TimeSpan.FromHours(13));
        var evening = hasher.Hash(address);
        time.Advance(TimeSpan.FromHours(2));
        var nextDay = hasher.Hash(address);

        Assert.Matches("^[0-9a-f]{32}$", morning);
        // Keyed by the day's key, itself keyed by the installation's secret: hashes stored before stay comparable.
        var dayKey = System.Security.Cryptography.HMACSHA256.HashData("a-secret-of-the-installation"u8, "2026-11-25"u8);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(dayKey, address.GetAddressBytes()))[..32], morning);
        Assert.Equal(morning, sameAddressAsIPv6);
        Assert.Equal(morning, evening);
        Assert.NotEqual(morning, nextDay);
        Assert.NotEqual(nextDay, hasher.Hash(IPAddress.Parse("203.0.113.8")));
        Assert.NotEqual(nextDay, otherInstallation.Hash(address));
        Assert.DoesNotContain("203", morning);
    }

    [Fact]
    public async Task Reader_addresses_are_deleted_once_their_report_has_been_closed_for_the_retention_period()
    {
        var app = NewApp();
        var closed = await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "closed one"));
        await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "still open"));
        await app.CreateAdminClient().PostAsJsonAsync($"/api/reports/{closed}/triage", new { action = "reject" });
        var retention = app.Services.GetServices<IHostedService>().OfType<ReaderEmailRetention>().Single();

        app.Time.Advance(TimeSpan.FromDays(29));
        await retention.EraseExpiredAsync(CancellationToken.None);
        Assert.Equal(2, await app.QueryAsync(db => db.ReportSubmissions.CountAsync(s => s.ReaderEmail != null)));
        app.Time.Advance(TimeSpan.FromDays(2));
        await retention.EraseExpiredAsync(CancellationToken.None);

        var emails = await app.QueryAsync(db => db.ReportSubmissions.ToDictionaryAsync(s => s.ReportId, s => s.ReaderEmail));
        Assert.Null(emails[closed]);
        Assert.Equal("reader@example.net", emails.Single(e => e.Key != closed).Value);
    }

    [Fact]
    public async Task The_services_pages_and_answers_carry_security_headers()
    {
        var app = NewApp();

        foreach (var response in new[] { await app.CreateClient().GetAsync("/triage/nonsense"), await app.SubmitAsync(new JsonObject()) })
        {
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("frame-ancestors 'none'", csp);
            Assert.Contains("default-src 'self'", csp);
        }
    }
}
