using Corrections.Data;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Corrections.BrowserTests.Infrastructure;

/// <summary>
/// The built service as a process on a port of 127.0.0.1 (see <see cref="ServiceProcess"/>), with the tests' settings
/// on its own SQLite file and mail folder (see <see cref="TestData"/>). Besides the demo site (which also lists the test
/// pages' origin and the service's own, for the demo article) it has a site whose language is configured as Ukrainian
/// and one whose language the widget does not have, so the page's language decides.
/// </summary>
public sealed class CorrectionsService : IAsyncDisposable
{
    private readonly TestData data;
    private readonly ServiceProcess process;

    private CorrectionsService(TestData data, ServiceProcess process)
    {
        this.data = data;
        this.process = process;
    }

    public const int MinimumFillMilliseconds = 400;

    public string Origin => $"http://127.0.0.1:{process.BaseAddress.Port}";

    /// <summary>The running service, for what it writes to its console.</summary>
    public ServiceProcess Process => process;

    public string MailFolder => data.MailFolder;

    /// <summary>Starts the service on <paramref name="port"/>; it fails, saying so, if something else has taken the port.</summary>
    public static async Task<CorrectionsService> StartAsync(TestData data, int port, string pagesOrigin)
    {
        var origin = $"http://127.0.0.1:{port}";
        var settings = ServiceSettings.ForTest(data, smtpPort: null)
            .OnTheRealClock()
            .Set("PublicUrl", origin)
            // Shorter than the default, so that tests run quickly, but not off: the widget must wait it out before it sends
            // what a script types faster than a person.
            .Set("Abuse:MinimumFillMilliseconds", MinimumFillMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Set("Sites:0:Origins:3", pagesOrigin)
            .Set("Sites:0:Origins:4", origin);
        AddSite(settings, 1, "kyiv", "Kyiv Daily", "uk", pagesOrigin);
        AddSite(settings, 2, "world", "World Post", "eo", pagesOrigin);
        return new CorrectionsService(data, await ServiceProcess.StartAsync(settings, port));
    }

    public Task<Report> ReportAsync(Guid id) =>
        data.QueryAsync(db => db.Reports.AsNoTracking().Include(r => r.Submissions).SingleAsync(r => r.Id == id));

    /// <summary>The reports made from one page, whatever its query string.</summary>
    public Task<List<Report>> ReportsFromAsync(string pageUrl) =>
        data.QueryAsync(db => db.Reports.AsNoTracking().Include(r => r.Submissions).Where(r => r.Url.StartsWith(pageUrl)).ToListAsync());

    /// <summary>The mails written so far about one report.</summary>
    public List<MimeMessage> MailsAbout(Guid reportId)
    {
        if (!Directory.Exists(MailFolder))
            return [];
        return Directory.GetFiles(MailFolder, "*.eml")
            .Select(path => MimeMessage.Load(path))
            .Where(m => m.Headers["X-Corrections-Report"] == reportId.ToString())
            .ToList();
    }

    public async Task<MimeMessage> WaitForMailAsync(Guid reportId)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            if (MailsAbout(reportId) is [var mail, ..])
                return mail;
            await Task.Delay(100, deadline.Token);
        }
    }

    private static void AddSite(ServiceSettings settings, int index, string key, string name, string language, string origin) => settings
        .Set($"Sites:{index}:Key", key)
        .Set($"Sites:{index}:Name", name)
        .Set($"Sites:{index}:Language", language)
        .Set($"Sites:{index}:Origins:0", origin)
        .Set($"Sites:{index}:Editors:0", $"editors@{key}.example.org");

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
