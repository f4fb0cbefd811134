using System.Text.RegularExpressions;
using Corrections.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Corrections.BrowserTests;

/// <summary>
/// The editors' mail links to the article at the passage with a URL text fragment. Chromium scrolls to what a fragment
/// finds and highlights it, and does nothing for one that finds nothing; with the article a screen below the top of the
/// page, where the link leaves the page scrolled tells whether it found the passage.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class DeepLinkTests(WidgetHarness harness)
{
    // Starts at a word and ends at a sentence's end: a passage of exactly 1,000 characters.
    private static readonly string Thousand = TestPages.LongText.Substring(49, 1000);

    public static TheoryData<string, string, string, string, string> Selections => new()
    {
        { "one-element", "#cost", "goverment", "#cost", "goverment" },
        { "inline-markup", "#lede", "Monday to build a seven-kilometre tram", "#lede", "Monday to build a seven-kilometre tram" },
        { "two-paragraphs", "#lede", "along the river.", "#cost", "Construction begins" },
        { "three-paragraphs", "#lede", "the river.", "#long", "The tram will stop" },
        { "thousand-characters", "#long", Thousand, "#long", Thousand },
    };

    [Theory]
    [MemberData(nameof(Selections))]
    public async Task The_mails_link_scrolls_to_the_passage(string name, string startSelector, string startText, string endSelector, string endText)
    {
        string link;
        await using (var reader = await harness.OpenAsync($"/news/deep-link-{name}?tall"))
        {
            await reader.SelectAsync(startSelector, startText, endSelector, endText);
            await reader.Page.Keyboard.PressAsync("Control+Enter");
            var id = await reader.SendAsync();
            if (name == "thousand-characters")
                Assert.Equal(1000, (await harness.Service.ReportAsync(id)).Exact.Length);
            var mail = await harness.Service.WaitForMailAsync(id);
            link = DeepLink().Match(mail.TextBody ?? "").Value;
            Assert.Contains("#:~:text=", link, StringComparison.Ordinal);
        }

        await using var editor = await harness.OpenAsync(link);

        await editor.Page.WaitForFunctionAsync("() => scrollY > 0", null, new() { Timeout = 5000 });
        var start = await editor.Page.Locator(startSelector).EvaluateAsync<double[]>("e => { const r = e.getBoundingClientRect(); return [r.top, r.bottom, innerHeight] }");
        Assert.True(start[1] > 0 && start[0] < start[2], $"{link} left the passage's first block at {start[0]}-{start[1]}, outside the window");
    }

    [GeneratedRegex(@"https?://\S+#:~:text=\S+")]
    private static partial Regex DeepLink();
}
