using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Corrections.Data;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Triage;

public sealed class AdminApiTests() : ServiceTest(TestRelay.None)
{
    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key-wrong-key-wrong-key")]
    [InlineData("test-admin-key-0123456789abcde")]
    public async Task The_admin_api_answers_401_problem_details_without_a_valid_key(string? key)
    {
        var id = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        var client = App.CreateClient();
        if (key is not null)
            client.DefaultRequestHeaders.Authorization = new("Bearer", key);

        var responses = new[]
        {
            await client.GetAsync("/api/reports"),
            await client.GetAsync($"/api/reports/{id}"),
            await client.PostAsJsonAsync($"/api/reports/{id}/triage", new { action = "fixed" }),
        };

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.All(responses, r => Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType));
        Assert.Equal(ReportStatus.New, (await App.QueryAsync(db => db.Reports.SingleAsync())).Status);
    }

    [Fact]
    public async Task A_readers_submission_is_not_authenticated_even_when_it_carries_a_key()
    {
        var client = App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", "wrong-key-wrong-key-wrong-key");

        var response = await client.PostAsJsonAsync("/api/reports", Infrastructure.Reports.Valid());

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.DoesNotContain(App.Log.Entries, e => e.Category == typeof(Corrections.Admin.ApiKeyAuthenticationHandler).FullName);
    }

    [Fact]
    public async Task The_list_filters_by_status_and_site_and_follows_its_cursor_page_by_page_to_the_last()
    {
        for (var i = 0; i < 5; i++)
        {
            await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"mistake {i}"));
            App.Time.Advance(TimeSpan.FromSeconds(1));
        }
        var client = App.CreateAdminClient();

        var pages = await WalkAsync(client, "/api/reports?status=new&site=demo&pageSize=2");
        var fixedOnes = (await client.GetFromJsonAsync<JsonObject>("/api/reports?status=fixed"))!;
        var otherSite = (await client.GetFromJsonAsync<JsonObject>("/api/reports?site=elsewhere"))!;

        Assert.Equal([["mistake 4", "mistake 3"], ["mistake 2", "mistake 1"], ["mistake 0"]], pages.Select(Exacts).ToArray());
        Assert.All(pages, p => Assert.Equal(2, (int)p["pageSize"]!));
        Assert.All(pages, p => Assert.False(p.ContainsKey("total")));
        Assert.Empty(fixedOnes["items"]!.AsArray());
        Assert.Null(fixedOnes["next"]);
        Assert.Empty(otherSite["items"]!.AsArray());
    }

    [Fact]
    public async Task Reports_created_at_the_same_moment_are_each_listed_once_across_pages()
    {
        for (var i = 0; i < 7; i++)
            await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"mistake {i}"));

        var pages = await WalkAsync(App.CreateAdminClient(), "/api/reports?pageSize=2");

        Assert.Equal(4, pages.Count);
        var ids = pages.SelectMany(p => p["items"]!.AsArray().Select(i => (string)i!["id"]!)).ToList();
        Assert.Equal(7, ids.Distinct().Count());
        Assert.Equal(7, ids.Count);
    }

    [Fact]
    public async Task A_report_that_arrives_while_an_editor_pages_through_the_list_neither_shifts_nor_repeats_the_next_page()
    {
        for (var i = 0; i < 4; i++)
        {
            await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"mistake {i}"));
            App.Time.Advance(TimeSpan.FromSeconds(1));
        }
        var client = App.CreateAdminClient();
        var first = (await client.GetFromJsonAsync<JsonObject>("/api/reports?pageSize=2"))!;

        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "newer"));
        var second = (await client.GetFromJsonAsync<JsonObject>($"/api/reports?pageSize=2&cursor={(string)first["next"]!}"))!;

        Assert.Equal(["mistake 3", "mistake 2"], Exacts(first));
        Assert.Equal(["mistake 1", "mistake 0"], Exacts(second));
        Assert.Null(second["next"]);
    }

    [Theory]
    [InlineData("/api/reports?status=done", "status")]
    [InlineData("/api/reports?cursor=not-a-cursor", "cursor")]
    [InlineData("/api/reports?cursor=bwAAAAAAAAAB", "cursor")] // the outbox list's cursor
    [InlineData("/api/reports?pageSize=0", "pageSize")]
    [InlineData("/api/reports?pageSize=201", "pageSize")]
    [InlineData("/api/reports?pageSize=ten", "pageSize")]
    [InlineData("/api/reports?page=2", "page")]
    public async Task A_bad_list_parameter_gets_400_naming_it(string url, string parameter)
    {
        var response = await App.CreateAdminClient().GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(problem!["errors"]!.AsObject().ContainsKey(parameter), $"errors should name {parameter}: {problem["errors"]}");
    }

    /// <summary>Every page of a list, from the first, following next until there is none.</summary>
    private static async Task<List<JsonObject>> WalkAsync(HttpClient client, string url)
    {
        var pages = new List<JsonObject> { (await client.GetFromJsonAsync<JsonObject>(url))! };
        while (pages[^1]["next"] is { } next && pages.Count < 100)
            pages.Add((await client.GetFromJsonAsync<JsonObject>($"{url}&cursor={(string)next!}"))!);
        return pages;
    }

    private static string[] Exacts(JsonObject page) => page["items"]!.AsArray().Select(i => (string)i!["exact"]!).ToArray();

    [Fact]
    public async Task Triage_through_the_api_is_recorded_under_the_keys_name_and_shown_in_the_history()
    {
        var id = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        var original = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "another passage"));
        var client = App.CreateAdminClient();

        var triage = await client.PostAsJsonAsync($"/api/reports/{id}/triage", new { action = "duplicate", duplicateOf = original });
        var note = await client.PostAsJsonAsync($"/api/reports/{id}/triage", new { action = "note", note = "Checked with the desk." });
        var report = (await client.GetFromJsonAsync<JsonObject>($"/api/reports/{id}"))!;

        Assert.Equal(HttpStatusCode.OK, triage.StatusCode);
        Assert.Equal(HttpStatusCode.OK, note.StatusCode);
        Assert.Equal("duplicate", (string?)report["status"]);
        Assert.Equal(original.ToString(), (string?)report["duplicateOf"]);
        Assert.Equal("brave new wrold", (string?)report["selection"]!["exact"]);
        Assert.Equal(1, (int)report["readersWithEmail"]!);
        Assert.Null(report["readerEmail"]);
        var history = report["history"]!.AsArray();
        Assert.Equal(2, history.Count);
        Assert.Equal("newsroom-tools", (string?)history[0]!["actor"]);
        Assert.Equal("api", (string?)history[0]!["channel"]);
        Assert.Equal("duplicate", (string?)history[0]!["action"]);
        Assert.Equal("note", (string?)history[1]!["action"]);
        Assert.Equal("Checked with the desk.", (string?)history[1]!["note"]);
        Assert.Equal("duplicate", (string?)history[1]!["to"]);
    }

    [Fact]
    public async Task A_note_is_stored_without_control_or_bidi_override_characters_and_one_with_nothing_else_is_refused()
    {
        var id = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        var client = App.CreateAdminClient();

        var kept = await client.PostAsJsonAsync($"/api/reports/{id}/triage", new { action = "note", note = "Checked\u0000 with \u202Ethe desk.\u0007" });
        var empty = await client.PostAsJsonAsync($"/api/reports/{id}/triage", new { action = "note", note = "\u0000\u202E " });
        var report = (await client.GetFromJsonAsync<JsonObject>($"/api/reports/{id}"))!;

        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("Checked with the desk.", (string?)report["history"]!.AsArray().Single()!["note"]);
    }

    [Fact]
    public async Task Reopen_brings_a_closed_report_back_to_new()
    {
        var id = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        var client = App.CreateAdminClient();
        await client.PostAsJsonAsync($"/api/reports/{id}/triage", new { action = "spam" });

        var reopened = await (await client.PostAsJsonAsync($"/api/reports/{id}/triage", new { action = "reopen" })).Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal("new", (string?)reopened!["status"]);
        Assert.True((bool)reopened["applied"]!);
        Assert.Null((await App.QueryAsync(db => db.Reports.SingleAsync())).ClosedAt);
    }

    [Theory]
    [InlineData("{\"action\":\"fix it\"}", "action")]
    [InlineData("{\"action\":\"duplicate\",\"duplicateOf\":\"00000000-0000-0000-0000-000000000001\"}", "duplicateOf")]
    [InlineData("{\"action\":\"note\"}", "note")]
    public async Task A_bad_triage_request_gets_400_naming_the_field(string body, string field)
    {
        var id = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());

        var response = await App.CreateAdminClient().PostAsync($"/api/reports/{id}/triage", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(problem!["errors"]!.AsObject().ContainsKey(field));
    }

    [Fact]
    public async Task An_unknown_report_gets_404()
    {
        var client = App.CreateAdminClient();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/reports/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync($"/api/reports/{Guid.NewGuid()}/triage", new { action = "fixed" })).StatusCode);
    }
}
