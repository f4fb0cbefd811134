using System.Net.Http.Json;
using Corrections.Tests.Infrastructure;

namespace Corrections.Tests.Operations;

public sealed class LoggingTests : IAsyncLifetime
{
    private readonly TestData data = new();
    private TestSmtpServer smtp = null!;
    private CorrectionsApp app = null!;

    public Task InitializeAsync()
    {
        smtp = TestSmtpServer.StartNew();
        app = new CorrectionsApp(data, smtp);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await app.DisposeAsync();
        await smtp.DisposeAsync();
        data.Dispose();
    }

    [Fact]
    public async Task Log_lines_about_a_report_carry_its_id_and_site_and_never_a_readers_address()
    {
        var id = await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await smtp.WaitForMessagesAsync(1);
        await app.CreateAdminClient().PostAsJsonAsync($"/api/reports/{id}/triage", new { action = "fixed" });
        await smtp.WaitForMessagesAsync(2);
        await app.WaitUntilAsync(() => Task.FromResult(app.Logs.Lines.Count(l => l.Message.Contains("accepted by")) >= 2));

        var lines = app.Logs.Lines.Where(l => l.Category.StartsWith("Corrections")).ToList();
        Assert.DoesNotContain(lines, l => l.Message.Contains("reader@example.net") || l.Properties.Values.Any(v => v?.ToString()?.Contains("reader@example.net") == true));
        Assert.DoesNotContain(app.Logs.Lines, l => l.Message.Contains("reader@example.net"));
        var aboutTheReport = lines.Where(l => l.Message.Contains(id.ToString("N")) || l.Message.Contains(id.ToString())).ToList();
        Assert.NotEmpty(aboutTheReport);
        Assert.All(aboutTheReport, l =>
        {
            Assert.Equal(id.ToString(), (l.Properties.GetValueOrDefault("ReportId") ?? "").ToString());
            Assert.Equal("demo", l.Properties.GetValueOrDefault("Site")?.ToString());
        });
    }
}
