using System.Net;
using Corrections.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MimeKit;

namespace Corrections.BrowserTests.Infrastructure;

/// <summary>
/// The real service on a real Kestrel port of 127.0.0.1, with its own SQLite file and mail folder. Besides the demo site
/// (which also lists the test pages' origin and the service's own, for the demo article) it has a site whose language
/// is configured as Ukrainian and one whose language the widget does not have, so the page's language decides.
/// </summary>
public sealed class CorrectionsService : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> settings;

    public CorrectionsService(string folder, int port, string pagesOrigin)
    {
        Origin = $"http://127.0.0.1:{port}";
        MailFolder = Path.Combine(folder, "mail");
        settings = new()
        {
            ["ConnectionStrings:Corrections"] = $"Data Source={Path.Combine(folder, "corrections.db")}",
            ["Mail:PickupDirectory"] = MailFolder,
            ["Mail:Smtp:Host"] = "",
            ["PublicUrl"] = Origin,
            ["Abuse:ReportsPerClientPerMinute"] = "0",
            // A script types faster than a person; the bot trap has tests of its own.
            ["Abuse:MinimumFillMilliseconds"] = "0",
            ["Outbox:PollIntervalSeconds"] = "1",
            ["Sites:0:Origins:3"] = pagesOrigin,
            ["Sites:0:Origins:4"] = Origin,
        };
        AddSite(1, "kyiv", "Kyiv Daily", "uk", pagesOrigin);
        AddSite(2, "world", "World Post", "eo", pagesOrigin);
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
    }

    public string Origin { get; }

    public string MailFolder { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environments.Production);
        builder.UseContentRoot(AppContext.BaseDirectory);
        foreach (var (key, value) in settings)
            builder.UseSetting(key, value);
    }

    public async Task<T> QueryAsync<T>(Func<CorrectionsDb, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<CorrectionsDb>());
    }

    public Task<Report> ReportAsync(Guid id) =>
        QueryAsync(db => db.Reports.AsNoTracking().Include(r => r.Submissions).SingleAsync(r => r.Id == id));

    /// <summary>The reports made from one page, whatever its query string.</summary>
    public Task<List<Report>> ReportsFromAsync(string pageUrl) =>
        QueryAsync(db => db.Reports.AsNoTracking().Include(r => r.Submissions).Where(r => r.Url.StartsWith(pageUrl)).ToListAsync());

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

    private void AddSite(int index, string key, string name, string language, string origin)
    {
        settings[$"Sites:{index}:Key"] = key;
        settings[$"Sites:{index}:Name"] = name;
        settings[$"Sites:{index}:Language"] = language;
        settings[$"Sites:{index}:Origins:0"] = origin;
        settings[$"Sites:{index}:Editors:0"] = $"editors@{key}.example.org";
    }
}
