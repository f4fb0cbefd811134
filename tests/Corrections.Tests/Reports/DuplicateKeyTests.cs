using Corrections.Features.Reports.Submit;

namespace Corrections.Tests.Reports;

public sealed class DuplicateKeyTests
{
    [Theory]
    [InlineData("demo", "https://news.example.org/2024/11/25/article", "Welcome to the ", "brave new wrold", " of European security.", "d7895471727e35457f833329b04cfa423d9d8df784f303be88dae745d4a07359")]
    [InlineData("Demo", "https://news.example.org:443/2024/11/25/article?utm=mail#p3", "Welcome to the ", "brave new wrold", " of European security.", "d7895471727e35457f833329b04cfa423d9d8df784f303be88dae745d4a07359")]
    [InlineData("zeitung", "https://zeitung.example/artikel/grüße", "„Der Minister sagte ", "Grüße aus Köln 🎉", "“, und ging.", "d2dda6a0373f3eb4fd6b361ddb70137d6da00adf19f42f792448478a9a7533b5")]
    public void The_duplicate_key_stays_what_it_was_so_that_reports_stored_before_are_still_joined(string site, string url, string prefix, string exact, string suffix, string expected)
    {
        Assert.Equal(expected, SubmitReportHandler.DuplicateKey(site, new Uri(url), prefix, exact, suffix));
    }
}
