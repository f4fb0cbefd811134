using Corrections.Data;
using Corrections.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Corrections.BrowserTests;

[Collection(BrowserCollection.Name)]
public sealed class KeyboardTests(WidgetHarness harness)
{
    [Theory]
    [InlineData("Control+Enter")]
    [InlineData("Meta+Enter")]
    public async Task The_shortcut_opens_a_labelled_modal_dialog_with_the_selection(string shortcut)
    {
        await using var reader = await harness.OpenAsync("/news/shortcut");
        await reader.SelectAsync("#cost", "goverment");

        await reader.Page.Keyboard.PressAsync(shortcut);

        await Expect(reader.Dialog).ToBeVisibleAsync();
        await Expect(reader.Dialog).ToHaveAttributeAsync("role", "dialog");
        await Expect(reader.Dialog).ToHaveAttributeAsync("aria-modal", "true");
        await Expect(reader.Page.GetByRole(AriaRole.Dialog, new() { Name = "Report a mistake" })).ToBeVisibleAsync();
        await Expect(reader.Passage).ToHaveTextAsync("goverment");
        await Expect(reader.Correction).ToHaveValueAsync("goverment");
        Assert.Equal("s", await reader.FocusedAsync());
        Assert.Empty(reader.Errors);
    }

    [Fact]
    public async Task A_selection_across_emphasis_and_a_link_is_stored_with_its_context_and_mailed()
    {
        await using var reader = await harness.OpenAsync("/news/inline?canonical=" + Uri.EscapeDataString(harness.Pages.Origin + "/news/inline#top"));
        await reader.SelectAsync("#lede", "Monday to build a seven-kilometre tram");
        await reader.Page.Keyboard.PressAsync("Control+Enter");

        await reader.Correction.FillAsync("Monday to build a seven-kilometer tram");
        await reader.Comment.FillAsync("American spelling, please");
        await reader.Email.FillAsync("reader@example.net");
        var id = await reader.SendAsync();

        await Expect(reader.Status).ToHaveTextAsync("Thank you! The editors have your report.");
        var report = await harness.Service.ReportAsync(id);
        const string exact = "Monday to build a seven-kilometre tram";
        var at = TestPages.RenderedArticle.IndexOf(exact, StringComparison.Ordinal);
        Assert.Equal(exact, report.Exact);
        Assert.Equal(TestPages.RenderedArticle[..at], report.Prefix); // shorter than 64: the article's start
        Assert.Equal(TestPages.RenderedArticle.Substring(at + exact.Length, 64), report.Suffix);
        Assert.Equal("Monday to build a seven-kilometer tram", report.Suggestion);
        Assert.Equal("American spelling, please", report.Comment);
        Assert.Equal(harness.Pages.Origin + "/news/inline", report.Url);
        Assert.Equal($"{TestPages.Headline} — The Test Gazette", report.Title);
        Assert.Equal("en", report.Language);
        var submission = Assert.Single(report.Submissions);
        Assert.Equal("reader@example.net", submission.ReaderEmail);

        var mail = await harness.Service.WaitForMailAsync(id);
        // The passage in its context, a line a block of the page, each line fenced as the reader's.
        var passage = $"  | …{report.Prefix}[[{exact}]]{report.Suffix}…".Replace("\n", "\n  | ", StringComparison.Ordinal);
        Assert.Contains(passage, mail.TextBody?.Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("American spelling, please", mail.TextBody, StringComparison.Ordinal);
        Assert.Equal("editors@news.example.org", mail.To.Mailboxes.Single().Address);
        Assert.Empty(reader.Errors);
    }

    [Fact]
    public async Task A_selection_across_blocks_keeps_the_blocks_apart_by_a_line_break()
    {
        await using var reader = await harness.OpenAsync("/news/blocks");
        await reader.SelectAsync("h1", "approved", "#lede", "The council");
        await reader.Page.Keyboard.PressAsync("Control+Enter");

        await Expect(reader.Passage).ToHaveTextAsync("approved The council");
        var id = await reader.SendAsync();

        var report = await harness.Service.ReportAsync(id);
        Assert.Equal("approved\nThe council", report.Exact);
        Assert.Equal("Riverside tram line ", report.Prefix);
        Assert.StartsWith(" voted on Monday", report.Suffix, StringComparison.Ordinal);
        Assert.Null(report.Suggestion); // the correction field was left as it was
    }

    [Theory]
    [InlineData("#field")]
    [InlineData("#notes")]
    [InlineData("#editor")]
    public async Task Typing_in_a_field_or_an_editor_is_left_alone(string field)
    {
        await using var reader = await harness.OpenAsync("/news/typing");
        await reader.Page.FocusAsync(field);
        await reader.Page.Keyboard.PressAsync("Control+A");

        await reader.Page.Keyboard.PressAsync("Control+Enter");
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.FocusAsync(field);
        await reader.Page.Keyboard.PressAsync("Control+Enter");

        await reader.Page.WaitForTimeoutAsync(300);
        await Expect(reader.Dialog).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_dialog_works_with_the_keyboard_alone_and_Esc_gives_the_focus_back()
    {
        await using var reader = await harness.OpenAsync("/news/keyboard");
        var keyboard = reader.Page.Keyboard;
        await reader.Page.FocusAsync("#share");
        await reader.SelectAsync("#cost", "goverment");

        await keyboard.PressAsync("Control+Enter");
        await Expect(reader.Correction).ToBeFocusedAsync(); // the first dialog of a page waits for its site's settings
        Assert.Equal("s", await reader.FocusedAsync());
        var order = new List<string?>();
        for (var i = 0; i < 5; i++)
        {
            await keyboard.PressAsync("Tab");
            order.Add(await reader.FocusedAsync());
        }
        Assert.Equal(["c", "e", "button", "button.k", "s"], order); // the focus stays in the dialog
        await keyboard.PressAsync("Shift+Tab");
        Assert.Equal("button.k", await reader.FocusedAsync());

        await keyboard.PressAsync("Escape");
        await Expect(reader.Dialog).ToHaveCountAsync(0);
        Assert.Equal("share", await reader.FocusedAsync());
        Assert.Equal("goverment", await reader.Page.EvaluateAsync<string>("() => getSelection().toString()"));

        await keyboard.PressAsync("Control+Enter");
        await keyboard.PressAsync("Control+A");
        await keyboard.TypeAsync("government");
        await keyboard.PressAsync("Tab");
        await keyboard.TypeAsync("Spelling");
        var response = await reader.Page.RunAndWaitForResponseAsync(() => keyboard.PressAsync("Control+Enter"), ReaderPage.IsReportPost);
        Assert.Equal(202, response.Status);
        await Expect(reader.Status).ToHaveTextAsync("Thank you! The editors have your report.");
        await Expect(reader.Status).ToHaveAttributeAsync("aria-live", "polite");
        Assert.Equal("button", await reader.FocusedAsync()); // Close
        var report = await harness.Service.ReportAsync(ReaderPage.ReportId(await response.TextAsync()));
        Assert.Equal("government", report.Suggestion);
        Assert.Equal("Spelling", report.Comment);

        await keyboard.PressAsync("Enter");
        await Expect(reader.Dialog).ToHaveCountAsync(0);
        Assert.Equal("share", await reader.FocusedAsync());
    }

    [Fact]
    public async Task Too_long_a_selection_is_explained()
    {
        await using var reader = await harness.OpenAsync("/news/long");
        await reader.SelectAsync("#lede", "The council", "#long", TestPages.LongText);

        await reader.Page.Keyboard.PressAsync("Control+Enter");

        await Expect(reader.Status).ToHaveTextAsync("The selection is too long. Please select at most 1000 characters.");
        await Expect(reader.Correction).ToHaveCountAsync(0);
        Assert.Equal("button", await reader.FocusedAsync());
        await reader.Page.Keyboard.PressAsync("Escape");
        await Expect(reader.Dialog).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_refused_report_is_explained_and_not_kept()
    {
        await using var reader = await harness.OpenAsync("/news/unknown-site?site=unknown");
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");

        var response = await reader.Page.RunAndWaitForResponseAsync(() => reader.Send.ClickAsync(), ReaderPage.IsReportPost);

        Assert.Equal(404, response.Status);
        await Expect(reader.Status).ToHaveTextAsync("Reports cannot be sent from this page.");
        await Expect(reader.Send).ToHaveCountAsync(0); // sending again would not help
        Assert.Null(await reader.QueueAsync());
    }

    [Fact]
    public async Task An_email_address_that_is_none_is_pointed_out_before_anything_is_sent()
    {
        await using var reader = await harness.OpenAsync("/news/email-in-browser");
        var posts = 0;
        reader.Page.Request += (_, request) => posts += request.Method == "POST" ? 1 : 0;
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");
        await reader.Email.FillAsync("not an address");

        await reader.Send.ClickAsync();

        await Expect(reader.EmailError).ToHaveTextAsync("Please check the email address, or leave it empty.");
        await Expect(reader.Email).ToHaveAccessibleDescriptionAsync("Please check the email address, or leave it empty. Used only to thank you once it is fixed.");
        await Expect(reader.Email).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Equal("e", await reader.FocusedAsync());
        Assert.Equal(0, posts);
    }

    [Fact]
    public async Task An_email_address_the_service_refuses_is_pointed_out()
    {
        await using var reader = await harness.OpenAsync("/news/email-in-service");
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");
        await reader.Email.FillAsync("reader..name@example.net"); // valid to the browser, not to the service

        var response = await reader.Page.RunAndWaitForResponseAsync(() => reader.Send.ClickAsync(), ReaderPage.IsReportPost);

        Assert.Equal(400, response.Status);
        await Expect(reader.EmailError).ToHaveTextAsync("Please check the email address, or leave it empty.");
        await Expect(reader.Email).ToHaveAccessibleDescriptionAsync("Please check the email address, or leave it empty. Used only to thank you once it is fixed.");
        await Expect(reader.Email).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Equal("e", await reader.FocusedAsync());
        Assert.Null(await reader.QueueAsync());

        await reader.Email.FillAsync("reader.name@example.net");
        var id = await reader.SendAsync();
        Assert.Equal("reader.name@example.net", Assert.Single((await harness.Service.ReportAsync(id)).Submissions).ReaderEmail);
    }

    [Fact]
    public async Task The_shortcut_pressed_twice_opens_the_dialog_and_sends_nothing()
    {
        await using var reader = await harness.OpenAsync("/news/twice");
        var posts = 0;
        reader.Page.Request += (_, request) => posts += request.Method == "POST" ? 1 : 0;
        await reader.SelectAsync("#cost", "goverment");

        await reader.Page.Keyboard.PressAsync("Control+Enter");
        await reader.Page.WaitForTimeoutAsync(300);
        await reader.Page.Keyboard.PressAsync("Control+Enter");

        await reader.Page.WaitForTimeoutAsync(CorrectionsService.MinimumFillMilliseconds + 500);
        await Expect(reader.Send).ToBeEnabledAsync();
        await Expect(reader.Status).ToBeEmptyAsync();
        await Expect(reader.Correction).ToHaveValueAsync("goverment");
        Assert.Equal(0, posts);
    }

    [Fact]
    public async Task A_held_shortcut_opens_the_dialog_and_sends_nothing()
    {
        await using var reader = await harness.OpenAsync("/news/held");
        var posts = 0;
        reader.Page.Request += (_, request) => posts += request.Method == "POST" ? 1 : 0;
        await reader.SelectAsync("#cost", "goverment");

        await reader.Page.Keyboard.DownAsync("Control");
        await reader.Page.Keyboard.DownAsync("Enter");
        await Expect(reader.Dialog).ToBeVisibleAsync();
        for (var i = 0; i < 10; i++) // the key repeats while it is held
        {
            await reader.Page.Keyboard.DownAsync("Enter");
            await reader.Page.WaitForTimeoutAsync(30);
        }
        await reader.Page.Keyboard.UpAsync("Enter");
        await reader.Page.Keyboard.UpAsync("Control");

        await reader.Page.WaitForTimeoutAsync(CorrectionsService.MinimumFillMilliseconds + 500);
        await Expect(reader.Send).ToBeEnabledAsync();
        await Expect(reader.Correction).ToHaveValueAsync("goverment");
        Assert.Equal(0, posts);
    }

    [Fact]
    public async Task A_reader_who_corrects_and_sends_at_once_is_taken_for_a_person()
    {
        await using var reader = await harness.OpenAsync("/news/quick");
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");
        await Expect(reader.Correction).ToBeFocusedAsync();

        await reader.Page.Keyboard.PressAsync("Control+A");
        await reader.Page.Keyboard.TypeAsync("government");
        var response = await reader.Page.RunAndWaitForResponseAsync(() => reader.Page.Keyboard.PressAsync("Control+Enter"), ReaderPage.IsReportPost);

        Assert.Equal(202, response.Status);
        Assert.True(response.Request.PostDataJSON()!.Value.GetProperty("elapsedMs").GetInt64() >= CorrectionsService.MinimumFillMilliseconds);
        var report = await harness.Service.ReportAsync(ReaderPage.ReportId(await response.TextAsync()));
        Assert.Equal(ReportStatus.New, report.Status); // not kept as a bot's
        Assert.Equal("government", report.Suggestion);
        await Expect(reader.Status).ToHaveTextAsync("Thank you! The editors have your report.");
    }

    [Fact]
    public async Task A_reader_without_a_mouse_reports_typed_words_through_the_hint_button()
    {
        await using var reader = await harness.OpenAsync("/news/hint-button?hint=button");
        var button = reader.Page.GetByRole(AriaRole.Button, new() { Name = "Report a mistake" });
        await Expect(button).ToBeVisibleAsync();

        await reader.Page.Keyboard.PressAsync("Tab");
        await Expect(button).ToBeFocusedAsync();
        await reader.Page.Keyboard.PressAsync("Enter");

        await Expect(reader.Dialog).ToBeVisibleAsync();
        await Expect(reader.Page.GetByLabel("The wrong words (type or paste them)")).ToBeFocusedAsync();
        await Expect(reader.Passage).ToHaveCountAsync(0);
        await reader.Send.ClickAsync();
        await Expect(reader.WrongWords).ToHaveAccessibleDescriptionAsync("Please type or paste the words that are wrong.");
        await Expect(reader.WrongWords).ToBeFocusedAsync();

        await reader.Page.Keyboard.TypeAsync("the national goverment");
        await reader.Correction.FillAsync("the national government");
        var first = await reader.SendAsync();
        await Expect(reader.Status).ToHaveTextAsync("Thank you! The editors have your report.");
        await reader.Page.Keyboard.PressAsync("Escape");
        await Expect(button).ToBeFocusedAsync();

        await reader.Page.Keyboard.PressAsync("Enter");
        await reader.WrongWords.FillAsync("the national goverment");
        var second = await reader.SendAsync();

        var report = await harness.Service.ReportAsync(first);
        Assert.Equal(("the national goverment", "", ""), (report.Exact, report.Prefix, report.Suffix));
        Assert.Equal("the national government", report.Suggestion);
        Assert.NotEqual(first, second); // typed words may stand anywhere: never joined by their passage
        Assert.Equal(1, (await harness.Service.ReportAsync(second)).ReaderCount);
        Assert.Empty(reader.Errors);
    }

    [Fact]
    public async Task The_hint_button_takes_a_selection_when_there_is_one()
    {
        await using var reader = await harness.OpenAsync("/news/hint-button-selection?hint=button");
        await reader.SelectAsync("#cost", "goverment");

        await reader.Page.GetByRole(AriaRole.Button, new() { Name = "Report a mistake" }).ClickAsync();

        await Expect(reader.Passage).ToHaveTextAsync("goverment");
        await Expect(reader.WrongWords).ToHaveCountAsync(0);
    }
}
