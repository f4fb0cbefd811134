using Corrections.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Corrections.BrowserTests;

/// <summary>A page of the test site under a host name its site does not list: http://localhost instead of http://127.0.0.1.</summary>
[Collection(BrowserCollection.Name)]
public sealed class UnregisteredOriginTests(WidgetHarness harness)
{
    [Fact]
    public async Task A_page_on_an_origin_its_site_does_not_list_says_that_reports_cannot_be_sent_queues_nothing_and_tells_the_owner()
    {
        var origin = harness.Pages.Origin.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        await using var reader = await harness.OpenAsync(origin + "/news/unregistered");
        var warnings = new List<string>();
        reader.Page.Console += (_, message) =>
        {
            if (message.Type == "warning")
                warnings.Add(message.Text);
        };
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");

        var response = await reader.Page.RunAndWaitForResponseAsync(() => reader.Send.ClickAsync(), ReaderPage.IsReportPost);

        Assert.Equal(403, response.Status);
        await Expect(reader.Status).ToHaveTextAsync("Reports cannot be sent from this page.");
        await Expect(reader.Send).ToHaveCountAsync(0);
        Assert.Null(await reader.QueueAsync());
        Assert.Contains(warnings, w => w.Contains(origin, StringComparison.Ordinal) && w.Contains("Origins", StringComparison.Ordinal));
        await harness.Service.Process.WaitForOutputAsync($"refused a report from {origin}");

        var posts = 0;
        reader.Page.Request += (_, request) => posts += request.Method == "POST" ? 1 : 0;
        await reader.Page.ReloadAsync();
        await reader.Page.WaitForTimeoutAsync(1500);
        Assert.Equal(0, posts); // nothing was kept to be sent again
    }
}
