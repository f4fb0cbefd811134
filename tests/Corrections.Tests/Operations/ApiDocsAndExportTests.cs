using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Corrections.Tests.Infrastructure;

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
        Assert.StartsWith("id,site,url,title,lang,exact,prefix,suffix,suggestion,comment,status,readers,created_at,closed_at,duplicate_of", lines[0]);
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"", csv);
        Assert.Contains("\"line one, \"\"quoted\"\"\nline two\"", csv);
        Assert.Equal(2, json.Count);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badFormat.StatusCode);
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
}
