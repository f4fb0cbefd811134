using Corrections.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Corrections.BrowserTests;

[Collection(BrowserCollection.Name)]
public sealed class TouchTests(WidgetHarness harness)
{
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
        Assert.InRange(button.Y, selection[1], selection[1] + 40); // just below the selected word
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
