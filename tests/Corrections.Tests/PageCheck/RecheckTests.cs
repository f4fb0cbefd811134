using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Corrections.Data;
using Corrections.Features.PageCheck;
using Corrections.Tests.Infrastructure;
using Corrections.Tests.Triage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Corrections.Tests.PageCheck;

/// <summary>
/// Rounds run by the test, at the times it moves the clock to: the service's own rounds are a day apart, and the test's
/// moves are shorter, but for the last.
/// </summary>
public abstract class RoundTest : PageCheckTest
{
    protected override Dictionary<string, string?> PageCheckSettings => new() { ["PageCheck:RoundSeconds"] = "86400" };

    protected PageRechecks Rechecks => App.Services.GetServices<IHostedService>().OfType<PageRechecks>().Single();

    /// <summary>Moves the clock to <paramref name="at"/> after <paramref name="arrival"/> and runs a round then.</summary>
    protected async Task<int> RoundAtAsync(DateTimeOffset arrival, TimeSpan at)
    {
        App.Time.Advance(arrival + at - App.Time.GetUtcNow());
        return await Rechecks.RunRoundAsync(CancellationToken.None);
    }
}

public sealed partial class RecheckTests : RoundTest
{
    private Task<List<ReportEvent>> HistoryAsync(Guid id) =>
        Data.QueryAsync(db => db.ReportEvents.AsNoTracking().Where(e => e.ReportId == id).OrderBy(e => e.Id).ToListAsync());

    private async Task MoveToAsync(DateTimeOffset arrival, TimeSpan at) => Assert.Equal(1, await RoundAtAsync(arrival, at));

    private int Reads => Article.Requests.Count(r => r.Path == Articles.Path);

    [Fact]
    public async Task A_report_is_closed_as_fixed_when_the_article_shows_the_correction_and_its_reader_is_thanked_once_without_mail_to_the_editors()
    {
        Article.Serve(Articles.Path, Articles.AsReported);
        var report = await SubmitCheckedAsync(Articles.Report(Article));
        await Smtp.WaitForMessagesAsync(1);
        Assert.Equal(report.CreatedAt + TimeSpan.FromHours(1), report.NextPageCheckAt);

        await MoveToAsync(report.CreatedAt, TimeSpan.FromHours(1));
        Assert.Equal(2, Reads);
        Assert.Equal(ReportStatus.New, (await ReportAsync(report.Id)).Status);

        Article.Serve(Articles.Path, Articles.Corrected);
        await MoveToAsync(report.CreatedAt, TimeSpan.FromHours(6));

        var closed = await ReportAsync(report.Id);
        Assert.Equal(PassageState.NotFound, closed.Passage);
        Assert.Null(closed.NextPageCheckAt);
        var change = Assert.Single(await HistoryAsync(report.Id));
        Assert.Equal(("fixed", TriageChannel.LivePage, "fixed on the live page", ReportStatus.Fixed), (change.Action, change.Channel, change.Note, change.ToStatus));
        Assert.Equal(report.CreatedAt + TimeSpan.FromHours(6), change.At);
        var messages = await Smtp.WaitForMessagesAsync(2);
        Assert.Single(messages, m => m.MessageId!.StartsWith("thanks-"));
        Assert.Single(messages, m => m.MessageId!.StartsWith("report-"));

        // Off the schedule: later rounds read nothing more.
        Assert.Equal(0, await RoundAtAsync(report.CreatedAt, TimeSpan.FromDays(2)));
        Assert.Equal(3, Reads);
        Assert.Equal(2, Smtp.Messages.Count);
    }

    [Fact]
    public async Task A_passage_gone_without_the_correction_is_noted_once_and_the_report_stays_open()
    {
        Article.Serve(Articles.Path, Articles.AsReported);
        var report = await SubmitCheckedAsync(Articles.Report(Article));

        Article.Serve(Articles.Path, Articles.Rewritten);
        await MoveToAsync(report.CreatedAt, TimeSpan.FromHours(1));
        await MoveToAsync(report.CreatedAt, TimeSpan.FromHours(6));

        var open = await ReportAsync(report.Id);
        Assert.Equal(ReportStatus.New, open.Status);
        Assert.Equal(PassageState.NotFound, open.Passage);
        var note = Assert.Single(await HistoryAsync(report.Id));
        Assert.Equal(("note", TriageChannel.LivePage, "the passage changed", ReportStatus.New), (note.Action, note.Channel, note.Note, note.ToStatus));
        Assert.Equal(3, Reads);
    }

    [Fact]
    public async Task A_report_an_editor_closed_meanwhile_is_left_as_the_editor_left_it_and_off_the_schedule()
    {
        Article.Serve(Articles.Path, Articles.AsReported);
        var report = await SubmitCheckedAsync(Articles.Report(Article));
        var rejected = await App.CreateAdminClient().PostAsJsonAsync($"/api/reports/{report.Id}/triage", new { action = "reject", note = "house style" });
        Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);

        Article.Serve(Articles.Path, Articles.Corrected);
        Assert.Equal(0, await RoundAtAsync(report.CreatedAt, TimeSpan.FromHours(1)));

        var closed = await ReportAsync(report.Id);
        Assert.Equal(ReportStatus.Rejected, closed.Status);
        Assert.Null(closed.NextPageCheckAt);
        Assert.DoesNotContain(await HistoryAsync(report.Id), e => e.Channel == TriageChannel.LivePage);
        Assert.Equal(1, Reads);
    }

    [Fact]
    public async Task A_reopened_report_goes_back_on_the_schedule_and_is_closed_when_the_article_shows_the_correction()
    {
        Article.Serve(Articles.Path, Articles.AsReported);
        var report = await SubmitCheckedAsync(Articles.Report(Article));
        await App.CreateAdminClient().PostAsJsonAsync($"/api/reports/{report.Id}/triage", new { action = "reject" });
        Assert.Equal(0, await RoundAtAsync(report.CreatedAt, TimeSpan.FromHours(1)));
        Assert.Null((await ReportAsync(report.Id)).NextPageCheckAt);

        var reopened = await App.CreateAdminClient().PostAsJsonAsync($"/api/reports/{report.Id}/triage", new { action = "reopen" });

        Assert.Equal(HttpStatusCode.OK, reopened.StatusCode);
        Assert.Equal(report.CreatedAt + TimeSpan.FromHours(6), (await ReportAsync(report.Id)).NextPageCheckAt);
        Article.Serve(Articles.Path, Articles.Corrected);
        await MoveToAsync(report.CreatedAt, TimeSpan.FromHours(6));
        Assert.Equal(ReportStatus.Fixed, (await ReportAsync(report.Id)).Status);
    }

    [Fact]
    public async Task A_report_without_a_suggestion_is_fixed_once_its_passage_is_gone()
    {
        Article.Serve(Articles.Path, Articles.AsReported);
        var submitted = Articles.Report(Article);
        submitted.Remove("suggestion");
        var report = await SubmitCheckedAsync(submitted);

        Article.Serve(Articles.Path, Articles.Rewritten);
        await MoveToAsync(report.CreatedAt, TimeSpan.FromHours(1));

        Assert.Equal(ReportStatus.Fixed, (await ReportAsync(report.Id)).Status);
    }

    [Fact]
    public async Task Each_round_reads_a_page_once_however_many_reports_it_has_and_asks_only_for_a_changed_page()
    {
        Article.Serve(Articles.Path, new ServedPage(Articles.Page("Welcome to the brave new wrold of European security. One, two, tree.")) { ETag = "\"v1\"", LastModified = new DateTimeOffset(2026, 12, 1, 8, 30, 0, TimeSpan.Zero) });
        var first = await SubmitCheckedAsync(Articles.Report(Article));
        var others = new List<Report>();
        foreach (var (prefix, exact, suffix) in new[] { ("One, ", "two", ", tree."), ("One, two, ", "tree", ".") })
        {
            var submitted = Articles.Report(Article);
            submitted["selection"] = new System.Text.Json.Nodes.JsonObject { ["prefix"] = prefix, ["exact"] = exact, ["suffix"] = suffix };
            others.Add(await SubmitCheckedAsync(submitted));
        }
        var afterArrival = Reads;

        // Moved past all three first checks at once: one round, one read.
        await MoveToAsync(others[^1].CreatedAt, TimeSpan.FromHours(1));

        Assert.Equal(afterArrival + 1, Reads);
        var recheck = Article.Requests[^1];
        Assert.Equal("\"v1\"", recheck.IfNoneMatch);
        Assert.Equal("Tue, 01 Dec 2026 08:30:00 GMT", recheck.IfModifiedSince);
        Assert.All(await Data.QueryAsync(db => db.Reports.AsNoTracking().ToListAsync()), r => Assert.Equal((ReportStatus.New, PassageState.Found), (r.Status, r.Passage!.Value)));
        Assert.Equal(PassageState.Found, (await ReportAsync(first.Id)).Passage);
    }

    [Fact]
    public async Task An_editors_fixed_on_a_passage_still_on_the_page_is_kept_and_the_page_says_the_article_still_shows_it()
    {
        Article.Serve(Articles.Path, Articles.AsReported);
        var report = await SubmitCheckedAsync(Articles.Report(Article));
        var mail = (await Smtp.WaitForMessagesAsync(1)).Single();
        var client = App.CreateClient();
        var path = TriageLinkTests.LinkPath(mail, "Fixed");
        var form = AntiforgeryField().Match(await client.GetStringAsync(path));

        var result = await client.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [WebUtility.HtmlDecode(form.Groups[1].Value)] = WebUtility.HtmlDecode(form.Groups[2].Value),
        }));

        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Contains("The live page still shows the passage.", await result.Content.ReadAsStringAsync());
        Assert.Equal(ReportStatus.Fixed, (await ReportAsync(report.Id)).Status);
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]+)\">")]
    private static partial Regex AntiforgeryField();
}

public sealed class PerOriginTests : RoundTest
{
    [Fact]
    public async Task A_round_reads_no_more_than_two_pages_of_one_origin_at_once()
    {
        var reports = new List<Report>();
        for (var i = 0; i < 6; i++)
        {
            Article.Serve($"/a/{i}", Articles.AsReported);
            reports.Add(await SubmitCheckedAsync(Articles.Report(Article, $"/a/{i}")));
        }
        for (var i = 0; i < 6; i++)
            Article.Serve($"/a/{i}", new ServedPage(Articles.AsReported) { Delay = TimeSpan.FromSeconds(1) });

        var pages = await RoundAtAsync(reports[^1].CreatedAt, TimeSpan.FromHours(1));

        Assert.Equal(6, pages);
        Assert.Equal(12, Article.Requests.Count);
        Assert.Equal(2, Article.MostOpen);
    }
}

public sealed class ClaimedRoundsTests : RoundTest
{
    [Fact]
    public async Task Rounds_running_at_once_read_each_page_once_between_them()
    {
        for (var i = 0; i < 4; i++)
        {
            Article.Serve($"/a/{i}", new ServedPage(Articles.AsReported) { Delay = TimeSpan.FromMilliseconds(100) });
            await SubmitCheckedAsync(Articles.Report(Article, $"/a/{i}"));
            var second = Articles.Report(Article, $"/a/{i}");
            second["selection"]!["exact"] = "brave new";
            second["selection"]!["suffix"] = " wrold of European security.";
            await SubmitCheckedAsync(second);
        }
        var afterArrival = Article.Requests.Count;
        var now = App.Time.GetUtcNow();
        await Data.QueryAsync(db => db.Reports.ExecuteUpdateAsync(s => s.SetProperty(r => r.NextPageCheckAt, now)));
        var pages = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => Rechecks.RunRoundAsync(CancellationToken.None))));

        Assert.Equal(4, pages.Sum());
        Assert.Equal(afterArrival + 4, Article.Requests.Count);
        Assert.All(await Data.QueryAsync(db => db.Reports.AsNoTracking().ToListAsync()), r =>
        {
            Assert.Null(r.PageCheckClaim);
            Assert.Equal(r.CreatedAt.AddHours(1), r.NextPageCheckAt);
        });
    }
}

public sealed class RoundLoopTests : PageCheckTest
{
    [Fact]
    public async Task Each_instance_runs_rounds_on_its_own_and_closes_a_report_fixed_on_the_article_at_its_time()
    {
        Article.Serve(Articles.Path, Articles.AsReported);
        var report = await SubmitCheckedAsync(Articles.Report(Article));
        Article.Serve(Articles.Path, Articles.Corrected);

        // The rounds run as the clock moves on; on a busy machine a round may take several of the test's steps.
        await App.AdvanceUntilAsync(async () => (await ReportAsync(report.Id)).Status == ReportStatus.Fixed, TimeSpan.FromMinutes(5), TimeSpan.FromHours(3));

        Assert.True(App.Time.GetUtcNow() - report.CreatedAt >= TimeSpan.FromHours(1), "not before its first time on the schedule");
    }
}

public sealed class ScheduleTests
{
    private static readonly DateTimeOffset Arrival = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, 1)]
    [InlineData(0.5, 1)]
    [InlineData(1, 6)]
    [InlineData(6, 24)]
    [InlineData(24, 48)]
    [InlineData(30, 48)]
    [InlineData(48, 72)]
    [InlineData(29 * 24, 30 * 24)]
    public void Checks_follow_1_6_and_24_hours_then_daily(double hoursAfter, double nextHours) =>
        Assert.Equal(Arrival.AddHours(nextHours), new PageCheckOptions().NextCheck(Arrival, Arrival.AddHours(hoursAfter)));

    [Fact]
    public void Checks_end_30_days_after_the_report_arrived() =>
        Assert.Null(new PageCheckOptions().NextCheck(Arrival, Arrival.AddDays(30)));
}
