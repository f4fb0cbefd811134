using Corrections.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Corrections.BrowserTests;

[Collection(BrowserCollection.Name)]
public sealed class TouchTests(WidgetHarness harness)
{
    // The platforms' selection handles hang below the first and last lines of a selection: about 22-30 px on Android and iOS.
    private const double HandleHeight = 32;

    private static BrowserNewContextOptions Phone(string locale = "en-US") => new()
    {
        ViewportSize = new() { Width = 390, Height = 844 },
        DeviceScaleFactor = 2,
        IsMobile = true,
        HasTouch = true,
        Locale = locale,
    };

    [Theory]
    [InlineData("en", "#cost", "goverment")]
    [InlineData("uk", "#lede", "river")] // a long label at the end of a line, near the screen's edge
    [InlineData("de", "#long", "hospital")]
    public async Task The_floating_button_stays_on_one_line_on_screen_and_clear_of_the_selection_handles(string lang, string selector, string word)
    {
        await using var reader = await harness.OpenAsync($"/news/touch-{lang}?site=world&lang={lang}", Phone());
        var paragraph = (await reader.Page.Locator("#cost").BoundingBoxAsync())!;
        await reader.Page.Touchscreen.TapAsync(paragraph.X + 10, paragraph.Y + 10);

        await reader.SelectAsync(selector, word);

        await Expect(reader.FloatingButton).ToBeVisibleAsync();
        await reader.FloatingButton.EvaluateAsync("b => Promise.all(b.getAnimations().map(a => a.finished))");
        var lines = await reader.Page.EvaluateAsync<double[]>("() => { const r = getSelection().getRangeAt(0).getClientRects(); return [r[0].top, r[0].bottom, r[r.length - 1].top, r[r.length - 1].bottom] }");
        var button = (await reader.FloatingButton.BoundingBoxAsync())!;
        Assert.True(button.Y >= lines[3] + HandleHeight || button.Y + button.Height <= lines[0] - HandleHeight,
            $"the button at {button.Y}-{button.Y + button.Height} covers the handles of the selection at {lines[0]}-{lines[3]}");
        Assert.True(button.Height is >= 44 and < 60, $"the button is {button.Width}x{button.Height}, not one line of at least 44 px");
        Assert.InRange(button.X, 0, 390 - button.Width);
        Assert.True(await reader.FloatingButton.EvaluateAsync<bool>("b => b.scrollWidth <= b.clientWidth"));
    }

    [Fact]
    public async Task Every_control_of_the_dialog_is_at_least_44_by_44_css_pixels()
    {
        await using var reader = await harness.OpenAsync("/news/touch-targets", Phone());
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");
        await Expect(reader.Dialog).ToBeVisibleAsync();

        var small = await reader.Dialog.EvaluateAsync<string[]>("""
            d => [...d.querySelectorAll('button, input, textarea, select, a[href]')]
              .filter(e => e.getClientRects().length)
              .map(e => [e, e.getBoundingClientRect()])
              .filter(([, r]) => r.width < 44 || r.height < 44)
              .map(([e, r]) => `${e.id || e.tagName} ${r.width}x${r.height}`)
            """);

        Assert.Empty(small);
    }

    [Fact]
    public async Task On_a_phone_a_button_next_to_the_selection_opens_the_dialog()
    {
        await using var reader = await harness.OpenAsync("/news/touch", new()
        {
            ViewportSize = new() { Width = 390, Height = 844 },
            DeviceScaleFactor = 2,
            IsMobile = true,
            HasTouch = true,
            Locale = "en-US",
        });
        await Expect(reader.Hint).ToHaveTextAsync("Found a mistake? Select it and tap “Report a mistake”.");
        var paragraph = (await reader.Page.Locator("#cost").BoundingBoxAsync())!;
        await reader.Page.Touchscreen.TapAsync(paragraph.X + 10, paragraph.Y + 10);

        await reader.SelectAsync("#cost", "goverment");

        await Expect(reader.FloatingButton).ToBeVisibleAsync();
        await Expect(reader.FloatingButton).ToHaveTextAsync("Report a mistake");
        var selection = await reader.Page.EvaluateAsync<double[]>("() => { const r = getSelection().getRangeAt(0).getBoundingClientRect(); return [r.top, r.bottom] }");
        var button = (await reader.FloatingButton.BoundingBoxAsync())!;
        Assert.InRange(button.Y, selection[1] + HandleHeight, selection[1] + 60); // below the selected word, clear of its handles
        await reader.Page.ScreenshotAsync(new() { Path = Path.Combine(WidgetHarness.Artifacts, "touch-button.png"), Animations = ScreenshotAnimations.Disabled });

        await reader.FloatingButton.TapAsync();

        await Expect(reader.Dialog).ToBeVisibleAsync();
        await Expect(reader.Passage).ToHaveTextAsync("goverment");
        await Expect(reader.FloatingButton).ToBeHiddenAsync();
        await reader.Page.ScreenshotAsync(new() { Path = Path.Combine(WidgetHarness.Artifacts, "dialog-phone.png"), Animations = ScreenshotAnimations.Disabled });
        var id = await reader.SendAsync();
        Assert.Equal("goverment", (await harness.Service.ReportAsync(id)).Exact);
        Assert.Empty(reader.Errors);
    }

    [Fact]
    public async Task With_a_mouse_no_button_appears()
    {
        await using var reader = await harness.OpenAsync("/news/mouse");
        await reader.Page.Mouse.ClickAsync(5, 5);

        await reader.SelectAsync("#cost", "goverment");

        await reader.Page.WaitForTimeoutAsync(400);
        await Expect(reader.FloatingButton).ToHaveCountAsync(0);
    }
}
