using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Corrections.Configuration;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using MimeKit;

namespace Corrections.BrowserTests.Infrastructure;

/// <summary>
/// The editors' side for the inbox's tests: the built service as a process with its mail sent to the test SMTP server,
/// and Chromium. Sign-in links are not limited here (every test signs in from 127.0.0.1); the limit has tests of its own.
/// </summary>
public sealed partial class InboxDesk : IAsyncLifetime
{
    public const string Editor = "editors@news.example.org";

    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private readonly TestData data = new(DatabaseProvider.Sqlite);
    private readonly TestSmtpServer smtp = TestSmtpServer.StartNew();
    private ServiceProcess? service;
    private IPlaywright? playwright;
    private IBrowser? browser;
    private int port;

    public TestData Data => data;
    public TestSmtpServer Smtp => smtp;
    public string Origin => $"http://127.0.0.1:{port}";
    public IBrowser Browser => browser ?? throw new InvalidOperationException("Chromium has not started");

    public async Task InitializeAsync()
    {
        port = TestPorts.Next();
        await StartServiceAsync(null);
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
    }

    /// <summary>Starts the service again on the same port and database, with <paramref name="settings"/> on top of the tests'.</summary>
    public async Task RestartAsync(Dictionary<string, string?>? settings = null)
    {
        if (service is not null)
            await service.DisposeAsync();
        await StartServiceAsync(settings);
    }

    private async Task StartServiceAsync(Dictionary<string, string?>? settings)
    {
        var configured = ServiceSettings.ForTest(data, smtp.Port)
            .OnTheRealClock()
            .Set("PublicUrl", $"http://127.0.0.1:{port}")
            .Set("Inbox:SignInRequestsPerHour", "0")
            .Set(settings);
        service = await ServiceProcess.StartAsync(configured, port);
    }

    /// <summary>A reader's report on the demo site, as a server-side client sends it; returns its id.</summary>
    public async Task<Guid> SubmitAsync(string exact, string url = "https://news.example.org/2024/11/25/article")
    {
        var response = await service!.Client.PostAsJsonAsync("/api/reports", new
        {
            site = "demo",
            url,
            title = "Europe's new security order",
            lang = "en",
            selection = new { exact, prefix = "Welcome to the ", suffix = " of European security." },
            suggestion = exact.Replace("wrold", "world"),
            comment = "typo",
            readerEmail = "reader@example.net",
            clientRequestId = Guid.NewGuid().ToString(),
        });
        Assert.Equal(202, (int)response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
    }

    public async Task<IPage> NewPageAsync(BrowserNewContextOptions? options = null)
    {
        var context = await Browser.NewContextAsync(options ?? new() { Locale = "en-US" });
        var page = await context.NewPageAsync();
        await page.AddInitScriptAsync(
            "document.addEventListener('securitypolicyviolation', e => (window.__violations ||= []).push(e.violatedDirective + ' ' + e.blockedURI))");
        return page;
    }

    /// <summary>The sign-in mails received so far for <paramref name="address"/>.</summary>
    public List<MimeMessage> SignInMails(string address) => smtp.Messages
        .Where(m => m.Subject == "Sign in to the corrections inbox" && m.To.Mailboxes.Single().Address == address)
        .ToList();

    /// <summary>Waits for the <paramref name="nth"/> sign-in mail to <paramref name="address"/> and returns its link.</summary>
    public async Task<string> WaitForSignInLinkAsync(string address, int nth = 1)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (SignInMails(address).Count < nth)
            await Task.Delay(50, deadline.Token);
        var match = SignInLink().Match(SignInMails(address)[nth - 1].TextBody ?? "");
        Assert.True(match.Success, "the mail has a sign-in link");
        return match.Value;
    }

    /// <summary>Asks for a link on the sign-in page, opens the mailed link and presses its button.</summary>
    public async Task SignInAsync(IPage page, string address = Editor)
    {
        var before = SignInMails(address).Count;
        await page.GotoAsync(Origin + "/inbox");
        await page.GetByLabel("Email address").FillAsync(address);
        await page.GetByRole(AriaRole.Button, new() { Name = "Mail me a link" }).ClickAsync();
        // The answer first: the mail can come sooner, and opening the link then would cut the form's navigation short.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Check your mail");
        await page.GotoAsync(await WaitForSignInLinkAsync(address, before + 1));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByText($"Signed in as {address}")).ToBeVisibleAsync(new() { Timeout = 30_000 });
    }

    /// <summary>Waits until the SMTP server has received mail that <paramref name="matches"/>, <paramref name="count"/> of them.</summary>
    public async Task<List<MimeMessage>> WaitForMailsAsync(Func<MimeMessage, bool> matches, int count)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (smtp.Messages.Count(matches) < count)
            await Task.Delay(50, deadline.Token);
        return smtp.Messages.Where(matches).ToList();
    }

    /// <summary>What axe-core finds wrong on the page, one line per rule and element.</summary>
    public static async Task<string[]> AccessibilityViolationsAsync(IPage page)
    {
        var result = await page.RunAxe();
        return result.Violations.SelectMany(v => v.Nodes.Select(n => $"{v.Id}: {v.Help} at {n.Target} ({n.Html})")).ToArray();
    }

    public static Task<string[]> PolicyViolationsAsync(IPage page) => page.EvaluateAsync<string[]>("() => window.__violations || []");

    [GeneratedRegex(@"http\S+/inbox/sign-in/\S+")]
    private static partial Regex SignInLink();

    public async Task DisposeAsync()
    {
        if (browser is not null)
            await browser.CloseAsync();
        playwright?.Dispose();
        if (service is not null)
            await service.DisposeAsync();
        await smtp.DisposeAsync();
        data.Dispose();
    }
}
