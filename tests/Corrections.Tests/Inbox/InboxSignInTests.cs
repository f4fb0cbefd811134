using System.Net;
using Corrections.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using static Corrections.Tests.Inbox.InboxClient;

namespace Corrections.Tests.Inbox;

public sealed class InboxSignInTests : ServiceTest
{
    private const string Editor = Infrastructure.Reports.DemoEditor;

    private async Task<string> MailedLinkAsync(HttpClient client, string address = Editor, int mailsBefore = 0)
    {
        var answer = await AskForLinkAsync(client, address);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return LinkIn(await Smtp.WaitForMessagesAsync(mailsBefore + 1), address);
    }

    [Fact]
    public async Task Without_a_session_the_inbox_asks_for_an_address()
    {
        var page = await App.CreateClient().GetAsync("/inbox");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Sign in to the inbox", html);
        Assert.Contains("name=\"address\"", html);
    }

    [Fact]
    public async Task An_editor_is_mailed_a_link_whose_button_signs_in_and_shows_the_inbox()
    {
        var client = App.CreateClient();
        var path = await MailedLinkAsync(client);

        var signedIn = await PressSignInAsync(client, path);

        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        Assert.Equal("/inbox", signedIn.RequestMessage!.RequestUri!.AbsolutePath);
        var html = await signedIn.Content.ReadAsStringAsync();
        Assert.Contains($"Signed in as {Editor}", html);
        var signIn = await App.QueryAsync(db => db.InboxSignIns.SingleAsync());
        Assert.NotNull(signIn.UsedAt);
        Assert.DoesNotContain(signIn.TokenHash, path);
    }

    [Fact]
    public async Task Opening_the_link_changes_nothing_because_mail_scanners_open_links()
    {
        var client = App.CreateClient();
        var path = await MailedLinkAsync(client);

        var page = await App.CreateClient().GetAsync(path);
        await App.CreateClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<form method=\"post\"", await page.Content.ReadAsStringAsync());
        Assert.Null((await App.QueryAsync(db => db.InboxSignIns.SingleAsync())).UsedAt);
        Assert.Empty(await App.QueryAsync(db => db.InboxSessions.ToListAsync()));
    }

    [Fact]
    public async Task An_address_that_is_no_editor_gets_the_same_answer_and_no_mail()
    {
        var client = App.CreateClient();
        var editor = await (await AskForLinkAsync(client, Editor)).Content.ReadAsStringAsync();
        await Smtp.WaitForMessagesAsync(1);

        var stranger = await AskForLinkAsync(client, "someone@example.net");

        Assert.Equal(HttpStatusCode.OK, stranger.StatusCode);
        Assert.Equal(editor.Replace(Editor, "ADDRESS"), (await stranger.Content.ReadAsStringAsync()).Replace("someone@example.net", "ADDRESS"));
        await Task.Delay(500);
        Assert.Single(Smtp.Messages);
        Assert.Single(await App.QueryAsync(db => db.Outbox.ToListAsync()));
    }

    [Fact]
    public async Task A_link_used_twice_is_refused_the_second_time()
    {
        var client = App.CreateClient();
        var path = await MailedLinkAsync(client);
        var form = FormOf(await client.GetStringAsync(path));
        await client.PostAsync(path, new FormUrlEncodedContent(form));

        var other = App.CreateClient();
        var again = await other.GetAsync(path);
        var posted = await other.PostAsync(path, new FormUrlEncodedContent(form));

        Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
        Assert.Contains("already used", await again.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Gone, posted.StatusCode);
        Assert.Single(await App.QueryAsync(db => db.InboxSessions.ToListAsync()));
    }

    [Fact]
    public async Task A_link_expires_after_15_minutes()
    {
        var client = App.CreateClient();
        var path = await MailedLinkAsync(client);
        var form = FormOf(await client.GetStringAsync(path));

        App.Time.Advance(TimeSpan.FromMinutes(15.5));
        var page = await client.GetAsync(path);
        var posted = await client.PostAsync(path, new FormUrlEncodedContent(form));

        Assert.Equal(HttpStatusCode.Gone, page.StatusCode);
        Assert.Contains("This link has expired", await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Gone, posted.StatusCode);
        Assert.Empty(await App.QueryAsync(db => db.InboxSessions.ToListAsync()));
    }

    [Fact]
    public async Task The_link_of_an_address_that_left_the_configuration_signs_nobody_in()
    {
        var path = await MailedLinkAsync(App.CreateClient());
        var editorRemoved = NewApp(new() { ["Sites:0:Editors:0"] = "desk@news.example.org" });

        var page = await editorRemoved.CreateClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Contains("Not an editor", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_link_that_was_never_mailed_is_refused()
    {
        var page = await App.CreateClient().GetAsync("/inbox/sign-in/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");

        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Contains("This link is not valid", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Pressing_the_button_without_the_antiforgery_token_signs_nobody_in()
    {
        var client = App.CreateClient();
        var path = await MailedLinkAsync(client);

        var posted = await client.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>()));

        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.Null((await App.QueryAsync(db => db.InboxSignIns.SingleAsync())).UsedAt);
    }

    [Fact]
    public async Task The_session_cookie_is_http_only_same_site_lax_and_lasts_14_days()
    {
        var client = App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var path = await MailedLinkAsync(client);

        var signedIn = await PressSignInAsync(client, path);

        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("corrections-inbox="));
        Assert.Contains("httponly", cookie);
        Assert.Contains("samesite=lax", cookie);
        Assert.Contains("path=/inbox", cookie);
        Assert.DoesNotContain("secure", cookie);
        var expires = DateTimeOffset.Parse(cookie.Split("expires=")[1].Split(';')[0]);
        Assert.InRange(expires - App.Time.GetUtcNow(), TimeSpan.FromDays(14) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(14) + TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Under_an_https_public_url_the_session_cookie_is_secure()
    {
        var app = NewApp(new() { ["PublicUrl"] = "https://corrections.example.org" });
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        await AskForLinkAsync(client, Editor);
        var path = LinkIn(await Smtp.WaitForMessagesAsync(1), Editor);

        var signedIn = await PressSignInAsync(client, path);

        Assert.Contains("secure", signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("corrections-inbox=")));
    }

    [Fact]
    public async Task A_session_ends_at_sign_out()
    {
        var client = App.CreateClient();
        await PressSignInAsync(client, await MailedLinkAsync(client));
        var inbox = await client.GetStringAsync("/inbox");

        var signedOut = await client.PostAsync("/inbox/sign-out", new FormUrlEncodedContent(FormOf(inbox)));

        Assert.Contains("Signed out", await signedOut.Content.ReadAsStringAsync());
        Assert.Contains("Mail me a link", await client.GetStringAsync("/inbox"));
        Assert.Empty(await App.QueryAsync(db => db.InboxSessions.ToListAsync()));
    }

    [Fact]
    public async Task A_session_lasts_14_days()
    {
        var client = App.CreateClient();
        await PressSignInAsync(client, await MailedLinkAsync(client));

        App.Time.Advance(TimeSpan.FromDays(13.9));
        var stillIn = await client.GetStringAsync("/inbox");
        App.Time.Advance(TimeSpan.FromDays(0.2));
        var after = await client.GetStringAsync("/inbox");

        Assert.Contains($"Signed in as {Editor}", stillIn);
        Assert.Contains("Mail me a link", after);
    }

    [Fact]
    public async Task A_session_ends_when_its_address_leaves_the_configuration_also_on_another_instance()
    {
        var client = App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var signedIn = await PressSignInAsync(client, await MailedLinkAsync(client));
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("corrections-inbox=")).Split(';')[0];
        var sameEditors = NewApp();
        var editorRemoved = NewApp(new() { ["Sites:0:Editors:0"] = "desk@news.example.org" });

        var elsewhere = await GetWithCookieAsync(sameEditors.CreateClient(), cookie);
        var removed = await GetWithCookieAsync(editorRemoved.CreateClient(), cookie);

        Assert.Contains($"Signed in as {Editor}", elsewhere);
        Assert.Contains("Mail me a link", removed);
        Assert.Empty(await App.QueryAsync(db => db.InboxSessions.ToListAsync()));
    }

    private static async Task<string> GetWithCookieAsync(HttpClient client, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/inbox");
        request.Headers.Add("Cookie", cookie);
        using var response = await client.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task A_sixth_link_in_an_hour_for_one_address_gets_429_and_no_mail()
    {
        var client = App.CreateClient();
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.OK, (await AskForLinkAsync(client, Editor)).StatusCode);

        var sixth = await AskForLinkAsync(client, Editor);

        Assert.Equal(HttpStatusCode.TooManyRequests, sixth.StatusCode);
        Assert.Equal(5, await App.QueryAsync(db => db.Outbox.CountAsync()));
    }

    [Fact]
    public async Task A_sixth_request_in_an_hour_from_one_client_gets_429_whatever_the_address()
    {
        var client = App.CreateClient();
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.OK, (await AskForLinkAsync(client, $"someone{i}@example.net")).StatusCode);

        var sixth = await AskForLinkAsync(client, Editor);

        Assert.Equal(HttpStatusCode.TooManyRequests, sixth.StatusCode);
        Assert.Empty(await App.QueryAsync(db => db.Outbox.ToListAsync()));
    }

    [Fact]
    public async Task Something_that_is_not_an_address_is_named_and_nothing_is_mailed()
    {
        var answer = await AskForLinkAsync(App.CreateClient(), "not an address");

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains("is not an email address", await answer.Content.ReadAsStringAsync());
        Assert.Empty(await App.QueryAsync(db => db.Outbox.ToListAsync()));
    }
}
