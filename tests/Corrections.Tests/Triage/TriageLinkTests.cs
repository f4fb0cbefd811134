using System.Net;
using System.Text.RegularExpressions;
using Corrections.Data;
using Corrections.Features.Triage;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Corrections.Tests.Triage;

public sealed partial class TriageLinkTests : ServiceTest
{
    private async Task<(Guid Id, MimeMessage Mail)> SubmitAndReadMailAsync()
    {
        var id = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        var mail = (await Smtp.WaitForMessagesAsync(1)).Single(m => m.MessageId!.StartsWith($"report-{id:N}"));
        return (id, mail);
    }

    public static string LinkPath(MimeMessage mail, string label)
    {
        var match = Regex.Match(mail.TextBody ?? "", $@"^\s*{label}: (\S+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"the mail has a {label} link");
        return new Uri(match.Groups[1].Value).PathAndQuery;
    }

    private static Dictionary<string, string> FormOf(string html)
    {
        var field = AntiforgeryField().Match(html);
        Assert.True(field.Success, "the page has a form with an antiforgery token");
        return new Dictionary<string, string> { [WebUtility.HtmlDecode(field.Groups[1].Value)] = WebUtility.HtmlDecode(field.Groups[2].Value) };
    }

    [Fact]
    public async Task The_editors_mail_carries_a_link_per_action_to_the_public_url()
    {
        var (_, mail) = await SubmitAndReadMailAsync();

        foreach (var label in new[] { "Fixed", "Reject", "Duplicate", "Spam" })
        {
            Assert.Matches($@"{label}: http://localhost:5080/triage/[A-Za-z0-9_-]+", mail.TextBody);
            Assert.Contains($">{label}</a>", mail.HtmlBody);
        }
    }

    [Fact]
    public async Task Opening_an_action_link_changes_nothing_and_shows_the_report_with_a_form()
    {
        var (id, mail) = await SubmitAndReadMailAsync();
        var client = App.CreateClient();

        var page = await client.GetAsync(LinkPath(mail, "Fixed"));
        await client.GetAsync(LinkPath(mail, "Spam"));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Demo News", html);
        Assert.Contains("<mark>brave new wrold</mark>", html);
        Assert.Contains("<ins>world</ins>", html);
        Assert.Contains("<form method=\"post\"", html);
        Assert.Equal(ReportStatus.New, (await App.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == id))).Status);
        Assert.Empty(await App.QueryAsync(db => db.ReportEvents.ToListAsync()));
    }

    [Fact]
    public async Task Posting_the_form_applies_the_action_and_records_who_when_and_how()
    {
        var (id, mail) = await SubmitAndReadMailAsync();
        var client = App.CreateClient();
        var path = LinkPath(mail, "Reject");
        var form = FormOf(await client.GetStringAsync(path));
        form["note"] = "The spelling is the author's.";

        var result = await client.PostAsync(path, new FormUrlEncodedContent(form));

        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Contains("Marked as rejected", await result.Content.ReadAsStringAsync());
        var report = await App.QueryAsync(db => db.Reports.Include(r => r.History).SingleAsync(r => r.Id == id));
        Assert.Equal(ReportStatus.Rejected, report.Status);
        Assert.NotNull(report.ClosedAt);
        var change = Assert.Single(report.History);
        Assert.Equal("editors@news.example.org", change.Actor);
        Assert.Equal(TriageChannel.Link, change.Channel);
        Assert.Equal("reject", change.Action);
        Assert.Equal(ReportStatus.New, change.FromStatus);
        Assert.Equal(ReportStatus.Rejected, change.ToStatus);
        Assert.Equal("The spelling is the author's.", change.Note);
    }

    [Fact]
    public async Task A_post_without_the_antiforgery_token_is_refused_and_changes_nothing()
    {
        var (id, mail) = await SubmitAndReadMailAsync();

        var result = await App.CreateClient().PostAsync(LinkPath(mail, "Fixed"), new FormUrlEncodedContent(new Dictionary<string, string>()));

        Assert.Equal(HttpStatusCode.BadRequest, result.StatusCode);
        Assert.Equal(ReportStatus.New, (await App.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == id))).Status);
    }

    [Fact]
    public async Task A_replayed_action_says_who_applied_it_and_when_and_changes_nothing()
    {
        var (id, mail) = await SubmitAndReadMailAsync();
        var client = App.CreateClient();
        var path = LinkPath(mail, "Fixed");
        var form = FormOf(await client.GetStringAsync(path));
        await client.PostAsync(path, new FormUrlEncodedContent(form));

        var again = await client.PostAsync(path, new FormUrlEncodedContent(form));
        var reopened = await client.GetStringAsync(path);

        var html = await again.Content.ReadAsStringAsync();
        Assert.Contains("Already fixed", html);
        Assert.Contains("editors@news.example.org marked it fixed", html);
        Assert.Contains("Already fixed", reopened);
        Assert.DoesNotContain("<form", reopened);
        Assert.Single(await App.QueryAsync(db => db.ReportEvents.ToListAsync()));
    }

    [Fact]
    public async Task An_expired_link_gets_a_410_page()
    {
        var (id, _) = await SubmitAndReadMailAsync();
        var links = App.Services.GetRequiredService<TriageLinks>();
        var token = links.Token(id, TriageAction.Fixed, "editors@news.example.org", App.Time.GetUtcNow().AddMinutes(-1));

        var page = await App.CreateClient().GetAsync($"/triage/{token}");

        Assert.Equal(HttpStatusCode.Gone, page.StatusCode);
        Assert.Contains("This link has expired", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_link_expires_after_the_configured_days()
    {
        var (_, mail) = await SubmitAndReadMailAsync();
        var path = LinkPath(mail, "Fixed");

        App.Time.Advance(TimeSpan.FromDays(29));
        var stillValid = await App.CreateClient().GetAsync(path);
        App.Time.Advance(TimeSpan.FromDays(1.1));
        var expired = await App.CreateClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, stillValid.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, expired.StatusCode);
    }

    [Fact]
    public async Task A_tampered_link_gets_a_400_page()
    {
        var (_, mail) = await SubmitAndReadMailAsync();
        var path = LinkPath(mail, "Fixed");
        var tampered = path[..^6] + (path[^6] == 'A' ? 'B' : 'A') + path[^5..];

        var page = await App.CreateClient().GetAsync(tampered);
        var garbage = await App.CreateClient().GetAsync("/triage/not-a-token");

        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("This link is not valid", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_link_for_someone_who_is_not_an_editor_of_the_site_cannot_triage()
    {
        var (id, _) = await SubmitAndReadMailAsync();
        var token = App.Services.GetRequiredService<TriageLinks>().Token(id, TriageAction.Fixed, "former@news.example.org");

        var page = await App.CreateClient().GetAsync($"/triage/{token}");

        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
    }

    [Fact]
    public async Task Fixing_a_report_thanks_each_reader_who_left_an_address_once_in_their_language()
    {
        var english = Infrastructure.Reports.Valid();
        var ukrainian = Infrastructure.Reports.Valid();
        ukrainian["readerEmail"] = "chytach@example.net";
        var anonymous = Infrastructure.Reports.Valid();
        anonymous.Remove("readerEmail");
        var id = await App.SubmitAcceptedAsync(english);
        await App.SubmitAcceptedAsync(ukrainian);
        await App.SubmitAcceptedAsync(anonymous);
        await App.QueryAsync(db => db.Reports.ExecuteUpdateAsync(s => s.SetProperty(r => r.Language, "uk")));
        var mail = (await Smtp.WaitForMessagesAsync(1)).Single();
        var client = App.CreateClient();
        var path = LinkPath(mail, "Fixed");
        await client.PostAsync(path, new FormUrlEncodedContent(FormOf(await client.GetStringAsync(path))));

        var thanks = (await Smtp.WaitForMessagesAsync(3)).Where(m => m.MessageId!.StartsWith("thanks-")).ToList();
        Assert.Equal(["chytach@example.net", "reader@example.net"], thanks.Select(m => m.To.Mailboxes.Single().Address).Order());
        Assert.All(thanks, m => Assert.Equal("Дякуємо: помилку, про яку ви повідомили, виправлено", m.Subject));
        Assert.All(thanks, m => Assert.Contains("Europe's new security order", m.TextBody));

        // Reopened and fixed again: the readers were thanked already.
        await App.QueryAsync(db => db.Reports.ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, ReportStatus.New)));
        await client.PostAsync(path, new FormUrlEncodedContent(FormOf(await client.GetStringAsync(path))));
        await App.DispatchOnceAsync();
        Assert.Equal(3, Smtp.Messages.Count);
        Assert.Equal(ReportStatus.Fixed, (await App.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == id))).Status);
    }

    [Theory]
    [InlineData("en", "Thank you: the mistake you reported is fixed")]
    [InlineData("de-AT", "Danke: Der gemeldete Fehler ist korrigiert")]
    [InlineData("pl", "Dziękujemy: zgłoszony błąd został poprawiony")]
    [InlineData("xx", "Thank you: the mistake you reported is fixed")]
    public async Task The_thank_you_speaks_the_reports_language(string language, string subject)
    {
        var report = Infrastructure.Reports.Valid();
        report["lang"] = language;
        var id = await App.SubmitAcceptedAsync(report);
        await Smtp.WaitForMessagesAsync(1);

        await App.CreateClient().SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/reports/{id}/triage")
        {
            Headers = { { "Authorization", $"Bearer {ServiceSettings.AdminKey}" } },
            Content = System.Net.Http.Json.JsonContent.Create(new { action = "fixed" }),
        });

        var thanks = (await Smtp.WaitForMessagesAsync(2)).Single(m => m.MessageId!.StartsWith("thanks-"));
        Assert.Equal(subject, thanks.Subject);
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]+)\">")]
    private static partial Regex AntiforgeryField();
}
