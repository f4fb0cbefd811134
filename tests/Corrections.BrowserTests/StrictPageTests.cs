using Corrections.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Corrections.BrowserTests;

[Collection(BrowserCollection.Name)]
public sealed class StrictPageTests(WidgetHarness harness)
{
    [Fact]
    public async Task Under_a_policy_with_scripts_only_from_the_service_and_no_inline_styles_it_works_and_is_styled()
    {
        await using var reader = await harness.OpenAsync("/strict/article");

        await Expect(reader.Hint).ToHaveTextAsync("Found a mistake? Select it and press Ctrl+Enter.");
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");

        await Expect(reader.Dialog).ToBeVisibleAsync();
        await Expect(reader.Dialog).ToHaveCSSAsync("border-radius", "16px");
        var id = await reader.SendAsync();
        Assert.Equal("goverment", (await harness.Service.ReportAsync(id)).Exact);
        Assert.Empty(await reader.ViolationsAsync());
        Assert.Empty(reader.Errors);
    }

    [Fact]
    public async Task Under_a_strict_policy_the_dialog_gets_the_words_of_the_page_s_language()
    {
        await using var reader = await harness.OpenAsync("/strict/ukrainian?lang=uk");
        await reader.SelectAsync("#cost", "goverment");

        await reader.Page.Keyboard.PressAsync("Control+Enter");

        await Expect(reader.Send).ToHaveTextAsync("Надіслати");
        await reader.SendAsync();
        await Expect(reader.Status).ToHaveTextAsync("Дякуємо! Повідомлення отримала редакція.");
        Assert.Empty(await reader.ViolationsAsync());
        Assert.Empty(reader.Errors);
    }

    [Fact]
    public async Task The_demo_article_of_the_service_runs_the_whole_flow_under_its_own_strict_policy()
    {
        await using var reader = await harness.OpenAsync(harness.Service.Origin + "/");
        await Expect(reader.Page.Locator("[data-corrections-hint]")).ToHaveTextAsync("Found a mistake? Select it and press Ctrl+Enter.");

        await reader.SelectAsync("article", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");
        await reader.Correction.FillAsync("government");
        await reader.Page.ScreenshotAsync(new() { Path = Path.Combine(WidgetHarness.Artifacts, "demo.png"), Animations = ScreenshotAnimations.Disabled });
        var id = await reader.SendAsync();

        var report = await harness.Service.ReportAsync(id);
        Assert.Equal(harness.Service.Origin + "/", report.Url);
        Assert.Equal("government", report.Suggestion);
        Assert.StartsWith(" has promised to pay half.", report.Suffix, StringComparison.Ordinal);
        await harness.Service.WaitForMailAsync(id);
        Assert.Empty(await reader.ViolationsAsync());
        Assert.Empty(reader.Errors);
    }
}
