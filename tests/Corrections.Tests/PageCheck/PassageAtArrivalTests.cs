using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Corrections.Data;
using Corrections.Features.PageCheck;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.PageCheck;

/// <summary>The article as the reader saw it, and as an editor may change it.</summary>
public static class Articles
{
    public const string Path = "/2024/11/25/article";

    public static string Page(string paragraph) => $$"""
        <!DOCTYPE html>
        <html lang="en"><head><title>Europe's new security order</title>
        <script>var quote = "Welcome to the brave new wrold of European security.";</script>
        <style>p::after { content: "brave new wrold" }</style></head>
        <body><header><nav>Home · World</nav></header>
        <article><h1>Europe's new security order</h1>
        <p>{{paragraph}}</p>
        <p>It is here to stay.</p></article></body></html>
        """;

    /// <summary>The passage as reported, split by inline markup and a line break, as a browser shows it.</summary>
    public static readonly string AsReported = Page("Welcome to the <em>brave</em> new\n    wrold of European security.");

    public static readonly string Corrected = Page("Welcome to the brave new <strong>world</strong> of European security.");

    public static readonly string Rewritten = Page("Welcome to a new order of European security.");

    public static JsonObject Report(ArticleServer server, string path = Path) => Infrastructure.Reports.Valid(url: server.Url(path));
}

/// <summary>A test whose service reads the articles of an <see cref="ArticleServer"/>, registered as one of the demo site's origins.</summary>
public abstract class PageCheckTest(TestRelay relay = TestRelay.Running) : ServiceTest(relay)
{
    protected ArticleServer Article { get; private set; } = null!;

    protected virtual Dictionary<string, string?> PageCheckSettings => [];

    protected override Dictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["PageCheck:Enabled"] = "true",
        ["PageCheck:AllowPrivateNetworks"] = "true",
        ["PageCheck:TimeoutSeconds"] = "5",
        ["Sites:0:Origins:3"] = Article.Origin,
    }.Concat(PageCheckSettings).GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.Last().Value);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Article = Track(await ArticleServer.StartAsync());
    }

    protected Task<Report> ReportAsync(Guid id) => Data.QueryAsync(db => db.Reports.AsNoTracking().SingleAsync(r => r.Id == id));

    /// <summary>Submits the report and waits until the service has looked for its passage.</summary>
    protected async Task<Report> SubmitCheckedAsync(JsonObject report)
    {
        var id = await App.SubmitAcceptedAsync(report);
        await App.WaitUntilAsync(async () => (await ReportAsync(id)).Passage is not null);
        return await ReportAsync(id);
    }
}

public sealed class PassageAtArrivalTests : PageCheckTest
{
    [Fact]
    public async Task A_passage_on_the_article_is_found_and_the_editors_mail_and_the_admin_api_say_so()
    {
        Article.Serve(Articles.Path, Articles.AsReported);

        var report = await SubmitCheckedAsync(Articles.Report(Article));

        Assert.Equal(PassageState.Found, report.Passage);
        Assert.Null(report.PassageReason);
        var mail = (await Smtp.WaitForMessagesAsync(1)).Single();
        Assert.Contains("The passage is on the live page.", mail.TextBody);
        Assert.Contains("The passage is on the live page.", mail.HtmlBody);
        var request = Assert.Single(Article.Requests);
        Assert.StartsWith("Corrections/", request.UserAgent);
        Assert.EndsWith("(+http://localhost:5080)", request.UserAgent);

        var admin = App.CreateAdminClient();
        var details = (await admin.GetFromJsonAsync<JsonObject>($"/api/reports/{report.Id}"))!;
        var found = (await admin.GetFromJsonAsync<JsonObject>("/api/reports?passage=found"))!;
        var notFound = (await admin.GetFromJsonAsync<JsonObject>("/api/reports?passage=not_found"))!;
        Assert.Equal("found", (string?)details["passage"]);
        Assert.Equal("found", (string?)found["items"]![0]!["passage"]);
        Assert.Single(found["items"]!.AsArray());
        Assert.Empty(notFound["items"]!.AsArray());
    }

    [Fact]
    public async Task A_passage_that_is_no_longer_on_the_article_is_not_found_and_the_mail_says_it_may_be_fixed()
    {
        Article.Serve(Articles.Path, Articles.Corrected);

        var report = await SubmitCheckedAsync(Articles.Report(Article));

        Assert.Equal(PassageState.NotFound, report.Passage);
        Assert.Null(report.NextPageCheckAt);
        var mail = (await Smtp.WaitForMessagesAsync(1)).Single();
        Assert.Contains("Not found on the live page: already fixed, or the page changed.", mail.TextBody);
        var listed = (await App.CreateAdminClient().GetFromJsonAsync<JsonObject>("/api/reports?passage=not_found"))!;
        Assert.Equal("not_found", (string?)listed["items"]![0]!["passage"]);
    }

    [Fact]
    public async Task A_passage_only_in_a_hidden_element_script_or_style_is_not_found()
    {
        Article.Serve(Articles.Path, Articles.Page("""
            <span hidden>Welcome to the brave new wrold of European security.</span>
            <span style="display: none">Welcome to the brave new wrold of European security.</span>
            Welcome to the new order.
            """));

        var report = await SubmitCheckedAsync(Articles.Report(Article));

        Assert.Equal(PassageState.NotFound, report.Passage);
    }

    [Fact]
    public async Task A_redirect_off_the_sites_origins_is_not_followed()
    {
        await using var elsewhere = await ArticleServer.StartAsync();
        elsewhere.Serve(Articles.Path, Articles.AsReported);
        Article.Serve(Articles.Path, new ServedPage("", Status: 302) { Location = elsewhere.Url(Articles.Path) });

        var report = await SubmitCheckedAsync(Articles.Report(Article));

        Assert.Equal(PassageState.Unknown, report.Passage);
        Assert.Equal($"redirected to {elsewhere.Origin}, not on the site's origins", report.PassageReason);
        Assert.Empty(elsewhere.Requests);
    }

    [Fact]
    public async Task Redirects_on_the_sites_origins_are_followed_up_to_three()
    {
        Article.Serve("/a", new ServedPage("", Status: 301) { Location = "/b" });
        Article.Serve("/b", new ServedPage("", Status: 302) { Location = Article.Url("/c") });
        Article.Serve("/c", new ServedPage("", Status: 307) { Location = Articles.Path });
        Article.Serve(Articles.Path, Articles.AsReported);
        Article.Serve("/loop", new ServedPage("", Status: 302) { Location = "/a" });

        var followed = await SubmitCheckedAsync(Articles.Report(Article, "/a"));
        var tooMany = await SubmitCheckedAsync(Articles.Report(Article, "/loop"));

        Assert.Equal(PassageState.Found, followed.Passage);
        Assert.Equal(PassageState.Unknown, tooMany.Passage);
        Assert.Equal("more than 3 redirects", tooMany.PassageReason);
    }

    [Fact]
    public async Task A_page_of_5_MB_is_not_read_past_2_MB()
    {
        // No Content-Length: the limit is met while reading.
        Article.Serve(Articles.Path, new ServedPage(new string('x', 1024 * 1024)) { Repeat = 5 });

        var report = await SubmitCheckedAsync(Articles.Report(Article));

        Assert.Equal(PassageState.Unknown, report.Passage);
        Assert.Equal("too large (over 2 MB)", report.PassageReason);
    }

    [Fact]
    public async Task An_answer_that_is_not_html_or_not_200_is_unknown_with_its_reason()
    {
        Article.Serve("/data", new ServedPage("""{"text": "Welcome to the brave new wrold of European security."}""", "application/json"));

        var json = await SubmitCheckedAsync(Articles.Report(Article, "/data"));
        var missing = await SubmitCheckedAsync(Articles.Report(Article, "/gone"));

        Assert.Equal((PassageState.Unknown, "not HTML (application/json)"), (json.Passage!.Value, json.PassageReason));
        Assert.Equal((PassageState.Unknown, "status 404"), (missing.Passage!.Value, missing.PassageReason));
    }

    [Fact]
    public async Task A_slow_page_times_out_and_the_editors_mail_waits_for_it_no_longer_than_MailWaitSeconds()
    {
        Article.Serve(Articles.Path, new ServedPage(Articles.AsReported) { Delay = TimeSpan.FromSeconds(30) });

        var id = await App.SubmitAcceptedAsync(Articles.Report(Article));
        var before = App.Time.GetUtcNow();
        await App.AdvanceUntilAsync(() => Task.FromResult(Smtp.Messages.Count > 0), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

        Assert.InRange(App.Time.GetUtcNow() - before, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15));
        Assert.DoesNotContain("live page", Smtp.Messages.Single().TextBody);
        await App.WaitUntilAsync(async () => (await ReportAsync(id)).Passage is not null);
        var report = await ReportAsync(id);
        Assert.Equal(PassageState.Unknown, report.Passage);
        Assert.Equal("timeout (no complete answer within 5 s)", report.PassageReason);
    }

    [Fact]
    public async Task An_invalid_passage_filter_gets_400_naming_the_values()
    {
        var response = await App.CreateAdminClient().GetAsync("/api/reports?passage=maybe");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("found, not_found, unknown", await response.Content.ReadAsStringAsync());
    }
}

public sealed class PageCheckRefusalTests : PageCheckTest
{
    protected override Dictionary<string, string?> PageCheckSettings => new()
    {
        ["PageCheck:AllowPrivateNetworks"] = "false",
        ["Sites:0:Origins:4"] = $"http://localhost:{Article.Port}",
    };

    [Fact]
    public async Task A_loopback_address_is_refused_unless_private_networks_are_allowed()
    {
        Article.Serve(Articles.Path, Articles.AsReported);

        var report = await SubmitCheckedAsync(Articles.Report(Article));

        Assert.Equal(PassageState.Unknown, report.Passage);
        Assert.Equal("a private or loopback address", report.PassageReason);
        Assert.Empty(Article.Requests);
    }

    [Fact]
    public async Task A_name_that_resolves_to_a_loopback_address_is_refused_when_connecting()
    {
        Article.Serve(Articles.Path, Articles.AsReported);

        var report = await SubmitCheckedAsync(Infrastructure.Reports.Valid(url: $"http://localhost:{Article.Port}{Articles.Path}"));

        Assert.Equal((PassageState.Unknown, "a private or loopback address"), (report.Passage!.Value, report.PassageReason));
        Assert.Empty(Article.Requests);
    }

    [Fact]
    public async Task A_site_whose_page_check_is_off_is_never_read()
    {
        var app = NewApp(Settings!.Concat(new Dictionary<string, string?> { ["Sites:0:PageCheck:Enabled"] = "false", ["PageCheck:AllowPrivateNetworks"] = "true" })
            .GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.Last().Value));
        Article.Serve(Articles.Path, Articles.AsReported);

        var id = await app.SubmitAcceptedAsync(Articles.Report(Article));
        await Smtp.WaitForMessagesAsync(1);

        Assert.DoesNotContain(await app.OutboxAsync(), m => m.Type == PassageToCheck.OutboxType);
        Assert.Null((await ReportAsync(id)).Passage);
        Assert.Empty(Article.Requests);
        Assert.DoesNotContain("live page", Smtp.Messages.Single().TextBody);
    }
}

public sealed class PageTextTests
{
    [Theory]
    [InlineData("<p>Welcome to the <em>brave</em> new\n wrold of European security.</p>", true)]
    [InlineData("<p>Welcome to the brave new&nbsp;wrold<br>of European security.</p>", true)]
    [InlineData("<p>Welcome to the brave new world of European security.</p>", false)]
    [InlineData("<p>Farewell to the brave new wrold of European security.</p>", false)]
    [InlineData("<p>Welcome to the brave new wrold of Asian security.</p>", false)]
    [InlineData("<p hidden>Welcome to the brave new wrold of European security.</p>", false)]
    [InlineData("<div style=\"visibility: hidden\">Welcome to the brave new wrold of European security.</div>", false)]
    [InlineData("<template>Welcome to the brave new wrold of European security.</template>", false)]
    [InlineData("<noscript>Welcome to the brave new wrold of European security.</noscript>", false)]
    public void The_passage_is_found_with_its_context_in_the_visible_text_whatever_its_white_space(string body, bool found) =>
        Assert.Equal(found, PageText.Parse($"<html><body>{body}</body></html>").Contains("Welcome to the ", "brave new wrold", " of European security."));

    [Theory]
    [InlineData("Welcome to the brave new world of European security.", true)]
    [InlineData("Welcome to the brave new world of Asian security.", true)]
    [InlineData("Farewell to the brave new world of European security.", true)]
    [InlineData("Welcome to a new order of European security.", false)]
    public void The_correction_is_there_after_the_prefix_or_before_the_suffix(string paragraph, bool corrected) =>
        Assert.Equal(corrected, PageText.Parse($"<p>{paragraph}</p>").ContainsCorrection("Welcome to the ", "brave new world", " of European security."));
}

public sealed class FetchRulesTests
{
    private static readonly Corrections.Configuration.Site Site = new(
        "demo", "Demo", new HashSet<string> { "https://news.example.org", "http://127.0.0.1:8080", "http://news.example.org" }, ["e@example.org"], "en");

    [Theory]
    [InlineData("https://news.example.org/a", null)]
    [InlineData("http://127.0.0.1:8080/a", null)]
    [InlineData("http://news.example.org/a", "not https")]
    [InlineData("https://elsewhere.example.org/a", "not on the site's origins")]
    [InlineData("https://news.example.org:8443/a", "not on the site's origins")]
    public void Only_https_or_loopback_http_urls_on_the_sites_origins_are_read(string url, string? refusal) =>
        Assert.Equal(refusal, PageFetcher.Refusal(Site, new Uri(url)));

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("172.20.0.1", true)]
    [InlineData("192.168.1.1", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("fd00::1", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("93.184.216.34", false)]
    [InlineData("172.32.0.1", false)]
    [InlineData("2606:2800:220:1::1", false)]
    public void Private_loopback_and_link_local_addresses_are_recognised(string address, bool isPrivate) =>
        Assert.Equal(isPrivate, Corrections.Outbound.PrivateNetworks.IsPrivate(System.Net.IPAddress.Parse(address)));
}
