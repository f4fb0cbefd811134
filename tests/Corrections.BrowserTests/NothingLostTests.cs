using Corrections.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Corrections.BrowserTests;

[Collection(BrowserCollection.Name)]
public sealed class NothingLostTests(WidgetHarness harness)
{
    private const string Saved = "No connection. Your report is saved and will be sent automatically.";
    private const string Thanks = "Thank you! The editors have your report.";

    [Fact]
    public async Task A_report_made_offline_is_sent_once_when_the_reader_is_back_online()
    {
        await using var reader = await harness.OpenAsync("/news/offline");
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");
        await reader.Correction.FillAsync("government");
        await reader.Context.SetOfflineAsync(true);

        await reader.Send.ClickAsync();

        await Expect(reader.Status).ToHaveTextAsync(Saved);
        Assert.Contains("government", await reader.QueueAsync());
        var accepted = reader.Page.WaitForResponseAsync(ReaderPage.IsReportPost);
        await reader.Context.SetOfflineAsync(false);
        var response = await accepted;
        Assert.Equal(202, response.Status);
        await Expect(reader.Status).ToHaveTextAsync(Thanks);
        Assert.Null(await reader.QueueAsync());

        var id = ReaderPage.ReportId(await response.TextAsync());
        await AssertOneReportMailedOnceAsync(id, harness.Pages.Origin + "/news/offline");
    }

    [Fact]
    public async Task A_report_whose_answer_was_lost_is_sent_again_on_the_next_page_view_and_stays_one_report()
    {
        await using var reader = await harness.OpenAsync("/news/lost-answer");
        Guid? storedId = null;
        await reader.Page.RouteAsync("**/api/reports", async route =>
        {
            // The service stores the report, but the answer never reaches the page.
            var response = await route.FetchAsync();
            storedId = ReaderPage.ReportId(await response.TextAsync());
            await route.AbortAsync();
        });
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");
        await reader.Send.ClickAsync();
        await Expect(reader.Status).ToHaveTextAsync(Saved);
        Assert.NotNull(storedId);
        await reader.Page.UnrouteAllAsync();

        var resent = reader.Page.WaitForResponseAsync(ReaderPage.IsReportPost);
        await reader.Page.ReloadAsync();
        var response = await resent;

        Assert.Equal(202, response.Status);
        Assert.Equal(storedId, ReaderPage.ReportId(await response.TextAsync()));
        await reader.Page.WaitForFunctionAsync("() => localStorage.getItem('corrections:queue') === null");
        await AssertOneReportMailedOnceAsync(storedId.Value, harness.Pages.Origin + "/news/lost-answer");
    }

    [Fact]
    public async Task A_server_error_is_retried_with_back_off_in_the_same_page()
    {
        await using var reader = await harness.OpenAsync("/news/server-error");
        var failures = 0;
        await reader.Page.RouteAsync("**/api/reports", async route =>
        {
            if (failures++ == 0)
                await route.FulfillAsync(new() { Status = 503, ContentType = "application/problem+json", Body = """{"title":"Unavailable"}""" });
            else
                await route.ContinueAsync();
        });
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");
        await reader.Send.ClickAsync();
        await Expect(reader.Status).ToHaveTextAsync(Saved);

        var response = await reader.Page.WaitForResponseAsync(r => ReaderPage.IsReportPost(r) && r.Status == 202, new() { Timeout = 10_000 });

        await Expect(reader.Status).ToHaveTextAsync(Thanks);
        Assert.Equal(2, failures);
        await AssertOneReportMailedOnceAsync(ReaderPage.ReportId(await response.TextAsync()), harness.Pages.Origin + "/news/server-error");
    }

    [Fact]
    public async Task A_report_is_sent_with_a_request_id_that_begins_with_the_time_it_was_made()
    {
        await using var reader = await harness.OpenAsync("/news/request-id");
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var id = await reader.SendAsync();

        var requestId = Assert.Single((await harness.Service.ReportAsync(id)).Submissions).ClientRequestId;
        Assert.Matches("^[0-9a-f]{32}$", requestId);
        var made = DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(requestId[..12], 16));
        Assert.InRange(made, before, DateTimeOffset.UtcNow.AddSeconds(1));
    }

    public static TheoryData<string, string> BlockedStorage => new()
    {
        { "blocked", "Object.defineProperty(window, 'localStorage', { configurable: true, get() { throw new DOMException('The operation is insecure.', 'SecurityError') } })" },
        { "full", "Storage.prototype.setItem = function () { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError') }" },
    };

    [Theory]
    [MemberData(nameof(BlockedStorage))]
    public async Task Without_storage_a_report_is_sent_directly(string storage, string script)
    {
        await using var reader = await OpenWithoutStorageAsync($"/news/storage-{storage}", script);
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");

        var id = await reader.SendAsync();

        await Expect(reader.Status).ToHaveTextAsync(Thanks);
        Assert.Equal("goverment", (await harness.Service.ReportAsync(id)).Exact);
    }

    [Theory]
    [MemberData(nameof(BlockedStorage))]
    public async Task Without_storage_a_report_that_cannot_be_sent_is_said_to_be_not_saved_and_may_be_sent_again(string storage, string script)
    {
        await using var reader = await OpenWithoutStorageAsync($"/news/storage-{storage}-offline", script);
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");
        await reader.Context.SetOfflineAsync(true);

        await reader.Send.ClickAsync();

        await Expect(reader.Status).ToHaveTextAsync("The report could not be sent and is not saved. Please try again.");
        await Expect(reader.Send).ToBeEnabledAsync();
        await reader.Context.SetOfflineAsync(false);
        var id = await reader.SendAsync();
        await Expect(reader.Status).ToHaveTextAsync(Thanks);
        await AssertOneReportMailedOnceAsync(id, harness.Pages.Origin + $"/news/storage-{storage}-offline");
    }

    private async Task<ReaderPage> OpenWithoutStorageAsync(string path, string script)
    {
        var context = await harness.Browser.NewContextAsync(new() { Locale = "en-US" });
        await context.AddInitScriptAsync(script);
        var reader = await ReaderPage.CreateAsync(context);
        await reader.GotoAsync(harness.Pages.Origin + path);
        return reader;
    }

    private async Task AssertOneReportMailedOnceAsync(Guid id, string pageUrl)
    {
        var report = Assert.Single(await harness.Service.ReportsFromAsync(pageUrl));
        Assert.Equal(id, report.Id);
        Assert.Single(report.Submissions);
        Assert.Equal(1, report.ReaderCount);
        await harness.Service.WaitForMailAsync(id);
        await Task.Delay(1500); // a second mail would have had time to follow
        Assert.Single(harness.Service.MailsAbout(id));
    }
}
