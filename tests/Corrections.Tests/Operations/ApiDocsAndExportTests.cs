using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Corrections.Data;
using Corrections.Features.Reports.Submit;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Operations;

public sealed class ApiDocsAndExportTests() : ServiceTest(TestRelay.None)
{
    [Fact]
    public async Task The_openapi_document_describes_every_endpoint_with_its_problem_responses()
    {
        var document = (await App.CreateClient().GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;

        var paths = document["paths"]!.AsObject();
        foreach (var path in new[] { "/api/reports", "/api/reports/{id}", "/api/reports/{id}/triage", "/api/reports/export", "/api/reports/stats", "/api/readers/erase", "/api/sites/{key}/widget" })
            Assert.True(paths.ContainsKey(path), $"the document describes {path}");
        var submit = paths["/api/reports"]!["post"]!;
        Assert.NotNull(submit["requestBody"]!["content"]!["application/json"]!["example"]);
        foreach (var status in new[] { "202", "400", "403", "404", "413", "415", "429" })
            Assert.True(submit["responses"]!.AsObject().ContainsKey(status), $"POST /api/reports documents {status}");
        Assert.Equal("application/problem+json", submit["responses"]!["400"]!["content"]!.AsObject().Single().Key);
        var export = paths["/api/reports/export"]!["get"]!;
        foreach (var status in new[] { "200", "400", "401", "429" })
            Assert.True(export["responses"]!.AsObject().ContainsKey(status), $"GET /api/reports/export documents {status}");
        var parameters = export["parameters"]!.AsArray().Select(p => (string)p!["name"]!).ToList();
        Assert.Superset(new HashSet<string> { "format", "status", "site", "from", "to" }, parameters.ToHashSet());
        Assert.Contains("exclusive", (string?)export["description"]);
    }

    [Fact]
    public async Task The_api_reference_page_is_served_at_docs()
    {
        var page = await App.CreateClient().GetAsync("/docs");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("openapi/v1.json", await page.Content.ReadAsStringAsync());
        // The reference page runs its own inline script; no other page of the service may.
        Assert.Contains("script-src 'self' 'unsafe-inline'", page.Headers.GetValues("Content-Security-Policy").Single());
        var demo = await App.CreateClient().GetAsync("/");
        Assert.DoesNotContain("unsafe-inline", demo.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task Reports_export_as_csv_with_formulas_defused_and_as_json()
    {
        var hostile = Infrastructure.Reports.Valid(exact: "=HYPERLINK(\"http://evil.example\",\"x\")");
        hostile["comment"] = "line one, \"quoted\"\nline two";
        await App.SubmitAcceptedAsync(hostile);
        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "plain"));
        var client = App.CreateAdminClient();

        var csv = await client.GetStringAsync("/api/reports/export");
        var json = (await client.GetFromJsonAsync<JsonArray>("/api/reports/export?format=json&site=demo"))!;
        var refused = await App.CreateClient().GetAsync("/api/reports/export");
        var badFormat = await client.GetAsync("/api/reports/export?format=xml");

        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,site,url,title,lang,exact,prefix,suffix,suggestion,comment,status,readers,created_at,closed_at,duplicate_of,passage,desk,author,section", lines[0]);
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"", csv);
        Assert.Contains("\"line one, \"\"quoted\"\"\nline two\"", csv);
        Assert.Equal(2, json.Count);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badFormat.StatusCode);
    }

    [Fact]
    public async Task The_export_carries_what_the_service_saw_on_the_live_page_and_filters_by_it()
    {
        var found = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "found"));
        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "unchecked"));
        await App.QueryAsync(db => db.Reports.Where(r => r.Id == found).ExecuteUpdateAsync(s => s.SetProperty(r => r.Passage, PassageState.Found)));
        var client = App.CreateAdminClient();

        var csv = await client.GetStringAsync("/api/reports/export");
        var filtered = (await client.GetFromJsonAsync<JsonArray>("/api/reports/export?format=json&passage=found"))!;
        var bad = await client.GetAsync("/api/reports/export?passage=maybe");

        Assert.Contains(csv.Split("\r\n"), line => line.StartsWith(found.ToString()) && line.EndsWith(",found,,,"));
        Assert.Equal([found], filtered.Select(r => Guid.Parse((string)r!["id"]!)));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Stats_count_reports_per_site_and_status_and_the_median_time_to_fix()
    {
        var client = App.CreateAdminClient();
        var quick = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "quick"));
        var slow = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "slow"));
        var slower = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "slower"));
        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "open"));
        App.Time.Advance(TimeSpan.FromHours(1));
        await client.PostAsJsonAsync($"/api/reports/{quick}/triage", new { action = "fixed" });
        App.Time.Advance(TimeSpan.FromHours(2));
        await client.PostAsJsonAsync($"/api/reports/{slow}/triage", new { action = "fixed" });
        await client.PostAsJsonAsync($"/api/reports/{slower}/triage", new { action = "spam" });

        var stats = (await client.GetFromJsonAsync<JsonObject>("/api/reports/stats"))!;

        Assert.Equal(4, (int)stats["total"]!);
        Assert.Equal(2, (int)stats["byStatus"]!["fixed"]!);
        Assert.Equal(1, (int)stats["byStatus"]!["new"]!);
        Assert.Equal(1, (int)stats["byStatus"]!["spam"]!);
        Assert.Equal(0, (int)stats["byStatus"]!["rejected"]!);
        Assert.Equal(2.0, (double)stats["medianHoursToFix"]!);
        var demo = stats["sites"]!.AsArray().Single()!;
        Assert.Equal("demo", (string?)demo["site"]);
        Assert.Equal(4, (int)demo["total"]!);
    }

    private const string OtherKeyName = "archive";
    private const string OtherKey = "another-admin-key-0123456789abcdef";

    private CorrectionsApp WithTwoKeys() => NewApp(new() { ["Admin:ApiKeys:1:Name"] = OtherKeyName, ["Admin:ApiKeys:1:Key"] = OtherKey });

    /// <summary>Reports written straight to the database, made at the given times, each passage named by its time.</summary>
    private static Task SeedAsync(CorrectionsApp app, IEnumerable<DateTimeOffset> createdAt, int passageLength = 0) => app.QueryAsync(async db =>
    {
        var keys = new ReportKeys();
        foreach (var at in createdAt)
        {
            var id = Guid.CreateVersion7();
            var exact = at.ToString("O");
            db.Reports.Add(new Report
            {
                Id = id, SiteKey = "demo", Url = "https://news.example.org/a/" + id.ToString("N"), DuplicateKey = id.ToString("N")[^Report.DuplicateKeyLength..],
                Exact = exact + new string('x', Math.Max(0, passageLength - exact.Length)), Comment = new string('c', passageLength),
                ReaderCount = 1, CreatedAt = at, UpdatedAt = at, ReplyToken = keys.NewReplyToken(at),
            });
        }
        return await db.SaveChangesAsync();
    });

    private static async Task<List<string>> ExportedPassagesAsync(HttpClient client, string query)
    {
        var rows = (await client.GetFromJsonAsync<JsonArray>("/api/reports/export?format=json&" + query))!;
        return rows.Select(r => (string)r!["exact"]!).ToList();
    }

    [Fact]
    public async Task An_export_from_to_holds_the_reports_made_from_the_first_instant_until_before_the_second()
    {
        var app = NewApp();
        var times = new[] { "2026-10-31T23:59:59Z", "2026-11-01T00:00:00Z", "2026-11-15T12:00:00Z", "2026-12-01T00:00:00Z" }.Select(DateTimeOffset.Parse).ToList();
        await SeedAsync(app, times);
        var client = app.CreateAdminClient();
        string Passage(int i) => times[i].ToUniversalTime().ToString("O");

        Assert.Equal([Passage(1), Passage(2)], await ExportedPassagesAsync(client, "from=2026-11-01&to=2026-12-01"));
        Assert.Equal([Passage(2), Passage(3)], await ExportedPassagesAsync(client, "from=2026-11-15T13:00:00%2B01:00"));
        // A '+' left unencoded arrives as a space, and is read as the '+' it was.
        Assert.Equal([Passage(2), Passage(3)], await ExportedPassagesAsync(client, "from=2026-11-15T13:00:00+01:00"));
        Assert.Equal([Passage(0)], await ExportedPassagesAsync(client, "to=2026-11-01T00:00"));
        Assert.Equal([Passage(2)], await ExportedPassagesAsync(client, "from=2026-11-15T12:00:00.000Z&to=2026-11-15T12:00:00.001Z&site=demo&status=new"));
        var csv = await client.GetStringAsync("/api/reports/export?from=2026-11-01&to=2026-11-02");
        Assert.Equal(2, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-01", "to")]
    [InlineData("from=01/11/2026", "from")]
    [InlineData("from=2026-11-01T25:00:00Z", "from")]
    [InlineData("from=2026-12-01&to=2026-11-01", "to")]
    [InlineData("from=2026-11-01&to=2026-11-01", "to")]
    [InlineData("from=2026-11-01T10:00:00%2B02:00&to=2026-11-01T08:00:00Z", "to")]
    public async Task An_export_with_a_bad_or_empty_time_range_gets_400_naming_the_parameter(string query, string parameter)
    {
        var response = await App.CreateAdminClient().GetAsync("/api/reports/export?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(parameter, Assert.Single(errors).Key);
    }

    [Fact]
    public async Task An_export_beyond_two_at_once_for_one_key_gets_429_until_one_of_them_finishes()
    {
        var app = WithTwoKeys();
        // Far more than the buffers between the service and a client that does not read, so the first two stay open.
        await SeedAsync(app, Enumerable.Range(0, 2000).Select(i => app.Time.GetUtcNow().AddSeconds(i)), passageLength: 1000);
        var client = app.CreateAdminClient();

        using var first = await client.GetAsync("/api/reports/export", HttpCompletionOption.ResponseHeadersRead);
        using var second = await client.GetAsync("/api/reports/export?format=json", HttpCompletionOption.ResponseHeadersRead);
        await using var firstBody = await first.Content.ReadAsStreamAsync();
        await using var secondBody = await second.Content.ReadAsStreamAsync();
        var start = new byte[16];
        await firstBody.ReadExactlyAsync(start);
        await secondBody.ReadExactlyAsync(start);
        using var third = await client.GetAsync("/api/reports/export?site=demo");
        using var otherKeys = await app.CreateAdminClient(OtherKey).GetAsync("/api/reports/export?to=2000-01-01");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
        Assert.InRange(third.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Equal(429, (int)(await third.Content.ReadFromJsonAsync<JsonObject>())!["status"]!);
        Assert.Equal(HttpStatusCode.OK, otherKeys.StatusCode);

        using var reader = new StreamReader(firstBody);
        var lines = 0;
        while (await reader.ReadLineAsync() is { } line)
            if (line.Length > 36 && Guid.TryParse(line[..36], out _))
                lines++;
        Assert.Equal(2000, lines);
        // The service lets the export's turn go just after its last byte.
        await app.WaitUntilAsync(async () =>
        {
            using var next = await client.GetAsync("/api/reports/export?to=2000-01-01");
            return next.StatusCode == HttpStatusCode.OK;
        });
    }

    [Fact]
    public async Task Two_exports_at_once_for_one_key_both_complete()
    {
        var app = NewApp();
        await SeedAsync(app, Enumerable.Range(0, 1000).Select(i => app.Time.GetUtcNow().AddSeconds(i)), passageLength: 1000);
        var client = app.CreateAdminClient();

        var exports = await Task.WhenAll(client.GetStringAsync("/api/reports/export"), client.GetStringAsync("/api/reports/export"));

        Assert.All(exports, csv => Assert.Equal(1001, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length));
        Assert.Equal(exports[0], exports[1]);
    }
}
