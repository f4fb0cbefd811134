using Corrections.Features.Reports.Submit;

namespace Corrections.Tests.Reports;

public sealed class DuplicateKeyTests
{
    [Theory]
    [InlineData("demo", "https://news.example.org/2024/11/25/article", "Welcome to the ", "brave new wrold", " of European security.", "d7895471727e35457f83")]
    [InlineData("Demo", "https://news.example.org:443/2024/11/25/article?utm=mail#p3", "Welcome to the ", "brave new wrold", " of European security.", "d7895471727e35457f83")]
    [InlineData("zeitung", "https://zeitung.example/artikel/grüße", "„Der Minister sagte ", "Grüße aus Köln 🎉", "“, und ging.", "d2dda6a0373f3eb4fd6b")]
    public void The_duplicate_key_stays_what_it_was_so_that_reports_stored_before_are_still_joined(string site, string url, string prefix, string exact, string suffix, string expected)
    {
        Assert.Equal(expected, SubmitReportHandler.DuplicateKey(site, new Uri(url), prefix, exact, suffix));
    }
}
