using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Corrections.Data;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Corrections.Tests.Reports;

public sealed class SubmitReportTests : ServiceTest
{
    [Fact]
    public async Task A_valid_report_is_accepted_stored_and_mailed_to_the_site_editors()
    {
        var response = await App.SubmitAsync(Infrastructure.Reports.Valid());

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        var id = Guid.Parse((string)body!["id"]!);
        Assert.Equal("new", (string?)body["status"]);
        Assert.Equal($"/api/reports/{id}", response.Headers.Location?.ToString());

        var report = await App.QueryAsync(db => db.Reports.Include(r => r.Submissions).SingleAsync());
        Assert.Equal(id, report.Id);
        Assert.Equal("brave new wrold", report.Exact);
        Assert.Equal("reader@example.net", Assert.Single(report.Submissions).ReaderEmail);

        var mail = Assert.Single(await Smtp.WaitForMessagesAsync(1));
        Assert.Equal(["editors@news.example.org"], mail.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("corrections@localhost", mail.From.Mailboxes.Single().Address);
        Assert.Equal("[Demo News] “brave new wrold” — Europe's new security order", mail.Subject);
        Assert.StartsWith($"report-{id:N}.", mail.MessageId);
    }

    [Fact]
    public async Task The_editors_mail_shows_the_passage_in_context_the_suggestion_as_a_diff_and_a_deep_link()
    {
        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());

        var mail = Assert.Single(await Smtp.WaitForMessagesAsync(1));
        const string deepLink = "https://news.example.org/2024/11/25/article#:~:text=Welcome%20to%20the-,brave%20new%20wrold,-of%20European%20security.";

        Assert.Contains("…Welcome to the [[brave new wrold]] of European security.…", mail.TextBody);
        Assert.Contains("brave new [-wrold-]{+world+}", mail.TextBody);
        Assert.Contains("typo", mail.TextBody);
        Assert.Contains(deepLink, mail.TextBody);
        Assert.Contains("1 reader reported", mail.TextBody);

        Assert.Contains("Welcome to the <mark", mail.HtmlBody);
        Assert.Contains(">brave new wrold</mark> of European security.", mail.HtmlBody);
        Assert.Contains(">wrold</del><ins", mail.HtmlBody);
        Assert.Contains(">world</ins>", mail.HtmlBody);
        Assert.Contains($"href=\"{deepLink}\"", mail.HtmlBody);
        Assert.Contains("href=\"https://news.example.org/2024/11/25/article\"", mail.HtmlBody);
    }

    [Fact]
    public async Task Nothing_a_reader_writes_can_pass_for_the_services_own_lines_in_the_plain_text_mail()
    {
        const string fake = "Triage:\n  Fixed: https://evil.example/x\nReport 00000000-0000-0000-0000-000000000000";
        var report = Infrastructure.Reports.Valid(exact: "brave new\nTriage:\n  Fixed: https://evil.example/x\nwrold");
        report["title"] = "T\n" + fake;
        report["suggestion"] = "brave\r\n" + fake;
        report["comment"] = "see below\u2028" + fake + "\r" + fake;
        await App.SubmitAcceptedAsync(report);

        var text = Assert.Single(await Smtp.WaitForMessagesAsync(1)).TextBody!;
        var lines = text.ReplaceLineEndings("\n").Split('\n');

        Assert.Contains("  | T Triage: Fixed: https://evil.example/x Report 00000000-0000-0000-0000-000000000000", lines);
        // The deep link carries the passage too, percent-encoded on one line.
        Assert.All(lines.Where(l => (l.Contains("evil.example") || l.Contains("00000000-0000")) && !l.StartsWith("https://news.example.org/")), l => Assert.StartsWith("  | ", l));
        Assert.Single(lines, l => l == "Triage:");
        Assert.All(lines.Where(l => l.TrimStart().StartsWith("Fixed:")), l => Assert.Matches(@"^  Fixed: http://localhost:5080/triage/\S+$", l));
        Assert.Single(lines, l => l.StartsWith("Report "));
    }

    [Fact]
    public async Task Reports_about_one_article_are_threaded_under_one_root_and_other_articles_apart()
    {
        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "first mistake"));
        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "second mistake", url: "https://news.example.org/2024/11/25/article?utm_source=x"));
        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "third mistake", url: "https://news.example.org/other"));

        var mails = await Smtp.WaitForMessagesAsync(3);
        var byPassage = mails.ToDictionary(m => m.Subject!.Split('“', '”')[1]);
        var root = byPassage["first mistake"].InReplyTo!;
        Assert.StartsWith("article-", root);
        Assert.Equal([root], byPassage["first mistake"].References);
        Assert.Equal(root, byPassage["second mistake"].InReplyTo);
        Assert.Equal([root], byPassage["second mistake"].References);
        Assert.NotEqual(root, byPassage["third mistake"].InReplyTo);
        Assert.Equal(3, mails.Select(m => m.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task The_same_client_request_id_again_gives_the_same_id_and_no_second_report_or_mail()
    {
        var report = Infrastructure.Reports.Valid(clientRequestId: "8d7c2b8e-5a43-4c2e-9c0e-0f1d2b3c4d5e");

        var first = await App.SubmitAcceptedAsync(report);
        var second = await App.SubmitAcceptedAsync(report);
        await Smtp.WaitForMessagesAsync(1);
        await App.DispatchOnceAsync();

        Assert.Equal(first, second);
        Assert.Equal(1, await App.QueryAsync(db => db.Reports.CountAsync()));
        Assert.Equal(1, await App.QueryAsync(db => db.ReportSubmissions.CountAsync()));
        Assert.Equal(1, (await App.QueryAsync(db => db.Reports.SingleAsync())).ReaderCount);
        Assert.Single(Smtp.Messages);
    }

    [Fact]
    public async Task Concurrent_resends_of_one_request_make_one_report()
    {
        var report = Infrastructure.Reports.Valid();

        var ids = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => App.SubmitAcceptedAsync(report)));

        Assert.Single(ids.Distinct());
        Assert.Equal(1, await App.QueryAsync(db => db.Reports.CountAsync()));
        Assert.Equal(1, await App.QueryAsync(db => db.ReportSubmissions.CountAsync()));
    }

    [Fact]
    public async Task Other_readers_reporting_the_same_passage_join_the_open_report_and_the_mail_counts_them()
    {
        // Hold the mail back, so that it is sent once all three readers have joined.
        Smtp.ReplyNext(451);
        var first = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await App.WaitUntilAsync(async () => (await App.OutboxAsync()).Single().Attempts == 1);

        var second = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid(url: "https://news.example.org/2024/11/25/article?ref=home#top"));
        var third = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());

        Assert.Equal(first, second);
        Assert.Equal(first, third);
        var report = await App.QueryAsync(db => db.Reports.Include(r => r.Submissions).SingleAsync());
        Assert.Equal(3, report.ReaderCount);
        Assert.Equal(3, report.Submissions.Count);
        Assert.Single(await App.OutboxAsync());

        await App.AdvanceUntilAsync(async () => Smtp.Messages.Count == 1, TimeSpan.FromSeconds(1));
        var mail = Assert.Single(Smtp.Messages);
        Assert.Contains("3 readers reported", mail.TextBody);
    }

    [Fact]
    public async Task A_report_on_a_passage_whose_report_is_closed_opens_a_new_report()
    {
        var first = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await Smtp.WaitForMessagesAsync(1);
        await App.QueryAsync(db => db.Reports.ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, ReportStatus.Fixed)));

        var second = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());

        Assert.NotEqual(first, second);
        await Smtp.WaitForMessagesAsync(2);
    }

    [Fact]
    public async Task Reader_text_is_normalised_to_NFC_without_control_or_bidi_override_characters()
    {
        var report = Infrastructure.Reports.Valid(exact: "cafe\u0301 \u202Eevil\u202C\u0007");

        await App.SubmitAcceptedAsync(report);

        Assert.Equal("café evil", (await App.QueryAsync(db => db.Reports.SingleAsync())).Exact);
    }

    public static TheoryData<string, Action<JsonObject>> InvalidReports() => new()
    {
        { "url", r => r["url"] = "https://elsewhere.example.com/article" },
        { "url", r => r["url"] = "ftp://news.example.org/article" },
        { "url", r => r["url"] = "/2024/11/25/article" },
        { "url", r => r["url"] = "https://news.example.org/" + new string('a', 2048) },
        { "url", r => r["url"] = "https://news.example.org/" + new string('€', 300) },
        { "url", r => r.Remove("url") },
        { "url", r => r["url"] = 42 },
        { "selection", r => r.Remove("selection") },
        { "selection", r => r["selection"] = new JsonArray() },
        { "selection.exact", r => r["selection"]!["exact"] = "" },
        { "selection.exact", r => r["selection"]!["exact"] = "   " },
        { "selection.exact", r => r["selection"]!["exact"] = new string('x', 1001) },
        { "selection.exact", r => r["selection"]!["exact"] = null },
        { "selection.prefix", r => r["selection"]!["prefix"] = new string('x', 501) },
        { "selection.suffix", r => r["selection"]!["suffix"] = new string('x', 501) },
        { "selection.suffix", r => r["selection"]!["suffix"] = true },
        { "suggestion", r => r["suggestion"] = new string('x', 2001) },
        { "comment", r => r["comment"] = new string('x', 2001) },
        { "comment", r => r["comment"] = new JsonObject() },
        { "readerEmail", r => r["readerEmail"] = "not an address" },
        { "readerEmail", r => r["readerEmail"] = "reader@example.net\r\nBcc: victim@example.com" },
        { "lang", r => r["lang"] = "english please" },
        { "clientRequestId", r => r["clientRequestId"] = "has spaces" },
        { "title", r => r["title"] = new string('t', 501) },
        { "site", r => r.Remove("site") },
    };

    [Theory]
    [MemberData(nameof(InvalidReports))]
    public async Task An_invalid_field_gets_400_problem_details_naming_the_field_and_nothing_is_stored(string field, Action<JsonObject> breakIt)
    {
        var report = Infrastructure.Reports.Valid();
        breakIt(report);

        var response = await App.SubmitAsync(report);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(400, (int?)problem!["status"]);
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field), $"errors should name {field}: {problem["errors"]}");
        Assert.Equal(0, await App.QueryAsync(db => db.Reports.CountAsync()));
        Assert.Equal(0, await App.QueryAsync(db => db.Outbox.CountAsync()));
    }

    [Fact]
    public async Task An_unknown_site_gets_404_problem_details()
    {
        var report = Infrastructure.Reports.Valid();
        report["site"] = "no-such-site";

        var response = await App.SubmitAsync(report);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_body_that_is_not_json_gets_415()
    {
        var response = await App.CreateClient().PostAsync("/api/reports", new StringContent("site=demo", Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("{\"site\": \"demo\",")]
    [InlineData("[1, 2, 3]")]
    [InlineData("\"just a string\"")]
    [InlineData("")]
    public async Task Malformed_json_gets_400_problem_details(string json)
    {
        var response = await App.CreateClient().PostAsync("/api/reports", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_body_over_16_KB_gets_413_whether_or_not_its_length_is_announced()
    {
        var report = Infrastructure.Reports.Valid();
        report["comment"] = new string('x', 17 * 1024);
        var json = report.ToJsonString();

        var announced = await App.CreateClient().PostAsync("/api/reports", new StringContent(json, Encoding.UTF8, "application/json"));
        var streamed = await App.CreateClient().PostAsync("/api/reports", new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)))
        {
            Headers = { ContentType = new("application/json") },
        });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, announced.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        Assert.Equal("application/problem+json", streamed.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Reports_of_typed_words_without_context_are_taken_and_never_joined_by_their_passage()
    {
        JsonObject Typed()
        {
            var report = Infrastructure.Reports.Valid();
            report["selection"] = new JsonObject { ["exact"] = "brave new wrold", ["prefix"] = "", ["suffix"] = "" };
            return report;
        }

        var first = await App.SubmitAcceptedAsync(Typed());
        var second = await App.SubmitAcceptedAsync(Typed());
        var withoutContextFields = Typed();
        withoutContextFields["selection"] = new JsonObject { ["exact"] = "brave new wrold" };
        var third = await App.SubmitAcceptedAsync(withoutContextFields);

        Assert.Equal(3, new[] { first, second, third }.Distinct().Count());
        var reports = await App.QueryAsync(db => db.Reports.ToListAsync());
        Assert.All(reports, r => Assert.Equal((1, "", ""), (r.ReaderCount, r.Prefix, r.Suffix)));
    }
}
