using System.Net;
using Corrections.Data;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Corrections.Tests.Inbox.InboxClient;

namespace Corrections.Tests.Inbox;

public sealed class InboxTests : ServiceTest
{
    private const string Editor = Infrastructure.Reports.DemoEditor;

    private const string PoliticsEditor = "politics@news.example.org";

    /// <summary>A desk of the demo site for its politics pages, and a second site with an editor of its own.</summary>
    protected override Dictionary<string, string?> Settings => new()
    {
        ["Sites:0:Desks:0:Name"] = "Politics",
        ["Sites:0:Desks:0:Editors:0"] = PoliticsEditor,
        ["Sites:0:Desks:0:Paths:0"] = "/politics/",
        ["Sites:1:Key"] = "kyiv",
        ["Sites:1:Name"] = "Kyiv Daily",
        ["Sites:1:Language"] = "uk",
        ["Sites:1:Origins:0"] = "https://kyiv.example.org",
        ["Sites:1:Editors:0"] = "desk@kyiv.example.org",
    };

    private async Task<HttpClient> SignedInAsync(string editor = Editor)
    {
        var client = App.CreateClient();
        var before = Smtp.Messages.Count;
        await AskForLinkAsync(client, editor);
        var mails = await Smtp.WaitForMessagesAsync(before + 1);
        await PressSignInAsync(client, LinkIn(mails, editor));
        return client;
    }

    private async Task<Guid> SubmitAsync(string exact, string url = "https://news.example.org/2024/11/25/article", string site = "demo")
    {
        var report = Infrastructure.Reports.Valid(exact: exact, url: url);
        report["site"] = site;
        var id = await App.CreateClient().SubmitAcceptedAsync(report);
        App.Time.Advance(TimeSpan.FromSeconds(1));
        return id;
    }

    private async Task<int> MailsSettledAsync(int count)
    {
        await Smtp.WaitForMessagesAsync(count);
        return count;
    }

    [Fact]
    public async Task The_editors_mail_carries_a_link_to_the_inbox()
    {
        var id = await SubmitAsync("brave new wrold");

        var mail = (await Smtp.WaitForMessagesAsync(1)).Single(m => m.MessageId!.StartsWith($"report-{id:N}"));

        Assert.Contains("Open the inbox: http://localhost:5080/inbox", mail.TextBody);
        Assert.Contains(">Open the inbox</a>", mail.HtmlBody);
    }

    [Fact]
    public async Task A_desks_editor_sees_and_triages_only_the_desks_reports_and_a_sites_editor_filters_by_desk()
    {
        var politics = await SubmitAsync("first wrold", "https://news.example.org/politics/vote");
        var other = await SubmitAsync("second wrold", "https://news.example.org/sport/match");
        await MailsSettledAsync(2);
        var desk = await SignedInAsync(PoliticsEditor);
        var site = await SignedInAsync();

        var deskView = await desk.GetStringAsync("/inbox");
        var siteView = await site.GetStringAsync("/inbox");
        var filtered = await site.GetStringAsync("/inbox?desk=politics");
        var unknownDesk = await site.GetAsync("/inbox?desk=weather");

        Assert.Contains($"id=\"report-{politics}\"", deskView);
        Assert.DoesNotContain($"id=\"report-{other}\"", deskView);
        Assert.Contains("desk Politics", deskView);
        Assert.Contains($"id=\"report-{other}\"", siteView);
        Assert.Contains($"id=\"report-{politics}\"", filtered);
        Assert.DoesNotContain($"id=\"report-{other}\"", filtered);
        Assert.Equal(HttpStatusCode.BadRequest, unknownDesk.StatusCode);
    }

    [Fact]
    public async Task Each_report_shows_what_the_service_saw_on_the_live_page_where_it_looked()
    {
        var found = await SubmitAsync("first wrold");
        var unread = await SubmitAsync("second wrold");
        var unchecked_ = await SubmitAsync("third wrold");
        await MailsSettledAsync(3);
        await App.QueryAsync(db => db.Reports.Where(r => r.Id == found).ExecuteUpdateAsync(s => s.SetProperty(r => r.Passage, PassageState.Found)));
        await App.QueryAsync(db => db.Reports.Where(r => r.Id == unread).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.Passage, PassageState.Unknown).SetProperty(r => r.PassageReason, "status 503")));
        var client = await SignedInAsync();

        var html = await client.GetStringAsync("/inbox");

        string ItemOf(Guid id)
        {
            var start = html.IndexOf($"id=\"report-{id}\"", StringComparison.Ordinal);
            return html[start..html.IndexOf("</li>", start, StringComparison.Ordinal)];
        }
        Assert.Contains("The passage is on the live page.", ItemOf(found));
        Assert.Contains("The live page could not be read: status 503.", ItemOf(unread));
        Assert.DoesNotContain("live page", ItemOf(unchecked_));
    }

    [Fact]
    public async Task The_inbox_shows_the_open_reports_of_the_editors_sites_newest_first_grouped_by_article()
    {
        var older = await SubmitAsync("first wrold", "https://news.example.org/one");
        var other = await SubmitAsync("second wrold", "https://news.example.org/two");
        var newer = await SubmitAsync("third wrold", "https://news.example.org/one?from=home");
        var foreign = await SubmitAsync("чужий", "https://kyiv.example.org/news", site: "kyiv");
        await MailsSettledAsync(4);
        var client = await SignedInAsync();

        using var response = await client.GetAsync("/inbox");
        var html = await response.Content.ReadAsStringAsync();

        Assert.StartsWith("default-src 'self';", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.True(response.Headers.CacheControl!.NoStore);
        Assert.DoesNotContain(App.Logs.Lines, l => l.Category.StartsWith("Microsoft.AspNetCore.Antiforgery") && l.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.DoesNotContain(foreign.ToString(), html);
        var positions = new[] { newer, older, other }.Select(id => html.IndexOf($"id=\"report-{id}\"", StringComparison.Ordinal)).ToArray();
        Assert.All(positions, p => Assert.True(p > 0));
        Assert.Equal(positions.Order(), positions);
        Assert.Contains("<mark>third wrold</mark>", html);
        Assert.Contains("<ins>world</ins>", html);
        Assert.Contains("1 reader", html);
        Assert.Contains("#:~:text=", html);
        Assert.Contains("<script src=\"/assets/inbox.js\" defer></script>", html);
    }

    [Fact]
    public async Task Bulk_marking_three_reports_fixed_records_them_as_by_the_address_in_the_inbox_and_thanks_their_readers()
    {
        var ids = new[] { await SubmitAsync("one wrold"), await SubmitAsync("two wrold"), await SubmitAsync("three wrold") };
        var untouched = await SubmitAsync("four wrold");
        await MailsSettledAsync(4);
        var client = await SignedInAsync();
        var inbox = await client.GetStringAsync("/inbox");

        var result = await TriageAsync(client, inbox, [("action", "fixed"), ("note", "Corrected in print too."), .. ids.Select(id => ("ids", id.ToString()))]);

        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        var page = await result.Content.ReadAsStringAsync();
        Assert.Contains("3 reports marked fixed.", page);
        Assert.DoesNotContain($"report-{ids[0]}", page);
        Assert.Contains($"report-{untouched}", page);
        var reports = await App.QueryAsync(db => db.Reports.Include(r => r.History).Where(r => ids.Contains(r.Id)).ToListAsync());
        Assert.All(reports, report =>
        {
            Assert.Equal(ReportStatus.Fixed, report.Status);
            var change = Assert.Single(report.History);
            Assert.Equal(Editor, change.Actor);
            Assert.Equal(TriageChannel.Inbox, change.Channel);
            Assert.Equal("fixed", change.Action);
            Assert.Equal("Corrected in print too.", change.Note);
        });
        var thanks = (await Smtp.WaitForMessagesAsync(4 + 1 + 3)).Where(m => m.MessageId!.StartsWith("thanks-")).ToList();
        Assert.Equal(3, thanks.Count);
        Assert.Equal(ReportStatus.New, (await App.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == untouched))).Status);
    }

    [Fact]
    public async Task A_report_is_marked_by_its_own_button_and_a_closed_one_can_be_reopened()
    {
        var id = await SubmitAsync("brave new wrold");
        await MailsSettledAsync(1);
        var client = await SignedInAsync();

        await TriageAsync(client, await client.GetStringAsync("/inbox"), ("one", $"{id} spam"));
        var closed = await client.GetStringAsync("/inbox?status=spam");
        var reopened = await TriageAsync(client, closed, ("one", $"{id} reopen"));

        Assert.Contains($"spam by {Editor} (inbox)", closed);
        Assert.Contains("1 report reopened.", await reopened.Content.ReadAsStringAsync());
        var report = await App.QueryAsync(db => db.Reports.Include(r => r.History).SingleAsync(r => r.Id == id));
        Assert.Equal(ReportStatus.New, report.Status);
        Assert.Equal(["spam", "reopen"], report.History.OrderBy(e => e.Id).Select(e => e.Action));
    }

    [Fact]
    public async Task A_report_of_a_site_the_editor_does_not_edit_is_not_changed()
    {
        var foreign = await SubmitAsync("чужий", "https://kyiv.example.org/news", site: "kyiv");
        await MailsSettledAsync(1);
        var client = await SignedInAsync();

        var result = await TriageAsync(client, await client.GetStringAsync("/inbox"), ("action", "spam"), ("ids", foreign.ToString()));

        Assert.Contains("0 reports marked spam. 1 already had that status or could not be changed.", await result.Content.ReadAsStringAsync());
        Assert.Equal(ReportStatus.New, (await App.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == foreign))).Status);
    }

    [Fact]
    public async Task A_triage_post_without_a_session_or_without_the_antiforgery_token_changes_nothing()
    {
        var id = await SubmitAsync("brave new wrold");
        await MailsSettledAsync(1);
        var client = await SignedInAsync();

        var noToken = await client.PostAsync("/inbox/triage", new FormUrlEncodedContent([new("action", "fixed"), new("ids", id.ToString())]));
        var noSession = await App.CreateClient().PostAsync("/inbox/triage", new FormUrlEncodedContent([new("action", "fixed"), new("ids", id.ToString())]));

        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noSession.StatusCode);
        Assert.Equal(ReportStatus.New, (await App.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == id))).Status);
    }

    [Fact]
    public async Task The_inbox_filters_by_site_status_age_and_search()
    {
        var old = await SubmitAsync("ancient wrold");
        App.Time.Advance(TimeSpan.FromDays(40));
        var recent = await SubmitAsync("fresh wrold");
        var rejected = await SubmitAsync("other wrold");
        await MailsSettledAsync(3);
        var client = await SignedInAsync();
        await TriageAsync(client, await client.GetStringAsync("/inbox"), ("one", $"{rejected} reject"));

        var open = await client.GetStringAsync("/inbox");
        var lastDay = await client.GetStringAsync("/inbox?age=day");
        var older = await client.GetStringAsync("/inbox?age=older");
        var searched = await client.GetStringAsync("/inbox?q=ANCIENT");
        var byComment = await client.GetStringAsync("/inbox?q=typo&status=all");
        var rejectedOnly = await client.GetStringAsync("/inbox?status=rejected&site=demo");
        var foreignSite = await client.GetAsync("/inbox?site=kyiv");

        string[] Shown(string html) => new[] { old, recent, rejected }.Where(id => html.Contains($"report-{id}")).OrderBy(id => html.IndexOf($"report-{id}", StringComparison.Ordinal)).Select(id => id == old ? "old" : id == recent ? "recent" : "rejected").ToArray();
        Assert.Equal(["recent", "old"], Shown(open));
        Assert.Equal(["recent"], Shown(lastDay));
        Assert.Equal(["old"], Shown(older));
        Assert.Equal(["old"], Shown(searched));
        Assert.Equal(["rejected", "recent", "old"], Shown(byComment));
        Assert.Equal(["rejected"], Shown(rejectedOnly));
        Assert.Equal(HttpStatusCode.BadRequest, foreignSite.StatusCode);
        Assert.Contains("is not one of your sites", await foreignSite.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_inbox_shows_pages_of_50_and_the_next_page_goes_on_after_the_last()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 51; i++)
            ids.Add(await SubmitAsync($"wrold number {i}"));
        await MailsSettledAsync(51);
        var client = await SignedInAsync();

        var first = await client.GetStringAsync("/inbox");
        var nextHref = System.Text.RegularExpressions.Regex.Match(first, "<a href=\"([^\"]+)\" rel=\"next\">").Groups[1].Value;
        var second = await client.GetStringAsync(WebUtility.HtmlDecode(nextHref));

        Assert.Equal(50, ids.Count(id => first.Contains($"report-{id}")));
        Assert.DoesNotContain($"report-{ids[0]}", first);
        Assert.Contains($"report-{ids[0]}", second);
        Assert.Equal(1, ids.Count(id => second.Contains($"report-{id}")));
        Assert.DoesNotContain("rel=\"next\"", second);
        Assert.Contains(">First page</a>", second);
    }
}
