using Corrections.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Corrections.BrowserTests;

[Collection(BrowserCollection.Name)]
public sealed class ScreenshotTests(WidgetHarness harness)
{
    [Theory]
    [InlineData(ColorScheme.Light, "rgb(255, 255, 255)")]
    [InlineData(ColorScheme.Dark, "rgb(31, 31, 31)")]
    public async Task The_dialog_follows_the_colour_scheme(ColorScheme scheme, string background)
    {
        await using var reader = await harness.OpenAsync("/news/screenshot", new()
        {
            ColorScheme = scheme,
            ViewportSize = new() { Width = 1000, Height = 800 },
            Locale = "en-US",
        });
        await reader.SelectAsync("#lede", "build a seven-kilometre tram");
        await reader.Page.Keyboard.PressAsync("Control+Enter");
        await reader.Correction.FillAsync("build a seven-kilometer tram");
        await reader.Comment.FillAsync("Our style guide spells it this way.");

        await Expect(reader.Dialog).ToHaveCSSAsync("background-color", background);
        await reader.Page.ScreenshotAsync(new() { Path = Path.Combine(WidgetHarness.Artifacts, $"dialog-{scheme.ToString().ToLowerInvariant()}.png"), Animations = ScreenshotAnimations.Disabled });

        await reader.SendAsync();
        await Expect(reader.Status).ToBeVisibleAsync();
        await reader.Page.ScreenshotAsync(new() { Path = Path.Combine(WidgetHarness.Artifacts, $"dialog-{scheme.ToString().ToLowerInvariant()}-sent.png"), Animations = ScreenshotAnimations.Disabled });
    }

    [Fact]
    public async Task Without_reduced_motion_the_dialog_animates_and_with_it_it_does_not()
    {
        await using var moving = await harness.OpenAsync("/news/motion");
        await using var still = await harness.OpenAsync("/news/still", new() { ReducedMotion = ReducedMotion.Reduce, Locale = "en-US" });

        foreach (var reader in new[] { moving, still })
        {
            await reader.SelectAsync("#cost", "goverment");
            await reader.Page.Keyboard.PressAsync("Control+Enter");
        }

        await Expect(moving.Dialog).Not.ToHaveCSSAsync("animation-name", "none");
        await Expect(still.Dialog).ToHaveCSSAsync("animation-name", "none");
    }
}
