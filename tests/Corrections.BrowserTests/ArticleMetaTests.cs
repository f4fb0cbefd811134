using Corrections.BrowserTests.Infrastructure;

namespace Corrections.BrowserTests;

[Collection(BrowserCollection.Name)]
public sealed class ArticleMetaTests(WidgetHarness harness)
{
    [Theory]
    [InlineData("author")]
    [InlineData("articleAuthor")]
    public async Task The_pages_author_and_section_travel_with_the_report(string authorTag)
    {
        await using var reader = await harness.OpenAsync($"/news/meta?{authorTag}=" + Uri.EscapeDataString("Anna Koval") + "&section=Politics");
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");

        var id = await reader.SendAsync();

        var report = await harness.Service.ReportAsync(id);
        Assert.Equal("Anna Koval", report.Author);
        Assert.Equal("Politics", report.Section);
    }

    [Fact]
    public async Task A_page_without_author_or_section_sends_neither()
    {
        await using var reader = await harness.OpenAsync("/news/no-meta");
        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");

        var id = await reader.SendAsync();

        var report = await harness.Service.ReportAsync(id);
        Assert.Null(report.Author);
        Assert.Null(report.Section);
    }
}
