using Corrections.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Corrections.BrowserTests;

/// <summary>The site's CSS reaches the widget's host element; the dialog must look the same whatever it says.</summary>
[Collection(BrowserCollection.Name)]
public sealed class HostStyleTests(WidgetHarness harness)
{
    private const string LookScript = """
        d => {
          const props = ['text-transform', 'letter-spacing', 'word-spacing', 'text-align', 'text-indent', '-webkit-text-fill-color',
            'font-size', 'font-style', 'line-height', 'width', 'height', 'padding-top'];
          // The passage is the page's text as its reader sees it (in capitals on the hostile page): the quote's height and
          // so the dialog's may differ, nothing else.
          return ['h2', 'label', 'textarea', 'button.k', 'blockquote', '.p'].flatMap(s => {
            const c = getComputedStyle(d.querySelector(s));
            return props.filter(p => s != 'blockquote' || p != 'height').map(p => `${s} ${p}: ${c.getPropertyValue(p)}`);
          }).concat([`dialog width: ${d.getBoundingClientRect().width}`, `dialog font: ${getComputedStyle(d).font}`]);
        }
        """;

    private async Task<string[]> DialogLookAsync(string path)
    {
        await using var reader = await harness.OpenAsync(path);
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");
        await Expect(reader.Dialog).ToBeVisibleAsync();
        if (path.Contains("hostile", StringComparison.Ordinal))
            await reader.Page.ScreenshotAsync(new() { Path = Path.Combine(WidgetHarness.Artifacts, "dialog-hostile-page.png"), Animations = ScreenshotAnimations.Disabled });
        return await reader.Dialog.EvaluateAsync<string[]>(LookScript);
    }

    [Fact]
    public async Task Page_rules_that_reach_the_host_and_a_small_root_font_size_leave_the_dialog_unchanged()
    {
        var plain = await DialogLookAsync("/news/plain-styles");
        var hostile = await DialogLookAsync("/news/hostile-styles?hostile");

        Assert.Equal(plain, hostile);
    }

    [Fact]
    public async Task In_forced_colours_the_dialog_keeps_its_border_and_shows_the_focus()
    {
        await using var reader = await harness.OpenAsync("/news/forced-colours", new() { Locale = "en-US", ForcedColors = ForcedColors.Active });
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");
        await Expect(reader.Correction).ToBeFocusedAsync();

        var border = await reader.Dialog.EvaluateAsync<string[]>("d => { const c = getComputedStyle(d); return [c.borderTopStyle, c.borderTopWidth, c.borderTopColor] }");
        var outline = await reader.Correction.EvaluateAsync<string[]>("e => { const c = getComputedStyle(e); return [c.outlineStyle, c.outlineWidth] }");

        Assert.Equal("solid", border[0]);
        Assert.NotEqual("0px", border[1]);
        Assert.NotEqual("rgba(0, 0, 0, 0)", border[2]);
        Assert.Equal(["solid", "2px"], outline);
        await reader.Page.ScreenshotAsync(new() { Path = Path.Combine(WidgetHarness.Artifacts, "dialog-forced-colours.png"), Animations = ScreenshotAnimations.Disabled });
    }
}
