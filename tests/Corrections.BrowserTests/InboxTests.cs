using Corrections.BrowserTests.Infrastructure;
using Corrections.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Corrections.BrowserTests;

public sealed class InboxTests(InboxDesk desk) : IClassFixture<InboxDesk>
{
    private ILocator Report(IPage page, Guid id) => page.Locator($"#report-{id}");

    private async Task<Guid[]> SubmitMailedAsync(params string[] passages)
    {
        var ids = new List<Guid>();
        foreach (var passage in passages)
            ids.Add(await desk.SubmitAsync(passage, $"https://news.example.org/{Guid.NewGuid():N}"));
        await desk.WaitForMailsAsync(m => ids.Any(id => m.Headers["X-Corrections-Report"] == id.ToString()), ids.Count);
        return ids.ToArray();
    }

    private Task<Report> ReportAsync(Guid id) =>
        desk.Data.QueryAsync(db => db.Reports.AsNoTracking().Include(r => r.History).SingleAsync(r => r.Id == id));

    [Fact]
    public async Task Signed_in_from_the_mailed_link_an_editor_bulk_marks_three_reports_fixed_and_their_readers_are_thanked()
    {
        var ids = await SubmitMailedAsync("one wrold", "two wrold", "three wrold");
        var page = await desk.NewPageAsync();

        await desk.SignInAsync(page);
        await Expect(page.GetByText($"Signed in as {InboxDesk.Editor}")).ToBeVisibleAsync();
        foreach (var id in ids)
            await Report(page, id).GetByLabel("Select").CheckAsync();
        await page.GetByLabel("Note").FillAsync("Corrected.");
        await page.Locator(".bulk").GetByRole(AriaRole.Button, new() { Name = "Fixed" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("3 reports marked fixed.");
        foreach (var id in ids)
        {
            await Expect(Report(page, id)).ToHaveCountAsync(0);
            var report = await ReportAsync(id);
            Assert.Equal(ReportStatus.Fixed, report.Status);
            var change = Assert.Single(report.History);
            Assert.Equal((InboxDesk.Editor, TriageChannel.Inbox, "Corrected."), (change.Actor, change.Channel, change.Note));
        }
        var thanks = await desk.WaitForMailsAsync(m => m.MessageId!.StartsWith("thanks-") && ids.Any(id => m.MessageId.StartsWith($"thanks-{id:N}")), 3);
        Assert.All(thanks, m => Assert.Equal("reader@example.net", m.To.Mailboxes.Single().Address));

        await page.GotoAsync(desk.Origin + "/inbox?status=fixed");
        await Expect(Report(page, ids[0])).ToContainTextAsync($"fixed by {InboxDesk.Editor} (inbox)");
        Assert.Empty(await InboxDesk.AccessibilityViolationsAsync(page));
        Assert.Empty(await InboxDesk.PolicyViolationsAsync(page));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_link_used_twice_and_an_expired_link_sign_nobody_in_and_say_why()
    {
        const string editor = InboxDesk.Editor;
        var first = await desk.NewPageAsync();
        await desk.SignInAsync(first);
        var used = await desk.WaitForSignInLinkAsync(editor, desk.SignInMails(editor).Count);

        var second = await desk.NewPageAsync();
        var again = await second.GotoAsync(used);
        Assert.Equal(410, again!.Status);
        await Expect(second.GetByRole(AriaRole.Heading)).ToHaveTextAsync("This link was already used");

        var mailed = desk.SignInMails(editor).Count;
        await second.GotoAsync(desk.Origin + "/inbox");
        await second.GetByLabel("Email address").FillAsync(editor);
        await second.GetByRole(AriaRole.Button, new() { Name = "Mail me a link" }).ClickAsync();
        await Expect(second.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Check your mail");
        var fresh = await desk.WaitForSignInLinkAsync(editor, mailed + 1);
        await desk.Data.QueryAsync(db => db.InboxSignIns.Where(s => s.UsedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1))));
        var expired = await second.GotoAsync(fresh);

        Assert.Equal(410, expired!.Status);
        await Expect(second.GetByRole(AriaRole.Heading)).ToHaveTextAsync("This link has expired");
        await second.GotoAsync(desk.Origin + "/inbox");
        await Expect(second.GetByRole(AriaRole.Button, new() { Name = "Mail me a link" })).ToBeVisibleAsync();
        await first.Context.CloseAsync();
        await second.Context.CloseAsync();
    }

    [Fact]
    public async Task An_address_that_is_no_editor_sees_the_same_answer_and_is_mailed_nothing()
    {
        var page = await desk.NewPageAsync();
        await page.GotoAsync(desk.Origin + "/inbox");
        await page.GetByLabel("Email address").FillAsync("stranger@example.net");
        await page.GetByRole(AriaRole.Button, new() { Name = "Mail me a link" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Check your mail");
        await Expect(page.Locator("main p")).ToHaveTextAsync(
            "If stranger@example.net is the address of an editor, a sign-in link is on its way to it. The link works once, within 15 minutes.");
        await Task.Delay(2000);
        Assert.DoesNotContain(desk.Smtp.Messages, m => m.To.Mailboxes.Any(a => a.Address == "stranger@example.net"));
        Assert.Empty(await InboxDesk.AccessibilityViolationsAsync(page));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task With_the_keyboard_alone_an_editor_moves_selects_and_marks_reports()
    {
        var ids = await SubmitMailedAsync("keys one wrold", "keys two wrold", "keys three wrold");
        var page = await desk.NewPageAsync();
        var mailed = desk.SignInMails(InboxDesk.Editor).Count;
        await page.GotoAsync(desk.Origin + "/inbox");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("Email address")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(InboxDesk.Editor);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Check your mail");
        var link = await desk.WaitForSignInLinkAsync(InboxDesk.Editor, mailed + 1);
        await page.GotoAsync(link);
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        try
        {
            await Expect(page.GetByText($"Signed in as {InboxDesk.Editor}")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        }
        catch (PlaywrightException)
        {
            throw new Xunit.Sdk.XunitException($"Not signed in; the page at {page.Url}:\n{await page.ContentAsync()}");
        }
        await page.GotoAsync(desk.Origin + "/inbox?q=keys");
        // Typing in the note is typing, and Enter there does not act.
        await page.GetByLabel("Note").FocusAsync();
        await page.Keyboard.TypeAsync("jxs");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByLabel("Note")).ToHaveValueAsync("jxs");
        await page.GetByLabel("Note").FillAsync("");
        await page.Keyboard.PressAsync("Escape");
        await page.Locator("h1").ClickAsync();

        // Newest first: three, two, one.
        await page.Keyboard.PressAsync("j");
        await Expect(Report(page, ids[2])).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("x");
        await page.Keyboard.PressAsync("j");
        await page.Keyboard.PressAsync("j");
        await page.Keyboard.PressAsync("k");
        await Expect(Report(page, ids[1])).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("x");
        await page.Keyboard.PressAsync("s");
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("2 reports marked spam.");

        await page.Keyboard.PressAsync("j");
        await Expect(Report(page, ids[0])).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("r");
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("1 report rejected.");
        await page.Keyboard.PressAsync("?");
        await Expect(page.Locator("#keys dl")).ToBeVisibleAsync();

        Assert.Equal(ReportStatus.Spam, (await ReportAsync(ids[2])).Status);
        Assert.Equal(ReportStatus.Spam, (await ReportAsync(ids[1])).Status);
        Assert.Equal(ReportStatus.Rejected, (await ReportAsync(ids[0])).Status);
        Assert.Empty(await InboxDesk.PolicyViolationsAsync(page));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task At_the_width_of_a_phone_the_inbox_fits_and_works_by_touch()
    {
        var ids = await SubmitMailedAsync("phone wrold with a rather long passage that must wrap on a narrow screen without scrolling sideways");
        var page = await desk.NewPageAsync(new() { Locale = "en-US", ViewportSize = new() { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true, DeviceScaleFactor = 3 });
        await desk.SignInAsync(page);
        await page.GotoAsync(desk.Origin + "/inbox?q=phone");

        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 390"), "nothing is wider than the phone");
        await page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "inbox-phone.png"), FullPage = true });
        Assert.Empty(await InboxDesk.AccessibilityViolationsAsync(page));
        await Report(page, ids[0]).GetByRole(AriaRole.Button, new() { Name = "Duplicate" }).TapAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("1 report marked duplicate.");
        Assert.Equal(ReportStatus.Duplicate, (await ReportAsync(ids[0])).Status);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_session_ends_when_its_address_is_removed_from_the_configuration()
    {
        var page = await desk.NewPageAsync();
        await desk.SignInAsync(page);

        await desk.RestartAsync(new() { ["Sites:0:Editors:0"] = "desk@news.example.org" });
        try
        {
            await page.GotoAsync(desk.Origin + "/inbox");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Mail me a link" })).ToBeVisibleAsync();
        }
        finally
        {
            await desk.RestartAsync();
            await page.Context.CloseAsync();
        }
    }
}
