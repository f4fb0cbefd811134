using System.Net.Http.Json;
using Corrections.Tests.Infrastructure;

namespace Corrections.Tests.Operations;

public sealed class LoggingTests : ServiceTest
{
    [Fact]
    public async Task Log_lines_about_a_report_carry_its_id_and_site_and_never_a_readers_address()
    {
        var id = await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await Smtp.WaitForMessagesAsync(1);
        await App.CreateAdminClient().PostAsJsonAsync($"/api/reports/{id}/triage", new { action = "fixed" });
        await Smtp.WaitForMessagesAsync(2);
        await App.WaitUntilAsync(() => Task.FromResult(App.Logs.Lines.Count(l => l.Message.Contains("accepted by")) >= 2));

        var lines = App.Logs.Lines.Where(l => l.Category.StartsWith("Corrections")).ToList();
        Assert.DoesNotContain(lines, l => l.Message.Contains("reader@example.net") || l.Properties.Values.Any(v => v?.ToString()?.Contains("reader@example.net") == true));
        Assert.DoesNotContain(App.Logs.Lines, l => l.Message.Contains("reader@example.net"));
        var aboutTheReport = lines.Where(l => l.Message.Contains(id.ToString("N")) || l.Message.Contains(id.ToString())).ToList();
        Assert.NotEmpty(aboutTheReport);
        Assert.All(aboutTheReport, l =>
        {
            Assert.Equal(id.ToString(), (l.Properties.GetValueOrDefault("ReportId") ?? "").ToString());
            Assert.Equal("demo", l.Properties.GetValueOrDefault("Site")?.ToString());
        });
    }
}
